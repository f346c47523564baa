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

        var request = new MqttApplicationMessageBuilder().WithTopic(Address("app")).WithPayload("21.5")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        if (protocolA == MqttProtocolVersion.V500)
        {
            request.WithResponseTopic(Address("sensor-1")).WithCorrelationData("c-1"u8.ToArray()).WithUserProperty("unit", "C"u8.ToArray().AsMemory());
        }

        Assert.True((await sensor.Client.PublishAsync(request.Build())).IsSuccess);
        var received = await app.ReceiveAsync();
        Assert.Equal((Address("app"), "21.5"), (received.Topic, received.ConvertPayloadToString()));
        if (protocolA == MqttProtocolVersion.V500)
        {
            // Request/response across gateways: the MQTT 5 properties travel with the message.
            Assert.Equal(Address("sensor-1"), received.ResponseTopic);
            Assert.Equal("c-1", Encoding.UTF8.GetString(received.CorrelationData));
            Assert.Contains(received.UserProperties, property => property.Name == "unit" && property.ValueBuffer.ToArray().SequenceEqual("C"u8.ToArray()));
        }

        // The firmware's uplink speaks MQTT 3.1.1, so its sensor's request has no response topic: the application
        // answers the address it knows.
        var answer = await app.Client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(received.ResponseTopic ?? Address("sensor-1")).WithPayload("ack")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithCorrelationData(received.CorrelationData ?? []).Build());
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
}
