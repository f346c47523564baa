using System.Text.Json;
using EdgeBroker.EndToEnd.Tests.Http;
using EdgeBroker.EndToEnd.Tests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;

namespace EdgeBroker.EndToEnd.Tests.Security;

/// <summary>ApsaraMQ's dynamic token update and token notices with real MQTT clients, as its Token-mode SDK pattern
/// uses them: publish <c>{"token":"…","type":"RW"}</c> to <c>$SYS/uploadToken</c> and wait for the PUBACK; receive
/// <c>$SYS/tokenExpireNotice</c> and <c>$SYS/tokenInvalidNotice</c> without subscribing. Short tokens (seconds) stand in
/// for real lifetimes: one shorter than the 5-minute lead is noticed at once. Host only.</summary>
public sealed class TokenUploadTests
{
    const string Device = "GID_sensors@@@dev1";
    const string UploadTopic = "$SYS/uploadToken";

    static readonly string AllGroupsUser = SecureClients.TokenUserName(ApiBroker.AllGroupsKey);

    [Fact]
    public async Task A_client_that_uploads_a_new_token_stays_connected_past_the_old_ones_expiry()
    {
        await using var api = await ApiBroker.StartAsync();
        var shortLived = await TokenApiTests.ApplyTokenAsync(api.AllGroups, "GID_sensors", "R,W", TimeSpan.FromSeconds(3));
        var renewed = await TokenApiTests.ApplyTokenAsync(api.AllGroups, "GID_sensors", "R,W", TimeSpan.FromMinutes(10));
        await using var client = await SecureClients.ConnectAsync(api.Broker, Device, AllGroupsUser, "RW|" + shortLived);

        var uploaded = await client.PublishAsync(UploadTopic, Upload(renewed, "RW"));
        await Task.Delay(TimeSpan.FromSeconds(4.5));
        var published = await client.PublishAsync("GID_sensors/p2p/" + Device, "after the old token's expiry");

        Assert.Equal(MqttClientPublishReasonCode.Success, uploaded.ReasonCode);
        Assert.True(client.Client.IsConnected, "the client was disconnected at its first token's expiry");
        Assert.Equal(MqttClientPublishReasonCode.Success, published.ReasonCode);
        Assert.Equal("after the old token's expiry", (await ReceiveExceptNoticesAsync(client)).ConvertPayloadToString());
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task An_invalid_upload_is_refused_with_0x87_and_the_invalid_notice_and_the_connection_closes(MqttProtocolVersion protocol)
    {
        await using var api = await ApiBroker.StartAsync();
        var token = await TokenApiTests.ApplyTokenAsync(api.AllGroups, "GID_sensors", "R,W", TimeSpan.FromMinutes(10));
        var otherTopics = await TokenApiTests.ApplyTokenAsync(api.AllGroups, "app", "R,W", TimeSpan.FromMinutes(10));
        await using var client = await SecureClients.ConnectAsync(api.Broker, Device, AllGroupsUser, "RW|" + token, protocol);
        var disconnect = DisconnectOf(client);

        var uploaded = await client.PublishAsync(UploadTopic, Upload(otherTopics, "RW"));
        var notice = await client.ReceiveAsync();

        var closed = await disconnect.WaitAsync(TestClient.ReceiveTimeout);

        // MQTT 3.1.1 has no negative PUBACK: the notice and the close say it.
        Assert.Equal(protocol == MqttProtocolVersion.V500 ? MqttClientPublishReasonCode.NotAuthorized : MqttClientPublishReasonCode.Success,
            uploaded.ReasonCode);
        Assert.Equal("$SYS/tokenInvalidNotice", notice.Topic);
        Assert.Equal("{\"code\":4,\"type\":\"RW\"}", notice.ConvertPayloadToString());
        if (protocol == MqttProtocolVersion.V500)
        {
            Assert.Equal(MqttClientDisconnectReason.NotAuthorized, closed.Reason);
        }
    }

    [Fact]
    public async Task An_uploaded_revoked_token_is_answered_with_the_revoked_code_3()
    {
        await using var api = await ApiBroker.StartAsync();
        var token = await TokenApiTests.ApplyTokenAsync(api.AllGroups, "GID_sensors", "R,W", TimeSpan.FromMinutes(10));
        var revoked = await TokenApiTests.ApplyTokenAsync(api.AllGroups, "GID_sensors", "R,W", TimeSpan.FromMinutes(10));
        (await api.AllGroups.PostAsync(AdminPaths.TokenRevoke, TokenApiTests.Token(revoked))).AssertOk();
        await using var client = await SecureClients.ConnectAsync(api.Broker, Device, AllGroupsUser, "RW|" + token);
        var disconnect = DisconnectOf(client);

        var uploaded = await client.PublishAsync(UploadTopic, Upload(revoked, "RW"));
        var notice = await client.ReceiveAsync();
        var closed = await disconnect.WaitAsync(TestClient.ReceiveTimeout);

        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, uploaded.ReasonCode);
        Assert.Equal("$SYS/tokenInvalidNotice", notice.Topic);
        Assert.Equal("{\"code\":3,\"type\":\"RW\"}", notice.ConvertPayloadToString());
        Assert.Equal(MqttClientDisconnectReason.NotAuthorized, closed.Reason);
    }

    [Fact]
    public async Task A_token_client_gets_the_expire_notice_before_expiry_then_the_invalid_notice_and_the_close()
    {
        await using var api = await ApiBroker.StartAsync();
        var (token, expireTime) = await ApplyAsync(api, TimeSpan.FromSeconds(3));
        await using var client = await SecureClients.ConnectAsync(api.Broker, Device, AllGroupsUser, "RW|" + token);

        var expiring = await client.ReceiveAsync();
        var noticedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var invalid = await client.ReceiveAsync();
        await SecureClients.WaitUntilDisconnectedAsync(client);

        Assert.Equal("$SYS/tokenExpireNotice", expiring.Topic);
        Assert.Equal($"{{\"expireTime\":{expireTime},\"type\":\"RW\"}}", expiring.ConvertPayloadToString());
        Assert.True(noticedAt < expireTime, $"the expire notice came {noticedAt - expireTime} ms after the expiry");
        Assert.Equal("$SYS/tokenInvalidNotice", invalid.Topic);
        Assert.Equal("{\"code\":2,\"type\":\"RW\"}", invalid.ConvertPayloadToString());
    }

    /// <summary>The same three with paho-mqtt over MQTT 3.1.1, as ApsaraMQ's device samples are written: no negative
    /// PUBACK there, so the notice and the close are what tell a refusal.</summary>
    [ToolFact(Tool.PahoMqtt)]
    public async Task A_paho_device_renews_its_token_hears_its_notices_and_is_closed_after_an_invalid_upload()
    {
        await using var api = await ApiBroker.StartAsync();
        var (shortLived, _) = await ApplyAsync(api, TimeSpan.FromSeconds(3));
        var renewed = await TokenApiTests.ApplyTokenAsync(api.AllGroups, "GID_sensors", "R,W", TimeSpan.FromMinutes(10));
        var otherTopics = await TokenApiTests.ApplyTokenAsync(api.AllGroups, "app", "R,W", TimeSpan.FromMinutes(10));
        var (expiring, expiringExpiry) = await ApplyAsync(api, TimeSpan.FromSeconds(3));

        var keeping = PahoAsync(api, "GID_sensors@@@paho1", shortLived, renewed, waitSeconds: 4.5);
        var refusing = PahoAsync(api, "GID_sensors@@@paho2", renewed, otherTopics, waitSeconds: 5);
        var expiringRun = PahoAsync(api, "GID_sensors@@@paho3", expiring, null, waitSeconds: 8);
        var (kept, refused, expired) = (await keeping, await refusing, await expiringRun);

        Assert.True(kept.Puback);
        Assert.Null(kept.ClosedAfter);
        Assert.True(refused.Puback);
        Assert.NotNull(refused.ClosedAfter);
        Assert.Equal([["$SYS/tokenInvalidNotice", "{\"code\":4,\"type\":\"RW\"}"]], refused.Received);
        Assert.NotNull(expired.ClosedAfter);
        Assert.Equal([["$SYS/tokenExpireNotice", $"{{\"expireTime\":{expiringExpiry},\"type\":\"RW\"}}"],
            ["$SYS/tokenInvalidNotice", "{\"code\":2,\"type\":\"RW\"}"]], expired.Received);
    }

    [Fact]
    public async Task A_token_client_may_subscribe_to_its_notices_as_ported_code_does()
    {
        await using var api = await ApiBroker.StartAsync();
        var token = await TokenApiTests.ApplyTokenAsync(api.AllGroups, "GID_sensors", "R,W", TimeSpan.FromMinutes(10));
        await using var client = await SecureClients.ConnectAsync(api.Broker, Device, AllGroupsUser, "RW|" + token, MqttProtocolVersion.V311);

        await client.SubscribeAsync("$SYS/tokenExpireNotice");
        await client.SubscribeAsync("$SYS/tokenInvalidNotice");
    }

    static string Upload(string token, string type) => JsonSerializer.Serialize(new { token, type });

    /// <summary>An R,W token on GID_sensors valid for <paramref name="validFor"/>, with its expireTime.</summary>
    static Task<(string Token, long ExpireTime)> ApplyAsync(ApiBroker api, TimeSpan validFor) =>
        TokenApiTests.ApplyTokenWithExpiryAsync(api.AllGroups, "GID_sensors", "R,W", validFor);

    sealed record PahoRun(int? Connected, bool? Puback, double? ClosedAfter, string[][] Received);

    static async Task<PahoRun> PahoAsync(ApiBroker api, string clientId, string token, string? upload, double waitSeconds)
    {
        var run = await ProcessRunner.RunAsync(TimeSpan.FromSeconds(waitSeconds + 15), ExternalTools.SystemPython,
            Path.Combine(AppContext.BaseDirectory, "Clients", "token_upload_paho.py"), api.Broker.Host, api.Broker.Port.ToString(),
            clientId, AllGroupsUser, token, upload ?? "-", waitSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(run.ExitCode == 0, $"paho script failed: {run.Output} {run.Errors}");
        var result = JsonSerializer.Deserialize<PahoRun>(run.Output, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
        Assert.Equal(0, result.Connected);
        return result;
    }

    /// <summary>The next message that is not a token notice (a short token's expire notice comes at once).</summary>
    static async Task<MqttApplicationMessage> ReceiveExceptNoticesAsync(TestClient client)
    {
        while (true)
        {
            var message = await client.ReceiveAsync();
            if (!message.Topic.StartsWith("$SYS/token", StringComparison.Ordinal))
            {
                return message;
            }
        }
    }

    static Task<MqttClientDisconnectedEventArgs> DisconnectOf(TestClient client)
    {
        var disconnected = new TaskCompletionSource<MqttClientDisconnectedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Client.DisconnectedAsync += e =>
        {
            disconnected.TrySetResult(e);
            return Task.CompletedTask;
        };
        return disconnected.Task;
    }
}
