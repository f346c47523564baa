using System.Net;
using EdgeBroker.EndToEnd.Tests.Http;
using EdgeBroker.EndToEnd.Tests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;

namespace EdgeBroker.EndToEnd.Tests.Security;

/// <summary>Devices paired through a window opened over HTTP, then administered through <c>/devices</c>: the list,
/// renaming, and revocation that disconnects at once. MQTTnet plays the device. Host only.</summary>
public sealed class PairedDeviceTests
{
    [Fact]
    public async Task A_paired_device_signs_in_with_its_credentials_and_is_listed_without_secrets()
    {
        await using var api = await ApiBroker.StartAsync();
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        var credentials = await SecureClients.PairAsync(api, "GID_sensors", "DEVICE_001");
        await using var device = await SecureClients.ConnectAsync(api.Broker, credentials);
        var listed = await api.Sensors.GetAsync(AdminPaths.Devices, new Dictionary<string, string> { ["group"] = "GID_sensors" });

        Assert.Equal("Device|GID_sensors@@@DEVICE_001", credentials.UserName);
        Assert.Equal(MqttClientConnectResultCode.Success, device.ConnectResult.ResultCode);
        var entry = Assert.Single(listed.Body.GetProperty("devices").EnumerateArray());
        Assert.Equal(["clientId", "name", "group", "pairedAt", "revoked"], entry.EnumerateObject().Select(p => p.Name));
        Assert.Equal(("GID_sensors@@@DEVICE_001", "DEVICE_001", "GID_sensors", false),
            (entry.GetProperty("clientId").GetString(), entry.GetProperty("name").GetString(), entry.GetProperty("group").GetString(),
                entry.GetProperty("revoked").GetBoolean()));
        Assert.InRange(entry.GetProperty("pairedAt").GetInt64(), before, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        Assert.DoesNotContain(credentials.Password, listed.Body.ToString());
    }

    [Fact]
    public async Task Outside_a_window_a_pairing_connect_is_refused_with_0x05()
    {
        await using var api = await ApiBroker.StartAsync();
        var credentials = await SecureClients.PairAsync(api, "GID_sensors", "DEVICE_001");
        (await api.AllGroups.PostAsync(AdminPaths.PairingClose, PairingApiTests.Group("GID_sensors"))).AssertOk();

        var refused = await SecureBroker.RefusedAsync(api.Broker, "GID_sensors@@@DEVICE_002", MqttProtocolVersion.V311, "Pair|GID_sensors", "");

        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, refused);
        Assert.Single((await api.AllGroups.GetAsync(AdminPaths.Devices)).Body.GetProperty("devices").EnumerateArray());
        await using var stillPaired = await SecureClients.ConnectAsync(api.Broker, credentials);
        Assert.Equal(MqttClientConnectResultCode.Success, stillPaired.ConnectResult.ResultCode);
    }

    [Fact]
    public async Task A_pairing_window_refuses_a_client_id_in_use_and_pairs_a_revoked_device_again()
    {
        await using var api = await ApiBroker.StartAsync();
        var owner = await SecureClients.PairAsync(api, "GID_sensors", "DEVICE_001");
        (await api.Sensors.PostAsync(AdminPaths.DevicesRevoke, DeviceApiTests.ClientId(owner.ClientId))).AssertOk();
        Assert.Equal("Device|GID_sensors@@@DEVICE_001", (await SecureClients.PairAsync(api, "GID_sensors", "DEVICE_001")).UserName);

        // An ID with a session and no device record — here a client of an access key — is not paired: whoever
        // connected first would take its session, its kept messages and a lasting identity.
        const string Backend = "GID_sensors@@@backend";
        await using var signed = await SecureClients.ConnectAsync(api.Broker, Backend, $"Signature|{ApiBroker.SensorsKey}|{SignedApiClient.DefaultInstanceId}",
            SecureBroker.SignaturePassword(ApiBroker.SensorsSecret, Backend));
        Assert.Equal(MqttClientConnectResultCode.Success, signed.ConnectResult.ResultCode);
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized,
            await SecureBroker.RefusedAsync(api.Broker, Backend, MqttProtocolVersion.V311, "Pair|GID_sensors", ""));
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized,
            await SecureBroker.RefusedAsync(api.Broker, "GID_sensors@@@a+b", MqttProtocolVersion.V311, "Pair|GID_sensors", ""));
        Assert.True(signed.Client.IsConnected);
        // The host logs a refusal after its CONNACK.
        await Eventually.WaitUntilAsync(() => api.Broker.LoggedProblems.Any(line => line.Contains("the client ID is in use")), () => "the refusal was not logged");
    }

    [Fact]
    public async Task A_rename_shows_in_the_list()
    {
        await using var api = await ApiBroker.StartAsync();
        var credentials = await SecureClients.PairAsync(api, "GID_sensors", "DEVICE_001");

        var renamed = await api.Sensors.PostAsync(AdminPaths.DevicesRename, DeviceApiTests.Rename(credentials.ClientId, "Greenhouse – north wall"));
        var listed = await api.AllGroups.GetAsync(AdminPaths.Devices);

        renamed.AssertOk();
        var entry = Assert.Single(listed.Body.GetProperty("devices").EnumerateArray());
        Assert.Equal("Greenhouse – north wall", entry.GetProperty("name").GetString());
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task Revoking_a_device_disconnects_it_at_once_and_refuses_it_afterwards(MqttProtocolVersion protocol)
    {
        await using var api = await ApiBroker.StartAsync();
        var credentials = await SecureClients.PairAsync(api, "GID_sensors", "DEVICE_001");
        await using var device = await SecureClients.ConnectAsync(api.Broker, credentials, protocol);
        Assert.Equal(MqttClientConnectResultCode.Success, device.ConnectResult.ResultCode);

        var revoked = await api.Sensors.PostAsync(AdminPaths.DevicesRevoke, DeviceApiTests.ClientId(credentials.ClientId));

        revoked.AssertOk();
        await SecureClients.WaitUntilDisconnectedAsync(device);
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, await SecureClients.RefusedAsync(api.Broker, credentials, protocol));
        var entry = Assert.Single((await api.AllGroups.GetAsync(AdminPaths.Devices)).Body.GetProperty("devices").EnumerateArray());
        Assert.True(entry.GetProperty("revoked").GetBoolean());
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task A_device_revoked_between_its_connect_check_and_its_session_is_not_left_connected(MqttProtocolVersion protocol)
    {
        // One failed login makes every later answer to this address wait 1.5 s: the device's CONNECT is checked, then
        // waits, and only then reaches the core. The revocation's close runs in that wait.
        await using var api = await ApiBroker.StartAsync(more: new Dictionary<string, string?>
        {
            ["EdgeBroker:Security:LoginThrottle:FailuresBeforeDelay"] = "1",
            ["EdgeBroker:Security:LoginThrottle:DelayMilliseconds"] = "1500",
        });
        var credentials = await SecureClients.PairAsync(api, "GID_sensors", "DEVICE_001");
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, await SecureClients.RefusedAsync(api.Broker, credentials with { Password = "guess" }));

        var connecting = SecureClients.ConnectAsync(api.Broker, credentials, protocol);
        await Task.Delay(500);
        (await api.Sensors.PostAsync(AdminPaths.DevicesRevoke, DeviceApiTests.ClientId(credentials.ClientId))).AssertOk();

        await SecureClients.AssertNotLeftConnectedAsync(api.Broker, connecting, credentials.ClientId);
    }

    [Fact]
    public async Task A_key_limited_to_other_groups_cannot_revoke_the_device()
    {
        await using var api = await ApiBroker.StartAsync();
        var credentials = await SecureClients.PairAsync(api, "GID_lights", "lamp");
        await using var device = await SecureClients.ConnectAsync(api.Broker, credentials);

        var refused = await api.Sensors.PostAsync(AdminPaths.DevicesRevoke, DeviceApiTests.ClientId(credentials.ClientId));

        refused.AssertRefused(HttpStatusCode.Forbidden, 3);
        Assert.True(device.Client.IsConnected);
        Assert.False(Assert.Single((await api.AllGroups.GetAsync(AdminPaths.Devices)).Body.GetProperty("devices").EnumerateArray())
            .GetProperty("revoked").GetBoolean());
    }

    [Fact]
    public async Task Paired_devices_their_names_and_revocations_and_issued_tokens_survive_a_restart_on_the_same_data()
    {
        var dataDir = Directory.CreateTempSubdirectory("edgebroker-security-restart-");
        try
        {
            DeviceCredentials kept, revoked;
            string token;
            await using (var api = await ApiBroker.StartAsync(dataDir))
            {
                kept = await SecureClients.PairAsync(api, "GID_sensors", "kept");
                revoked = await SecureClients.PairAsync(api, "GID_sensors", "revoked");
                (await api.AllGroups.PostAsync(AdminPaths.DevicesRename, DeviceApiTests.Rename(kept.ClientId, "Kept"))).AssertOk();
                (await api.AllGroups.PostAsync(AdminPaths.DevicesRevoke, DeviceApiTests.ClientId(revoked.ClientId))).AssertOk();
                token = await TokenApiTests.ApplyTokenAsync(api.AllGroups, "GID_sensors", "R,W", TimeSpan.FromMinutes(5));
            }

            await using var restarted = await ApiBroker.StartAsync(dataDir);
            await using var device = await SecureClients.ConnectAsync(restarted.Broker, kept);
            await using var tokenClient = await SecureClients.ConnectAsync(restarted.Broker, "GID_sensors@@@app",
                SecureClients.TokenUserName(ApiBroker.AllGroupsKey), "RW|" + token);
            var listed = (await restarted.AllGroups.GetAsync(AdminPaths.Devices)).Body.GetProperty("devices").EnumerateArray()
                .Select(d => (d.GetProperty("clientId").GetString(), d.GetProperty("name").GetString(), d.GetProperty("revoked").GetBoolean()));

            Assert.Equal(MqttClientConnectResultCode.Success, device.ConnectResult.ResultCode);
            Assert.Equal(MqttClientConnectResultCode.Success, tokenClient.ConnectResult.ResultCode);
            Assert.Equal(MqttClientConnectResultCode.NotAuthorized, await SecureClients.RefusedAsync(restarted.Broker, revoked));
            Assert.Equal([(kept.ClientId, "Kept", false), (revoked.ClientId, "revoked", true)], listed);
        }
        finally
        {
            dataDir.Delete(recursive: true);
        }
    }
}
