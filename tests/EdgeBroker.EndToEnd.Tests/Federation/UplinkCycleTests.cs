using EdgeBroker.EndToEnd.Tests.Infrastructure;
using static EdgeBroker.EndToEnd.Tests.Federation.FederatedTiers;

namespace EdgeBroker.EndToEnd.Tests.Federation;

/// <summary>Two gateways whose federated uplinks point at each other, over MQTT 3.1.1 (the firmware's), where no hop
/// count travels upward (docs/federation.md): the announcements reveal the cycle and a message for a client that exists
/// nowhere stops instead of circling.</summary>
public sealed class UplinkCycleTests
{
    [Fact]
    public async Task A_message_for_nobody_does_not_circle_two_gateways_whose_uplinks_point_at_each_other()
    {
        var portB = FreePorts.Next();
        await using var gatewayA = await Engines.StartAsync(Engines.Emulator, GatewaySettings(Engines.Emulator, portB, GatewayAId));
        var settingsB = HostGateway(gatewayA.Port, GatewayBId);
        settingsB["EdgeBroker:Port"] = portB.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await using var gatewayB = await Engines.StartAsync(Engines.Host, settingsB);
        await using var sensor = await TestClient.ConnectAsync(gatewayA, "sensor-1");
        await Eventually.WaitUntilAsync(() => Reports(gatewayA) && Reports(gatewayB), () => "the gateways did not report the cycle");

        Assert.True((await sensor.PublishAsync(Address("nobody"), "lost")).IsSuccess);

        await Eventually.WaitUntilAsync(() => gatewayA.Counters!.P2PDroppedLoop + gatewayB.Counters!.P2PDroppedLoop == 1,
            () => $"dropped as a loop: A {gatewayA.Counters!.P2PDroppedLoop}, B {gatewayB.Counters!.P2PDroppedLoop}");
        var routed = (Routed(gatewayA), Routed(gatewayB));
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(routed, (Routed(gatewayA), Routed(gatewayB)));
        Assert.True(routed.Item1 + routed.Item2 <= 3, $"routed {routed}");
    }

    static bool Reports(RunningBroker broker) => broker.LoggedProblems.Any(line => line.Contains("the uplinks form a cycle", StringComparison.Ordinal));
}
