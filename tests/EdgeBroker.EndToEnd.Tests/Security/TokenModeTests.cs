using EdgeBroker.EndToEnd.Tests.Http;
using EdgeBroker.EndToEnd.Tests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;

namespace EdgeBroker.EndToEnd.Tests.Security;

/// <summary>Tokens from <c>POST /token/apply</c> used by real MQTT clients in Token mode (user name
/// <c>Token|{AccessKeyId}|{InstanceId}</c>): what they admit and allow, and how expiry and revocation end it. Host only.</summary>
public sealed class TokenModeTests
{
    const string Device = "GID_sensors@@@dev1";
    const string OwnAddress = "GID_sensors/p2p/" + Device;

    static readonly string AllGroupsUser = SecureClients.TokenUserName(ApiBroker.AllGroupsKey);

    [Fact]
    public async Task A_read_write_token_connects_and_publishes_within_its_topics_only()
    {
        await using var api = await ApiBroker.StartAsync();
        var token = await TokenApiTests.ApplyTokenAsync(api.AllGroups, "GID_sensors", "R,W", TimeSpan.FromMinutes(5));

        await using var client = await SecureClients.ConnectAsync(api.Broker, Device, AllGroupsUser, "RW|" + token);
        var allowed = await client.PublishAsync(OwnAddress, "inside");
        var denied = await client.PublishAsync("app/status", "outside");

        Assert.Equal(MqttClientConnectResultCode.Success, client.ConnectResult.ResultCode);
        Assert.Equal(MqttClientPublishReasonCode.Success, allowed.ReasonCode);
        Assert.Equal("inside", (await client.ReceiveAsync()).ConvertPayloadToString());
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, denied.ReasonCode);
    }

    [Fact]
    public async Task Separate_read_and_write_tokens_are_presented_as_R_t1_W_t2()
    {
        await using var api = await ApiBroker.StartAsync();
        var read = await TokenApiTests.ApplyTokenAsync(api.AllGroups, "GID_sensors", "R", TimeSpan.FromMinutes(5));
        var write = await TokenApiTests.ApplyTokenAsync(api.AllGroups, "GID_sensors", "W", TimeSpan.FromMinutes(5));

        await using var client = await SecureClients.ConnectAsync(api.Broker, Device, AllGroupsUser, $"R|{read}|W|{write}");
        await client.SubscribeAsync("GID_sensors/#");
        var published = await client.PublishAsync("GID_sensors/temperature", "21.5");

        Assert.Equal(MqttClientPublishReasonCode.Success, published.ReasonCode);
        Assert.Equal("21.5", (await client.ReceiveAsync()).ConvertPayloadToString());
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword,
            await SecureBroker.RefusedAsync(api.Broker, "GID_sensors@@@dev2", MqttProtocolVersion.V500, AllGroupsUser, "W|" + read));
    }

    [Fact]
    public async Task A_token_is_only_for_the_key_it_was_issued_to_and_that_keys_groups()
    {
        await using var api = await ApiBroker.StartAsync();
        var sensorsToken = await TokenApiTests.ApplyTokenAsync(api.Sensors, "GID_sensors,GID_lights", "R,W", TimeSpan.FromMinutes(5));
        var sensorsUser = SecureClients.TokenUserName(ApiBroker.SensorsKey);

        var otherKey = await SecureBroker.RefusedAsync(api.Broker, Device, MqttProtocolVersion.V500, AllGroupsUser, "RW|" + sensorsToken);
        var otherGroup = await SecureBroker.RefusedAsync(api.Broker, "GID_lights@@@lamp", MqttProtocolVersion.V311,
            sensorsUser, "RW|" + sensorsToken);
        await using var ownGroup = await SecureClients.ConnectAsync(api.Broker, Device, sensorsUser, "RW|" + sensorsToken);

        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, otherKey);
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, otherGroup);
        Assert.Equal(MqttClientConnectResultCode.Success, ownGroup.ConnectResult.ResultCode);
    }

    [Fact]
    public async Task A_connected_client_is_disconnected_when_its_token_expires_and_refused_afterwards()
    {
        await using var api = await ApiBroker.StartAsync();
        var (token, client) = await ConnectWithNewTokenAsync(api, TimeSpan.FromSeconds(2));
        await using var _ = client;

        await SecureClients.WaitUntilDisconnectedAsync(client);

        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword,
            await SecureBroker.RefusedAsync(api.Broker, Device, MqttProtocolVersion.V311, AllGroupsUser, "RW|" + token));
    }

    [Fact]
    public async Task Revoking_a_token_disconnects_its_client_and_refuses_it_afterwards()
    {
        await using var api = await ApiBroker.StartAsync();
        var (token, client) = await ConnectWithNewTokenAsync(api, TimeSpan.FromMinutes(5));
        await using var _ = client;

        (await api.AllGroups.PostAsync(AdminPaths.TokenRevoke, TokenApiTests.Token(token))).AssertOk();

        await SecureClients.WaitUntilDisconnectedAsync(client);
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword,
            await SecureBroker.RefusedAsync(api.Broker, Device, MqttProtocolVersion.V500, AllGroupsUser, "RW|" + token));
    }

    /// <summary>The reviewer's F8 (s24): a read-only token for <c>app</c> let its holder connect as the configured
    /// SysSubscriber and read every group's presence. A Token client chooses its ID freely, so <c>$SYS</c> is refused
    /// (as a session takeover is); the Signature-signed monitor still subscribes.</summary>
    [Fact]
    public async Task A_token_client_that_takes_the_sys_subscribers_ID_may_not_subscribe_to_sys()
    {
        const string Monitor = "GID_app@@@monitor";
        await using var api = await ApiBroker.StartAsync(more: new Dictionary<string, string?> { ["EdgeBroker:Security:SysSubscribers:0"] = Monitor });
        var token = await TokenApiTests.ApplyTokenAsync(api.AllGroups, "app", "R", TimeSpan.FromMinutes(5));

        await using (var holder = await SecureClients.ConnectAsync(api.Broker, Monitor, AllGroupsUser, "R|" + token))
        {
            Assert.Equal(MqttClientConnectResultCode.Success, holder.ConnectResult.ResultCode);
            Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, await AccessControlTests.SubscribeAsync(holder, "$SYS/presence/#"));
            Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, await AccessControlTests.SubscribeAsync(holder, "$SYS/#"));
            await using (await TestClient.ConnectAsync(api.Broker, Device))
            {
            }

            await holder.ExpectNothingAsync();
        }

        await using var monitor = await SecureClients.ConnectAsync(api.Broker, Monitor, SecureBroker.SignatureUserName(ApiBroker.AllGroupsKey, SignedApiClient.DefaultInstanceId),
            SecureBroker.SignaturePassword(ApiBroker.AllGroupsSecret, Monitor));
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, await AccessControlTests.SubscribeAsync(monitor, "$SYS/presence/#"));
    }

    /// <summary>Applies for an R,W token on GID_sensors valid for <paramref name="validFor"/> and connects
    /// <see cref="Device"/> with it (MQTT 5).</summary>
    static async Task<(string Token, TestClient Client)> ConnectWithNewTokenAsync(ApiBroker api, TimeSpan validFor)
    {
        var token = await TokenApiTests.ApplyTokenAsync(api.AllGroups, "GID_sensors", "R,W", validFor);
        var client = await SecureClients.ConnectAsync(api.Broker, Device, AllGroupsUser, "RW|" + token);
        Assert.Equal(MqttClientConnectResultCode.Success, client.ConnectResult.ResultCode);
        return (token, client);
    }
}
