using System.Text;
using EdgeBroker.EndToEnd.Tests.Infrastructure;
using EdgeBroker.EndToEnd.Tests.Uplink;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using static EdgeBroker.EndToEnd.Tests.Federation.FederatedTiers;

namespace EdgeBroker.EndToEnd.Tests.Federation;

/// <summary>
/// P2P across gateways through an upstream that is not an EdgeBroker (docs/federation.md, "Through any upstream"): a
/// real mosquitto, gateways with retained routes learning each other's clients, envelopes sent up addressed to the
/// gateway that hosts the target. A spy on mosquitto sees what crosses it.
/// </summary>
public sealed class AnyUpstreamFederationTests
{
    const string GatewayCId = "gw-c";

    [ToolTheory(Tool.MosquittoBroker)]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task A_sensor_on_A_reaches_an_actuator_on_B_through_mosquitto_which_answers_by_P2P(string engineA)
    {
        var protocolA = engineA == Engines.Emulator ? MqttProtocolVersion.V311 : MqttProtocolVersion.V500;
        await using var upstream = await MosquittoUpstream.StartAsync();
        await using var spy = await SpyAsync(upstream);
        await using var gatewayB = await new HostEngine().StartAsync(RetainedRoutes(Engines.Host, upstream, GatewayBId));
        await using var gatewayA = await Engines.StartAsync(engineA, RetainedRoutes(engineA, upstream, GatewayAId));
        await using var actuator = await TestClient.ConnectAsync(gatewayB, "actuator-9", MqttProtocolVersion.V500);
        await using var sensor = await TestClient.ConnectAsync(gatewayA, "sensor-1", protocolA);
        await WaitForPeerAsync(gatewayA, "actuator-9", GatewayBId);
        await WaitForPeerAsync(gatewayB, "sensor-1", GatewayAId);

        var sent = await sensor.Client.PublishAsync(Request(Address("actuator-9"), "open", protocolA, Address("sensor-1")));
        Assert.True(sent.IsSuccess, sent.ReasonCode.ToString());
        var command = await actuator.ReceiveAsync();
        Assert.Equal((Address("actuator-9"), "open", MqttQualityOfServiceLevel.AtLeastOnce),
            (command.Topic, command.ConvertPayloadToString(), command.QualityOfServiceLevel));
        if (protocolA == MqttProtocolVersion.V500)
        {
            // Both uplinks speak MQTT 5 with mosquitto: the properties travel with the envelope.
            AssertRequestProperties(command, Address("sensor-1"));
        }

        var answer = await actuator.Client.PublishAsync(Answer(command, "opened", "sensor-1"));
        Assert.True(answer.IsSuccess, answer.ReasonCode.ToString());
        var response = await sensor.ReceiveAsync();
        Assert.Equal((Address("sensor-1"), "opened"), (response.Topic, response.ConvertPayloadToString()));
        if (protocolA == MqttProtocolVersion.V500)
        {
            Assert.Equal("c-1", Encoding.UTF8.GetString(response.CorrelationData));
        }

        // Through mosquitto each went as the envelope addressed to the gateway of its target.
        Assert.Equal([$"{Parent}/p2p/{GatewayBId}/1/actuator-9", $"{Parent}/p2p/{GatewayAId}/1/sensor-1"],
            (await spy.ReceiveAllAsync()).Select(message => message.Topic));
        await actuator.ExpectNothingAsync();
        await sensor.ExpectNothingAsync();
    }

    [ToolFact(Tool.MosquittoBroker)]
    public async Task A_client_that_moves_to_another_gateway_is_reached_there_and_never_through_the_gateway_it_left()
    {
        await using var upstream = await MosquittoUpstream.StartAsync();
        await using var gatewayA = await new HostEngine().StartAsync(RetainedRoutes(Engines.Host, upstream, GatewayAId));
        await using var gatewayB = await new HostEngine().StartAsync(RetainedRoutes(Engines.Host, upstream, GatewayBId));
        await using var gatewayC = await new HostEngine().StartAsync(RetainedRoutes(Engines.Host, upstream, GatewayCId));
        await using var sensor = await TestClient.ConnectAsync(gatewayA, "sensor-1", MqttProtocolVersion.V500);
        await using (await TestClient.ConnectAsync(gatewayB, "actuator-9", MqttProtocolVersion.V500))
        {
            await WaitForPeerAsync(gatewayA, "actuator-9", GatewayBId);
        }

        // It left B (no session kept there): B withdrew its retained route, so A sends the message up plainly, for
        // an application subscribed to that address on mosquitto — not to B.
        await WaitForPeerAsync(gatewayA, "actuator-9", null);
        await using var spy = await SpyAsync(upstream);
        Assert.True((await sensor.PublishAsync(Address("actuator-9"), "while-nowhere")).IsSuccess);
        Assert.Equal(Address("actuator-9"), (await spy.ReceiveAsync()).Topic);

        await using var actuator = await TestClient.ConnectAsync(gatewayC, "actuator-9", MqttProtocolVersion.V500);
        await WaitForPeerAsync(gatewayA, "actuator-9", GatewayCId);
        Assert.True((await sensor.PublishAsync(Address("actuator-9"), "on-c")).IsSuccess);

        var received = await actuator.ReceiveAsync();
        Assert.Equal((Address("actuator-9"), "on-c"), (received.Topic, received.ConvertPayloadToString()));
        Assert.Equal($"{Parent}/p2p/{GatewayCId}/1/actuator-9", (await spy.ReceiveAsync()).Topic);

        // An application on mosquitto itself addresses the envelope to the gateway the retained routes name.
        Assert.True((await spy.PublishAsync($"{Parent}/p2p/{GatewayCId}/1/actuator-9", "from-mosquitto")).IsSuccess);
        var direct = await actuator.ReceiveAsync();
        Assert.Equal((Address("actuator-9"), "from-mosquitto"), (direct.Topic, direct.ConvertPayloadToString()));
        await actuator.ExpectNothingAsync();
        Assert.Equal(0, gatewayB.Counters!.P2PDelivered);
    }

    [ToolFact(Tool.MosquittoBroker)]
    public async Task A_gateway_killed_with_SIGKILL_goes_offline_by_its_will_and_its_routes_are_forgotten_after_the_grace()
    {
        await using var upstream = await MosquittoUpstream.StartAsync();
        var settingsA = RetainedRoutes(Engines.Host, upstream, GatewayAId);
        settingsA["EdgeBroker:Uplinks:0:P2PRoutesGraceSeconds"] = "1";
        await using var gatewayA = await new HostEngine().StartAsync(settingsA);
        var portB = FreePorts.Next();
        var data = Directory.CreateTempSubdirectory("edgebroker-gw-b-");
        try
        {
            await using var gatewayB = ProcessRunner.Start("dotnet", HostProgram.Dll, "--port", portB.ToString(), "--http-port", "0",
                "--data-dir", data.FullName, "--uplink", upstream.Address, "--uplink-client-id", GatewayBId, "--uplink-p2p",
                "--uplink-p2p-routes", "retained");
            await gatewayB.WaitForOutputAsync(HostProgram.Timeout, "Uplink cloud: connected");
            await using var actuator = await TestClient.ConnectAsync(new ExternalBroker(portB), "actuator-9");
            await using var sensor = await TestClient.ConnectAsync(gatewayA, "sensor-1", MqttProtocolVersion.V500);
            await WaitForPeerAsync(gatewayA, "actuator-9", GatewayBId);
            Assert.True((await sensor.PublishAsync(Address("actuator-9"), "before")).IsSuccess);
            Assert.Equal("before", (await actuator.ReceiveAsync()).ConvertPayloadToString());
            Assert.Equal("1", await RetainedAsync(upstream, $"eb/routes/{GatewayBId}"));

            using (var kill = System.Diagnostics.Process.Start("kill", ["-KILL", gatewayB.ProcessId.ToString()]))
            {
                await kill.WaitForExitAsync();
            }

            await gatewayB.WaitForExitAsync(HostProgram.Timeout);

            // mosquitto published B's will: its retained status says offline (never empty: the device's M2Mqtt refuses an
            // empty will); A forgets its routes one grace later.
            await Eventually.WaitUntilAsync(async () => await RetainedAsync(upstream, $"eb/routes/{GatewayBId}") == "0",
                () => "gateway B's retained status still says online after it was killed");
            await WaitForPeerAsync(gatewayA, "actuator-9", null);
            await using var spy = await SpyAsync(upstream);
            Assert.True((await sensor.PublishAsync(Address("actuator-9"), "after")).IsSuccess);
            Assert.Equal(Address("actuator-9"), (await spy.ReceiveAsync()).Topic);
        }
        finally
        {
            data.Delete(recursive: true);
        }
    }

    /// <summary>A client on mosquitto that sees every P2P address and envelope crossing it.</summary>
    static async Task<TestClient> SpyAsync(MosquittoUpstream upstream)
    {
        var spy = await TestClient.ConnectAsync(new ExternalBroker(upstream.Port), "spy", MqttProtocolVersion.V500);
        await spy.SubscribeAsync("+/p2p/#");
        return spy;
    }

    /// <summary>Waits until <paramref name="gateway"/> learnt from the retained routes that <paramref name="clientId"/> is
    /// on <paramref name="peer"/> (null: on no other gateway).</summary>
    static Task WaitForPeerAsync(RunningBroker gateway, string clientId, string? peer) =>
        Eventually.WaitUntilAsync(() => gateway.Core!.PeerGatewayOf(clientId) == peer,
            () => $"{clientId} is not on {peer ?? "no gateway"} (it is {gateway.Core!.PeerGatewayOf(clientId) ?? "none"})");
}
