using EdgeBroker.EndToEnd.Tests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;
using static EdgeBroker.EndToEnd.Tests.Security.SecureBroker;

namespace EdgeBroker.EndToEnd.Tests.Security;

/// <summary>Who may connect: Signature mode with the right credentials, and the CONNACK code of every refusal
/// (3.1.1: 0x04 bad user name or password, 0x05 not authorized; 5.0: 0x86, 0x87).</summary>
public sealed class AuthenticationTests
{
    [Theory]
    [MemberData(nameof(EnginesAndProtocols), MemberType = typeof(SecureBroker))]
    public async Task Signature_mode_with_the_right_secret_is_accepted_and_works(string engine, MqttProtocolVersion protocol)
    {
        await using var broker = await StartAsync(engine);
        await using var device = await ConnectAsync(broker, Device, protocol);
        await using var backend = await ConnectAsync(broker, Backend, protocol);

        await backend.PublishAsync("app/p2p/" + Device, "hello");

        Assert.Equal(MqttClientConnectResultCode.Success, device.ConnectResult.ResultCode);
        Assert.Equal("hello", (await device.ReceiveAsync()).ConvertPayloadToString());
    }

    [Theory]
    [MemberData(nameof(EnginesAndProtocols), MemberType = typeof(SecureBroker))]
    public async Task A_wrong_secret_is_refused_as_bad_user_name_or_password(string engine, MqttProtocolVersion protocol)
    {
        await using var broker = await StartAsync(engine);

        var code = await RefusedAsync(broker, Device, protocol, SignatureUserName(SensorsKey), SignaturePassword("not-the-secret", Device));

        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, code);
    }

    [Theory]
    [MemberData(nameof(EnginesAndProtocols), MemberType = typeof(SecureBroker))]
    public async Task A_signature_of_another_client_id_is_refused(string engine, MqttProtocolVersion protocol)
    {
        await using var broker = await StartAsync(engine);

        var code = await RefusedAsync(broker, Device, protocol, SignatureUserName(SensorsKey), SignaturePassword(SensorsSecret, "GID_sensors@@@dev2"));

        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, code);
    }

    [Theory]
    [MemberData(nameof(EnginesAndProtocols), MemberType = typeof(SecureBroker))]
    public async Task An_unknown_access_key_is_refused(string engine, MqttProtocolVersion protocol)
    {
        await using var broker = await StartAsync(engine);

        var code = await RefusedAsync(broker, Device, protocol, SignatureUserName("AK_NOBODY"), SignaturePassword(SensorsSecret, Device));

        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, code);
    }

    [Theory]
    [MemberData(nameof(EnginesAndProtocols), MemberType = typeof(SecureBroker))]
    public async Task Another_instance_id_is_refused(string engine, MqttProtocolVersion protocol)
    {
        await using var broker = await StartAsync(engine);

        var code = await RefusedAsync(broker, Device, protocol, SignatureUserName(SensorsKey, "another-instance"), SignaturePassword(SensorsSecret, Device));

        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, code);
    }

    [Theory]
    [MemberData(nameof(EnginesAndProtocols), MemberType = typeof(SecureBroker))]
    public async Task A_key_limited_to_other_groups_is_not_authorized(string engine, MqttProtocolVersion protocol)
    {
        await using var broker = await StartAsync(engine);
        const string otherGroup = "GID_other@@@dev";

        var code = await RefusedAsync(broker, otherGroup, protocol, SignatureUserName(SensorsKey), SignaturePassword(SensorsSecret, otherGroup));

        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, code);
    }

    [Theory]
    [MemberData(nameof(EnginesAndProtocols), MemberType = typeof(SecureBroker))]
    public async Task Anonymous_clients_are_not_authorized_when_access_keys_are_configured(string engine, MqttProtocolVersion protocol)
    {
        await using var broker = await StartAsync(engine);

        var code = await RefusedAsync(broker, "GID_sensors@@@anonymous", protocol, userName: null, password: null);

        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, code);
    }

    [Theory]
    [MemberData(nameof(EnginesAndProtocols), MemberType = typeof(SecureBroker))]
    public async Task Anonymous_clients_are_accepted_when_allowed_and_bound_by_the_rules(string engine, MqttProtocolVersion protocol)
    {
        await using var broker = await StartAsync(engine, new Dictionary<string, string?> { ["EdgeBroker:Security:AllowAnonymous"] = "true" });
        await using var anonymous = await TestClient.ConnectAsync(broker, "GID_sensors@@@anonymous", protocol);

        var allowed = await anonymous.Client.SubscribeAsync("config/+");
        var denied = await anonymous.Client.SubscribeAsync("alerts/#");

        Assert.Equal(MqttClientConnectResultCode.Success, anonymous.ConnectResult.ResultCode);
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS0, allowed.Items.Single().ResultCode);
        Assert.NotEqual(MqttClientSubscribeResultCode.GrantedQoS0, denied.Items.Single().ResultCode);
    }

    [Theory]
    [MemberData(nameof(EnginesAndProtocols), MemberType = typeof(SecureBroker))]
    public async Task An_anonymous_client_cannot_take_over_a_client_id_connected_with_its_signature(string engine, MqttProtocolVersion protocol)
    {
        await using var broker = await StartAsync(engine, new Dictionary<string, string?> { ["EdgeBroker:Security:AllowAnonymous"] = "true" });
        await using var backend = await ConnectAsync(broker, Backend, protocol);

        var code = await RefusedAsync(broker, Backend, protocol, userName: null, password: null);

        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, code);
        Assert.True(backend.Client.IsConnected);
        // The host logs a refusal after its CONNACK.
        await Eventually.WaitUntilAsync(() => broker.LoggedProblems.Any(line => line.Contains("credentials bound to it")), () => "the refusal was not logged");
    }

    [Theory]
    [MemberData(nameof(EnginesAndProtocols), MemberType = typeof(SecureBroker))]
    public async Task An_anonymous_client_cannot_resume_or_clear_the_away_session_of_a_signed_client(string engine, MqttProtocolVersion protocol)
    {
        await using var broker = await StartAsync(engine, new Dictionary<string, string?> { ["EdgeBroker:Security:AllowAnonymous"] = "true" });
        await using (var signed = await ConnectAsync(broker, Backend, protocol, cleanStart: false, sessionExpiry: 3600))
        {
            await signed.Client.DisconnectAsync();
        }

        await using (var sender = await ConnectAsync(broker, Device, protocol))
        {
            await sender.PublishAsync("sensors/p2p/" + Backend, "kept for the backend");
        }

        var resume = await RefusedAsync(broker, Backend, protocol, userName: null, password: null, cleanStart: false);
        var clear = await RefusedAsync(broker, Backend, protocol, userName: null, password: null, cleanStart: true);
        await using var back = await ConnectAsync(broker, Backend, protocol, cleanStart: false, sessionExpiry: 3600);

        Assert.Equal((MqttClientConnectResultCode.NotAuthorized, MqttClientConnectResultCode.NotAuthorized), (resume, clear));
        Assert.True(back.ConnectResult.IsSessionPresent);
        Assert.Equal("kept for the backend", (await back.ReceiveAsync()).ConvertPayloadToString());
    }

    /// <summary>A refusing MQTT 5 CONNACK claims no limits the broker does not have: MQTTnet wrote Maximum QoS 0 and
    /// Retain, Wildcard, Subscription Identifier and Shared Subscription Available 0 into every refusal.</summary>
    [Theory]
    [MemberData(nameof(Engines.WithSecurity), MemberType = typeof(Engines))]
    public async Task A_refusing_MQTT_5_connack_claims_no_limits(string engine)
    {
        await using var broker = await StartAsync(engine);
        await using var connection = await RawMqttConnection.OpenAsync(broker);

        var (code, properties) = await EdgeBroker.EndToEnd.Tests.Protocol.Mqtt5Wire.ConnectAsync(connection, Device);

        Assert.Equal(0x87, code);
        Assert.Empty(properties.Keys.Intersect([0x24, 0x25, 0x28, 0x29, 0x2A]));
    }

    /// <summary>The bytes themselves, without a client library's mapping of 3.1.1 return codes in between.</summary>
    [Theory]
    [MemberData(nameof(Engines.WithSecurity), MemberType = typeof(Engines))]
    public async Task The_connack_codes_on_the_wire_are_the_protocols_own(string engine)
    {
        await using var broker = await StartAsync(engine);
        var wrongSecret = SignaturePassword("not-the-secret", Device);

        Assert.Equal(0x04, await RawConnectAsync(broker, 4, SignatureUserName(SensorsKey), wrongSecret));
        Assert.Equal(0x05, await RawConnectAsync(broker, 4, userName: null, password: null));
        Assert.Equal(0x86, await RawConnectAsync(broker, 5, SignatureUserName(SensorsKey), wrongSecret));
        Assert.Equal(0x87, await RawConnectAsync(broker, 5, userName: null, password: null));
        Assert.Equal(0x00, await RawConnectAsync(broker, 4, SignatureUserName(SensorsKey), SignaturePassword(SensorsSecret, Device)));
    }

    static async Task<int> RawConnectAsync(RunningBroker broker, int protocolLevel, string? userName, string? password)
    {
        await using var connection = await RawMqttConnection.OpenAsync(broker);
        return await connection.ConnectAsync(Device, protocolLevel: protocolLevel, userName: userName, password: password);
    }
}
