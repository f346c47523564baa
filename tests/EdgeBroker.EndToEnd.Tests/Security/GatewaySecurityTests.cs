using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EdgeBroker.EndToEnd.Tests.Infrastructure;
using EdgeBroker.Firmware.Relay;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeBroker.EndToEnd.Tests.Security;

/// <summary>
/// Authentication and access control on the gateway firmware (the emulator), configured in edgebroker.conf: ApsaraMQ
/// signature mode, anonymous access, paired devices, the access rules, the login throttle. Real MQTT clients against
/// a running gateway. Firmware only: the host's MQTT authentication is wired separately; its settings are not these.
/// </summary>
public sealed class GatewaySecurityTests
{
    const string Key = "AK";
    const string Secret = "SECRET-0123456789";
    const string Instance = "edge-1";
    const string SignatureUser = "Signature|" + Key + "|" + Instance;
    const string Sensor = "GID_sensors@@@DEVICE_001";
    const string OtherSensor = "GID_sensors@@@DEVICE_002";
    const string Lamp = "GID_lights@@@LAMP_1";
    const string Monitor = "GID_ops@@@monitor";

    const int Accepted = 0;
    const int BadUserNameOrPassword = 4;
    const int NotAuthorized = 5;
    const int SubscribeFailure = 0x80;

    static Dictionary<string, string?> WithAccessKey(params (string Key, string Value)[] more)
    {
        var settings = new Dictionary<string, string?>
        {
            ["access_key." + Key] = Secret,
            ["instance_id"] = Instance,
            ["sys_subscribers"] = Monitor,
        };
        foreach (var (key, value) in more)
        {
            settings[key] = value;
        }

        return settings;
    }

    [Fact]
    public async Task Signature_mode_is_accepted_and_a_wrong_signature_key_or_instance_gets_0x04()
    {
        await using var broker = EmulatorEngine.Start(WithAccessKey());

        await using var sensor = await ConnectSignedAsync(broker, Sensor);
        await sensor.SubscribeAsync("GID_sensors/config");
        await sensor.PublishAsync("GID_sensors/config", "on");
        Assert.Equal("on", (await sensor.ReceiveAsync()).ConvertPayloadToString());

        Assert.Equal(BadUserNameOrPassword, await RawConnectAsync(broker, OtherSensor, SignatureUser, SignatureOf(Secret, Sensor)));
        Assert.Equal(BadUserNameOrPassword, await RawConnectAsync(broker, OtherSensor, SignatureUser, SignatureOf("guess", OtherSensor)));
        Assert.Equal(BadUserNameOrPassword, await RawConnectAsync(broker, OtherSensor, "Signature|NOPE|" + Instance, SignatureOf(Secret, OtherSensor)));
        Assert.Equal(BadUserNameOrPassword, await RawConnectAsync(broker, OtherSensor, "Signature|" + Key + "|other", SignatureOf(Secret, OtherSensor)));
    }

    [Fact]
    public async Task Once_an_access_key_is_configured_anonymous_clients_get_0x05_unless_allowed()
    {
        await using (var secured = EmulatorEngine.Start(WithAccessKey()))
        {
            Assert.Equal(NotAuthorized, await RawConnectAsync(secured, Sensor));
        }

        await using var open = EmulatorEngine.Start(WithAccessKey(("allow_anonymous", "1")));
        Assert.Equal(Accepted, await RawConnectAsync(open, Sensor));
    }

    [Fact]
    public async Task An_anonymous_client_cannot_resume_or_clear_the_away_session_of_a_signed_client()
    {
        await using var broker = EmulatorEngine.Start(WithAccessKey(("allow_anonymous", "1")));
        await using (var signed = await TestClient.ConnectAsync(broker, Sensor, cleanStart: false,
            configure: b => b.WithCredentials(SignatureUser, SignatureOf(Secret, Sensor))))
        {
            await signed.Client.DisconnectAsync();
        }

        int resume = await RawConnectAsync(broker, Sensor, cleanSession: false);
        int clear = await RawConnectAsync(broker, Sensor);
        await using var back = await TestClient.ConnectAsync(broker, Sensor, cleanStart: false,
            configure: b => b.WithCredentials(SignatureUser, SignatureOf(Secret, Sensor)));

        Assert.Equal((NotAuthorized, NotAuthorized), (resume, clear));
        Assert.True(back.ConnectResult.IsSessionPresent);
    }

    [Fact]
    public async Task A_device_that_was_never_paired_gets_0x04()
    {
        await using var broker = EmulatorEngine.Start(WithAccessKey());

        Assert.Equal(BadUserNameOrPassword, await RawConnectAsync(broker, Sensor, "Device|" + Sensor, "AAAAAAAAAAAAAAAAAAAAAAAA"));
    }

    [Fact]
    public async Task A_denied_publish_is_acknowledged_and_dropped_and_a_denied_subscribe_gets_0x80()
    {
        await using var broker = EmulatorEngine.Start(WithAccessKey(("p2p_within_groups_only", "1")));
        await using var sensor = await ConnectSignedAsync(broker, Sensor);
        await using var sameGroup = await ConnectSignedAsync(broker, OtherSensor);
        await using var lamp = await ConnectSignedAsync(broker, Lamp);

        // Kept within groups, P2P reaches the sender's own group only (no application groups are configured).
        var denied = await sensor.PublishAsync("app/p2p/" + Lamp, "to another group");
        await sensor.PublishAsync("app/p2p/" + OtherSensor, "within the group");

        Assert.True(denied.IsSuccess);
        await lamp.ExpectNothingAsync();
        Assert.Equal("within the group", (await sameGroup.ReceiveAsync()).ConvertPayloadToString());

        await using var raw = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(Accepted, await raw.ConnectAsync(Lamp, userName: SignatureUser, password: SignatureOf(Secret, Lamp)));
        Assert.Equal(SubscribeFailure, await raw.SubscribeAsync("$SYS/#"));
        await using var monitor = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(Accepted, await monitor.ConnectAsync(Monitor, userName: SignatureUser, password: SignatureOf(Secret, Monitor)));
        Assert.Equal(1, await monitor.SubscribeAsync("$SYS/#"));
    }

    [Fact]
    public async Task Only_a_sys_subscriber_receives_the_sys_broker_tree()
    {
        await using var broker = EmulatorEngine.Start(WithAccessKey(("sys_interval", "1")));

        await using var raw = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(Accepted, await raw.ConnectAsync(Lamp, userName: SignatureUser, password: SignatureOf(Secret, Lamp)));
        Assert.Equal(SubscribeFailure, await raw.SubscribeAsync("$SYS/broker/#"));
        await using var monitor = await ConnectSignedAsync(broker, Monitor);
        await monitor.SubscribeAsync("$SYS/broker/version");

        Assert.Equal("edgebroker version " + EdgeBroker.Core.BrokerVersion.Number, (await monitor.ReceiveAsync()).ConvertPayloadToString());
    }

    [Fact]
    public async Task A_takeover_attempt_with_bad_credentials_leaves_the_live_connection_untouched()
    {
        await using var broker = EmulatorEngine.Start(WithAccessKey());
        await using var sensor = await ConnectSignedAsync(broker, Sensor);
        await sensor.SubscribeAsync("GID_sensors/cmd");

        Assert.Equal(BadUserNameOrPassword, await RawConnectAsync(broker, Sensor, SignatureUser, SignatureOf("guess", Sensor)));
        Assert.Equal(NotAuthorized, await RawConnectAsync(broker, Sensor));

        await using var commander = await ConnectSignedAsync(broker, OtherSensor);
        await commander.PublishAsync("GID_sensors/cmd", "still here?");
        Assert.Equal("still here?", (await sensor.ReceiveAsync()).ConvertPayloadToString());
        await commander.PublishAsync("app/p2p/" + Sensor, "by client ID");
        Assert.Equal("by client ID", (await sensor.ReceiveAsync()).ConvertPayloadToString());
        Assert.True(sensor.Client.IsConnected);
    }

    [Fact]
    public async Task An_address_that_keeps_failing_is_answered_only_after_a_delay()
    {
        await using var broker = EmulatorEngine.Start(WithAccessKey());
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(BadUserNameOrPassword, await RawConnectAsync(broker, Sensor, SignatureUser, "wrong"));
        }

        var answered = Stopwatch.StartNew();
        Assert.Equal(BadUserNameOrPassword, await RawConnectAsync(broker, Sensor, SignatureUser, "wrong"));

        // The core's default: from the third failure in a minute every answer to that address waits a second.
        Assert.True(answered.Elapsed >= TimeSpan.FromMilliseconds(900), $"answered after {answered.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task A_paired_device_connects_with_its_credentials_until_revoked_then_is_disconnected_and_refused()
    {
        await using var broker = EmulatorEngine.Start(WithAccessKey(("pairing_group", "GID_sensors")));
        broker.Gateway.Pairing.Press();
        var (userName, password) = await PairAsync(broker, "GID_sensors@@@thermo1");

        await using var device = await TestClient.ConnectAsync(broker, "GID_sensors@@@thermo1", configure: b => b.WithCredentials(userName, password));
        Assert.True(broker.Gateway.Relay.Security.RevokeDevice("GID_sensors@@@thermo1"));

        // Housekeeping closes the connection of a revoked device within about a second.
        await Eventually.WaitUntilAsync(() => !device.Client.IsConnected, () => "the revoked device is still connected", TimeSpan.FromSeconds(5));
        Assert.Equal(NotAuthorized, await RawConnectAsync(broker, "GID_sensors@@@thermo1", userName, password));
    }

    [Fact]
    public async Task A_device_revoked_between_its_connect_check_and_its_connection_holding_it_is_not_left_connected()
    {
        await using var broker = EmulatorEngine.Start(WithAccessKey(("pairing_group", "GID_sensors")));
        broker.Gateway.Pairing.Press();
        var (userName, password) = await PairAsync(broker, "GID_sensors@@@thermo1");

        // From the third failure in a minute every answer to the address waits a second (the core's default): the
        // device's CONNECT is checked, then waits before its connection takes it on. Revocation and the housekeeping's
        // close run in that wait.
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(BadUserNameOrPassword, await RawConnectAsync(broker, "GID_sensors@@@thermo1", userName, "wrong"));
        }

        var connecting = TestClient.ConnectAsync(broker, "GID_sensors@@@thermo1", configure: b => b.WithCredentials(userName, password));
        await Task.Delay(300);
        Assert.True(broker.Gateway.Relay.Security.RevokeDevice("GID_sensors@@@thermo1"));
        new Housekeeping(broker.Gateway.Relay).RunOnce();

        await SecureClients.AssertNotLeftConnectedAsync(broker, connecting, "GID_sensors@@@thermo1");
    }

    [Fact]
    public async Task A_pairing_window_refuses_a_client_id_in_use_or_with_wildcards_and_pairs_a_new_one()
    {
        await using var broker = EmulatorEngine.Start(WithAccessKey(("pairing_group", "GID_sensors")));

        // A signed-in client with a persistent session, away; and one connected now.
        await using (var away = await RawMqttConnection.OpenAsync(broker))
        {
            Assert.Equal(Accepted, await away.ConnectAsync(Sensor, cleanSession: false, userName: SignatureUser, password: SignatureOf(Secret, Sensor)));
        }

        await using var live = await ConnectSignedAsync(broker, OtherSensor);
        broker.Gateway.Pairing.Press();

        Assert.Equal(NotAuthorized, await RawConnectAsync(broker, Sensor, "Pair|GID_sensors", ""));
        Assert.Equal(NotAuthorized, await RawConnectAsync(broker, OtherSensor, "Pair|GID_sensors", ""));
        Assert.Equal(NotAuthorized, await RawConnectAsync(broker, "GID_sensors@@@a+b", "Pair|GID_sensors", ""));
        Assert.Equal(NotAuthorized, await RawConnectAsync(broker, "GID_sensors@@@a#", "Pair|GID_sensors", ""));
        Assert.True(live.Client.IsConnected);
        Assert.Contains(broker.LoggedProblems, line => line.Contains("the client ID is in use"));

        var (userName, _) = await PairAsync(broker, "GID_sensors@@@thermo1");
        Assert.Equal("Device|GID_sensors@@@thermo1", userName);
    }

    /// <summary>Connects with <c>Pair|{group}</c> while the window is open and returns the credentials the gateway sends
    /// in its first message, on the device's own P2P address.</summary>
    internal static async Task<(string UserName, string Password)> PairAsync(RunningBroker broker, string clientId)
    {
        var group = clientId[..clientId.IndexOf("@@@", StringComparison.Ordinal)];
        await using var pairing = await TestClient.ConnectAsync(broker, clientId, configure: b => b.WithCredentials("Pair|" + group, ""));
        var message = await pairing.ReceiveAsync();
        Assert.Equal(group + "/p2p/" + clientId, message.Topic);
        Assert.Equal(MqttQualityOfServiceLevel.AtLeastOnce, message.QualityOfServiceLevel);
        using var credentials = JsonDocument.Parse(message.ConvertPayloadToString());
        var userName = credentials.RootElement.GetProperty("username").GetString()!;
        Assert.Equal("Device|" + clientId, userName);
        return (userName, credentials.RootElement.GetProperty("password").GetString()!);
    }

    static string SignatureOf(string secret, string clientId) =>
        Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(clientId)));

    static Task<TestClient> ConnectSignedAsync(RunningBroker broker, string clientId) =>
        TestClient.ConnectAsync(broker, clientId, configure: b => b.WithCredentials(SignatureUser, SignatureOf(Secret, clientId)));

    /// <summary>A CONNECT on a connection of its own; returns the CONNACK return code.</summary>
    static async Task<int> RawConnectAsync(RunningBroker broker, string clientId, string? userName = null, string? password = null,
        bool cleanSession = true)
    {
        await using var connection = await RawMqttConnection.OpenAsync(broker);
        return await connection.ConnectAsync(clientId, cleanSession: cleanSession, userName: userName, password: password);
    }
}
