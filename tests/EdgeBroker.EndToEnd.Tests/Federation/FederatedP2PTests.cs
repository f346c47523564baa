using System.Text;
using EdgeBroker.EndToEnd.Tests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using static EdgeBroker.EndToEnd.Tests.Federation.FederatedTiers;

namespace EdgeBroker.EndToEnd.Tests.Federation;

/// <summary>P2P across gateways through three tiers of real brokers (docs/federation.md), each engine as gateway A.</summary>
public sealed class FederatedP2PTests
{
    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task A_sensor_on_A_reaches_an_actuator_on_B_and_an_application_on_the_cloud_which_answers_by_P2P(string engineA)
    {
        var protocolA = engineA == Engines.Emulator ? MqttProtocolVersion.V311 : MqttProtocolVersion.V500;
        await using var tiers = await FederatedTiers.StartAsync(engineA);
        await using var actuator = await TestClient.ConnectAsync(tiers.GatewayB, "actuator-9", MqttProtocolVersion.V500);
        await using var app = await TestClient.ConnectAsync(tiers.Cloud, "app", MqttProtocolVersion.V500);
        await using var sensor = await TestClient.ConnectAsync(tiers.GatewayA, "sensor-1", protocolA);
        await tiers.WaitForRoutesAsync("sensor-1", "actuator-9");

        var toActuator = await sensor.PublishAsync(Address("actuator-9"), "open");
        Assert.True(toActuator.IsSuccess, toActuator.ReasonCode.ToString());
        var command = await actuator.ReceiveAsync();
        Assert.Equal((Address("actuator-9"), "open", MqttQualityOfServiceLevel.AtLeastOnce),
            (command.Topic, command.ConvertPayloadToString(), command.QualityOfServiceLevel));

        Assert.True((await sensor.Client.PublishAsync(Request(Address("app"), "21.5", protocolA, Address("sensor-1")))).IsSuccess);
        var received = await app.ReceiveAsync();
        Assert.Equal((Address("app"), "21.5"), (received.Topic, received.ConvertPayloadToString()));
        if (protocolA == MqttProtocolVersion.V500)
        {
            // Request/response across gateways: the MQTT 5 properties travel with the message.
            AssertRequestProperties(received, Address("sensor-1"));
        }

        // The firmware's uplink speaks MQTT 3.1.1, so its sensor's request has no response topic: the application
        // answers the address it knows.
        var answer = await app.Client.PublishAsync(Answer(received, "ack", "sensor-1"));
        Assert.Equal(MqttClientPublishReasonCode.Success, answer.ReasonCode);
        var response = await sensor.ReceiveAsync();
        Assert.Equal((Address("sensor-1"), "ack"), (response.Topic, response.ConvertPayloadToString()));
        if (protocolA == MqttProtocolVersion.V500)
        {
            Assert.Equal("c-1", Encoding.UTF8.GetString(response.CorrelationData));
        }

        await actuator.ExpectNothingAsync();
        await app.ExpectNothingAsync();
        await sensor.ExpectNothingAsync();
    }

    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task A_target_away_from_B_with_a_persistent_session_gets_the_message_when_it_reconnects(string engineA)
    {
        await using var tiers = await FederatedTiers.StartAsync(engineA);
        await using (await TestClient.ConnectAsync(tiers.GatewayB, "actuator-9", cleanStart: false))
        {
        }

        await using var sensor = await TestClient.ConnectAsync(tiers.GatewayA, "sensor-1");
        await tiers.WaitForRoutesAsync("sensor-1", "actuator-9");

        Assert.True((await sensor.PublishAsync(Address("actuator-9"), "while-away")).IsSuccess);
        await Eventually.WaitUntilAsync(() => tiers.GatewayB.Core!.OfflineQueueDepth() == 1, () => "the message was not kept at gateway B");

        await using var actuator = await TestClient.ConnectAsync(tiers.GatewayB, "actuator-9", cleanStart: false);
        var kept = await actuator.ReceiveAsync();
        Assert.Equal((Address("actuator-9"), "while-away"), (kept.Topic, kept.ConvertPayloadToString()));
    }

    [Fact]
    public async Task Kept_within_groups_a_device_may_not_address_another_group_across_gateways_and_is_refused_at_its_own_gateway()
    {
        await using var tiers = await FederatedTiers.StartAsync(settings =>
        {
            settings["EdgeBroker:Security:P2PWithinGroupsOnly"] = "true";
            return Engines.StartWithConfigAsync(Engines.Host, Security.SecureBroker.Config, settings);
        }, Engines.Host);
        await using var stranger = await TestClient.ConnectAsync(tiers.GatewayB, "GID_other@@@x", MqttProtocolVersion.V500);
        await using var peer = await TestClient.ConnectAsync(tiers.GatewayB, "GID_sensors@@@dev2", MqttProtocolVersion.V500);
        await using var device = await Security.SecureBroker.ConnectAsync(tiers.GatewayA, Security.SecureBroker.Device, MqttProtocolVersion.V500);
        await tiers.WaitForRoutesAsync(Security.SecureBroker.Device, "GID_other@@@x");
        await WaitForRouteAsync(tiers.Cloud, "GID_sensors@@@dev2", GatewayBId);

        var crossing = await device.PublishAsync("sensors/p2p/GID_other@@@x", "crossing groups");
        var sameGroup = await device.PublishAsync("sensors/p2p/GID_sensors@@@dev2", "same group");

        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, crossing.ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.Success, sameGroup.ReasonCode);
        Assert.Equal("same group", (await peer.ReceiveAsync()).ConvertPayloadToString());
        await stranger.ExpectNothingAsync();
        Assert.Equal(1, tiers.GatewayA.Counters!.P2PForwardedUp);
    }

    [Fact]
    public async Task Without_p2p_on_the_uplink_a_P2P_message_for_an_unknown_client_is_refused_as_before_and_nothing_goes_up()
    {
        await using var cloud = await new HostEngine().StartAsync();
        var settings = HostGateway(cloud.Port, GatewayAId);
        settings.Remove("EdgeBroker:Uplinks:0:P2P");
        settings["EdgeBroker:Uplinks:0:Forward:0:Filter"] = "sensors/#";
        await using var gateway = await new HostEngine().StartAsync(settings);
        await using var app = await TestClient.ConnectAsync(cloud, "app", MqttProtocolVersion.V500);
        await using var sensor = await TestClient.ConnectAsync(gateway, "sensor-1", MqttProtocolVersion.V500);
        await Eventually.WaitUntilAsync(() => cloud.IsConnected(GatewayAId), () => "the gateway's uplink did not connect");

        var toApp = await sensor.PublishAsync(Address("app"), "stays here");

        Assert.Equal(MqttClientPublishReasonCode.NoMatchingSubscribers, toApp.ReasonCode);
        await app.ExpectNothingAsync();
        Assert.Null(cloud.Core!.FederatedGatewayOf("sensor-1"));
    }

    [Fact]
    public async Task The_cloud_shows_a_client_of_a_gateway_two_tiers_below_as_reachable_then_unreachable()
    {
        await using var tiers = await FederatedTiers.StartAsync(Engines.Emulator);
        await using var monitor = await TestClient.ConnectAsync(tiers.Cloud, "monitor", MqttProtocolVersion.V500);
        await monitor.SubscribeAsync("$SYS/presence/GID_dev/+");

        await using (await TestClient.ConnectAsync(tiers.GatewayA, "GID_dev@@@sensor-1"))
        {
            var reachable = await monitor.ReceiveAsync();
            Assert.Equal("$SYS/presence/GID_dev/reachable", reachable.Topic);
            Assert.Contains($"\"gateway\":\"{SiteId}/{GatewayAId}\"", reachable.ConvertPayloadToString());
        }

        var unreachable = await monitor.ReceiveAsync();
        Assert.Equal("$SYS/presence/GID_dev/unreachable", unreachable.Topic);
        await monitor.ExpectNothingAsync();
    }
}
