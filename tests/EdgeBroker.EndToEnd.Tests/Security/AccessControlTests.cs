using EdgeBroker.EndToEnd.Tests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using static EdgeBroker.EndToEnd.Tests.Security.SecureBroker;

namespace EdgeBroker.EndToEnd.Tests.Security;

/// <summary>
/// What an authenticated client may do, by the rules of <see cref="SecureBroker.Config"/>: GID_sensors devices publish
/// under <c>sensors/</c> and subscribe under <c>config/</c>; kept within groups (<c>P2PWithinGroupsOnly</c>), P2P stays
/// in the own group plus the application group GID_app, whose clients reach everyone; <c>$SYS</c> is for the configured
/// subscriber. A denied PUBLISH gets PUBACK
/// 0x87 on MQTT 5 and is acknowledged and dropped on 3.1.1; a denied SUBSCRIBE gets 0x87 (5) or 0x80 (3.1.1).
/// </summary>
public sealed class AccessControlTests
{
    [Theory]
    [MemberData(nameof(EnginesAndProtocols), MemberType = typeof(SecureBroker))]
    public async Task A_device_publishes_within_its_rule_and_is_refused_outside_it(string engine, MqttProtocolVersion protocol)
    {
        await using var broker = await StartAsync(engine);
        await using var backend = await ConnectAsync(broker, Backend, protocol);
        await backend.SubscribeAsync("sensors/#");
        await backend.SubscribeAsync("alerts/#");
        await using var device = await ConnectAsync(broker, Device, protocol);

        var denied = await device.PublishAsync("alerts/fire", "not mine to send");
        var allowed = await device.PublishAsync("sensors/temperature", "21.5");

        AssertPublishRefused(protocol, denied);
        Assert.Equal(MqttClientPublishReasonCode.Success, allowed.ReasonCode);
        var received = await backend.ReceiveAsync();
        Assert.Equal("sensors/temperature", received.Topic);
        await backend.ExpectNothingAsync();
    }

    [Theory]
    [MemberData(nameof(EnginesAndProtocols), MemberType = typeof(SecureBroker))]
    public async Task A_device_subscribes_within_its_rule_and_is_refused_outside_it(string engine, MqttProtocolVersion protocol)
    {
        await using var broker = await StartAsync(engine);
        await using var device = await ConnectAsync(broker, Device, protocol);
        await using var backend = await ConnectAsync(broker, Backend, protocol);

        var allowed = await SubscribeAsync(device, "config/#");
        var denied = await SubscribeAsync(device, "sensors/#");
        await backend.PublishAsync("sensors/temperature", "not for devices");
        await backend.PublishAsync("config/interval", "60");

        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, allowed);
        Assert.Equal(SubscribeRefusal(protocol), denied);
        Assert.Equal("config/interval", (await device.ReceiveAsync()).Topic);
        await device.ExpectNothingAsync();
    }

    [Theory]
    [MemberData(nameof(EnginesAndProtocols), MemberType = typeof(SecureBroker))]
    public async Task Within_groups_P2P_reaches_the_own_group_and_the_application_group_but_not_other_groups(string engine, MqttProtocolVersion protocol)
    {
        await using var broker = await StartAsync(engine, new Dictionary<string, string?> { ["EdgeBroker:Security:P2PWithinGroupsOnly"] = "true" });
        await using var device = await ConnectAsync(broker, Device, protocol);
        await using var peer = await ConnectAsync(broker, "GID_sensors@@@dev2", protocol);
        await using var backend = await ConnectAsync(broker, Backend, protocol);
        await using var stranger = await ConnectAsync(broker, "GID_other@@@x", protocol);

        var toStranger = await device.PublishAsync("sensors/p2p/GID_other@@@x", "crossing groups");
        await device.PublishAsync("sensors/p2p/GID_sensors@@@dev2", "same group");
        await device.PublishAsync("sensors/p2p/" + Backend, "to the application");
        await backend.PublishAsync("app/p2p/GID_other@@@x", "from the application");

        AssertPublishRefused(protocol, toStranger);
        Assert.Equal("same group", (await peer.ReceiveAsync()).ConvertPayloadToString());
        Assert.Equal("to the application", (await backend.ReceiveAsync()).ConvertPayloadToString());
        Assert.Equal("from the application", (await stranger.ReceiveAsync()).ConvertPayloadToString());
        await stranger.ExpectNothingAsync();
    }

    [Theory]
    [MemberData(nameof(EnginesAndProtocols), MemberType = typeof(SecureBroker))]
    public async Task Sys_topics_may_be_subscribed_by_the_configured_subscriber_only(string engine, MqttProtocolVersion protocol)
    {
        await using var broker = await StartAsync(engine);
        await using var monitor = await ConnectAsync(broker, PresenceMonitor, protocol);
        await using var backend = await ConnectAsync(broker, Backend, protocol);

        var granted = await SubscribeAsync(monitor, "$SYS/presence/#");
        var refused = await SubscribeAsync(backend, "$SYS/presence/#");
        await using var device = await ConnectAsync(broker, Device, protocol);

        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, granted);
        Assert.Equal(SubscribeRefusal(protocol), refused);
        Assert.Equal("$SYS/presence/GID_sensors/connect", (await monitor.ReceiveAsync()).Topic);
        await backend.ExpectNothingAsync();
    }

    [Theory]
    [MemberData(nameof(Engines.WithSecurity), MemberType = typeof(Engines))]
    public async Task An_anonymous_client_claiming_the_sys_subscribers_id_may_not_subscribe_to_sys(string engine)
    {
        await using var broker = await StartAsync(engine, new Dictionary<string, string?> { ["EdgeBroker:Security:AllowAnonymous"] = "true" });
        await using var impostor = await TestClient.ConnectAsync(broker, PresenceMonitor);

        Assert.Equal(MqttClientSubscribeResultCode.UnspecifiedError, await SubscribeAsync(impostor, "$SYS/presence/#"));
    }

    internal static async Task<MqttClientSubscribeResultCode> SubscribeAsync(TestClient client, string filter)
    {
        var result = await client.Client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(f => f.WithTopic(filter).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce))
            .Build());
        return result.Items.Single().ResultCode;
    }

    /// <summary>MQTT 5 says why (0x87); MQTT 3.1.1 has one failure code, 0x80.</summary>
    internal static MqttClientSubscribeResultCode SubscribeRefusal(MqttProtocolVersion protocol) =>
        protocol == MqttProtocolVersion.V500 ? MqttClientSubscribeResultCode.NotAuthorized : MqttClientSubscribeResultCode.UnspecifiedError;

    /// <summary>MQTT 5: PUBACK 0x87. MQTT 3.1.1 has no PUBACK codes: acknowledged (the spec's choice), and dropped.</summary>
    internal static void AssertPublishRefused(MqttProtocolVersion protocol, MqttClientPublishResult result) =>
        Assert.Equal(protocol == MqttProtocolVersion.V500 ? MqttClientPublishReasonCode.NotAuthorized : MqttClientPublishReasonCode.Success, result.ReasonCode);
}
