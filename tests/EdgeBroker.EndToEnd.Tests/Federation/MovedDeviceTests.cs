using EdgeBroker.EndToEnd.Tests.Infrastructure;
using EdgeBroker.EndToEnd.Tests.Uplink;
using MQTTnet;
using static EdgeBroker.EndToEnd.Tests.Federation.FederatedTiers;

namespace EdgeBroker.EndToEnd.Tests.Federation;

/// <summary>
/// A device with a persistent session that moved from one gateway to another (docs/federation.md, "A client that
/// moves"): P2P messages reach it where it is connected, from senders on the gateway it left, on other gateways and on
/// the cloud, through an EdgeBroker cloud (announced routes) and through mosquitto (retained routes), also after a
/// gateway restarts. What the gateway it left kept for it while it was away from every gateway waits there for its
/// return. The reviewer's t08, t09 and t10 (review-fed D2, D3).
/// </summary>
public sealed class MovedDeviceTests : IDisposable
{
    const string Mover = "GID_d@@@mover";
    const string GatewayCId = "gw-c";
    const int Count = 10;

    readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("edgebroker-moved-");

    [ToolTheory(Tool.MosquittoBroker)]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task Through_mosquitto_a_device_that_moved_from_A_to_B_gets_on_B_what_senders_on_A_and_C_send(string engineA)
    {
        await using var upstream = await MosquittoUpstream.StartAsync();
        await using var gatewayA = await Engines.StartAsync(engineA, RetainedRoutes(engineA, upstream, GatewayAId));
        await using var gatewayB = await new HostEngine().StartAsync(RetainedRoutes(Engines.Host, upstream, GatewayBId));
        await using var gatewayC = await new HostEngine().StartAsync(RetainedRoutes(Engines.Host, upstream, GatewayCId));
        await LeaveKeptMessageAsync(gatewayA);

        var device = await TestClient.ConnectAsync(gatewayB, Mover, cleanStart: false);
        await WaitUntilFollowedAsync(gatewayA);
        await Eventually.WaitUntilAsync(() => gatewayC.Core!.PeerGatewayOf(Mover) == GatewayBId, () => "C did not learn that the device is on B");
        await SendAsync(gatewayA, "GID_s@@@on-a", "a");
        await SendAsync(gatewayC, "GID_s@@@on-c", "c");

        await AssertReceivesAsync(device, "a", "c");
        await device.DisposeAsync();
        Assert.Equal(0, gatewayC.Core!.OfflineQueueDepth());
        await AssertKeptForReturnAsync(gatewayA);
    }

    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task Through_an_EdgeBroker_cloud_a_device_that_moved_from_A_to_B_gets_on_B_what_senders_on_A_and_the_cloud_send(string engineA)
    {
        await using var cloud = await new HostEngine().StartAsync();
        await using var gatewayA = await Engines.StartAsync(engineA, GatewaySettings(engineA, cloud.Port, GatewayAId));
        await using var gatewayB = await new HostEngine().StartAsync(HostGateway(cloud.Port, GatewayBId));
        await LeaveKeptMessageAsync(gatewayA);
        await WaitForRouteAsync(cloud, Mover, GatewayAId);

        var device = await TestClient.ConnectAsync(gatewayB, Mover, cleanStart: false);
        await WaitForRouteAsync(cloud, Mover, GatewayBId);
        await WaitUntilFollowedAsync(gatewayA);
        await SendAsync(gatewayA, "GID_s@@@on-a", "a");
        await SendAsync(cloud, "GID_app@@@cloud-app", "cloud");

        await AssertReceivesAsync(device, "a", "cloud");
        await device.DisposeAsync();
        await AssertKeptForReturnAsync(gatewayA);
    }

    [Fact]
    public async Task A_gateway_restarted_after_the_device_moved_away_does_not_take_its_route_back_from_the_gateway_it_is_on()
    {
        await using var cloud = await new HostEngine().StartAsync();
        await using var gatewayB = await new HostEngine().StartAsync(HostGateway(cloud.Port, GatewayBId));
        var portA = FreePorts.Next();
        var gatewayA = await StartHostAsync(portA, cloud.Port, GatewayAId, retained: false);
        try
        {
            await using (await TestClient.ConnectAsync(new ExternalBroker(portA), Mover, cleanStart: false))
            {
                await WaitForRouteAsync(cloud, Mover, GatewayAId);
            }

            await using var device = await TestClient.ConnectAsync(gatewayB, Mover, cleanStart: false);
            await WaitForRouteAsync(cloud, Mover, GatewayBId);
            await using var app = await TestClient.ConnectAsync(cloud, "GID_app@@@cloud-app");
            await SendFromAsync(app, "before");

            // A power blip: A comes back with the device's away session and announces it again.
            await gatewayA.DisposeAsync();
            gatewayA = await StartHostAsync(portA, cloud.Port, GatewayAId, retained: false);

            // Announcements go up first on a connection: once a message sent up after them arrives, they were taken.
            await using (var onA = await TestClient.ConnectAsync(new ExternalBroker(portA), "GID_s@@@on-a"))
            {
                Assert.True((await onA.PublishAsync(Address("GID_app@@@cloud-app"), "a-is-back")).IsSuccess);
                Assert.Equal("a-is-back", (await app.ReceiveAsync()).ConvertPayloadToString());
            }

            Assert.Equal(GatewayBId, cloud.Core!.FederatedGatewayOf(Mover));
            await SendFromAsync(app, "after");

            Assert.Equal(Payloads("before").Concat(Payloads("after")), await device.ReceivePayloadsAsync(2 * Count));
            await device.ExpectNothingAsync();
        }
        finally
        {
            await gatewayA.DisposeAsync();
        }
    }

    [ToolFact(Tool.MosquittoBroker)]
    public async Task Through_mosquitto_a_restarted_gateway_sends_to_the_gateway_the_device_is_connected_to_whatever_order_the_routes_come_in()
    {
        await using var upstream = await MosquittoUpstream.StartAsync();
        await using var gatewayA = await new HostEngine().StartAsync(RetainedRoutes(Engines.Host, upstream, GatewayAId));
        await using var gatewayB = await new HostEngine().StartAsync(RetainedRoutes(Engines.Host, upstream, GatewayBId));
        var portC = FreePorts.Next();
        var gatewayC = await StartHostAsync(portC, upstream.Port, GatewayCId, retained: true);
        try
        {
            // The device moves from B to A: mosquitto keeps B's route as away and A's as connected.
            await using (await TestClient.ConnectAsync(gatewayB, Mover, cleanStart: false))
            {
            }

            await using var device = await TestClient.ConnectAsync(gatewayA, Mover, cleanStart: false);
            await Eventually.WaitUntilAsync(async () => await RetainedAsync(upstream, $"eb/routes/{GatewayBId}/{Mover}") == "0"
                    && await RetainedAsync(upstream, $"eb/routes/{GatewayAId}/{Mover}") == "1",
                () => "the routes on mosquitto do not say the device is away from B and on A");

            // C relearns the routes from mosquitto, in mosquitto's order; its sender's messages wait for all of them.
            await gatewayC.DisposeAsync();
            gatewayC = await StartHostAsync(portC, upstream.Port, GatewayCId, retained: true);
            await SendAsync(new ExternalBroker(portC), "GID_s@@@on-c", "c");

            Assert.Equal(Payloads("c"), await device.ReceivePayloadsAsync(Count));
            await device.ExpectNothingAsync();
            Assert.Equal(0, gatewayB.Core!.OfflineQueueDepth());
        }
        finally
        {
            await gatewayC.DisposeAsync();
        }
    }

    /// <summary>The device connects to <paramref name="gateway"/> with a persistent session and leaves; a sender there
    /// sends it one message while it is away from every gateway, which the gateway keeps.</summary>
    static async Task LeaveKeptMessageAsync(RunningBroker gateway)
    {
        await using (await TestClient.ConnectAsync(gateway, Mover, cleanStart: false))
        {
        }

        await using var sender = await TestClient.ConnectAsync(gateway, "GID_s@@@early");
        Assert.True((await sender.PublishAsync(Address(Mover), "while-away")).IsSuccess);
        Assert.Equal(1, gateway.Core!.OfflineQueueDepth());
    }

    /// <summary>Waits until <paramref name="gateway"/> knows that the device, away there, is connected elsewhere.</summary>
    static Task WaitUntilFollowedAsync(RunningBroker gateway) =>
        Eventually.WaitUntilAsync(() => gateway.Core!.IsConnectedAbove(Mover), () => "the gateway the device left does not know it is connected elsewhere");

    /// <summary>The device, back on <paramref name="gateway"/>, gets what it kept while the device was away from every
    /// gateway, and nothing that was sent after it connected elsewhere.</summary>
    static async Task AssertKeptForReturnAsync(RunningBroker gateway)
    {
        Assert.Equal(1, gateway.Core!.OfflineQueueDepth());
        await using var back = await TestClient.ConnectAsync(gateway, Mover, cleanStart: false);
        Assert.Equal("while-away", (await back.ReceiveAsync()).ConvertPayloadToString());
        await back.ExpectNothingAsync();
    }

    /// <summary><paramref name="senderId"/> on <paramref name="broker"/> sends <see cref="Count"/> QoS 1 P2P messages to
    /// the device, each acknowledged.</summary>
    static async Task SendAsync(RunningBroker broker, string senderId, string tag)
    {
        await using var sender = await TestClient.ConnectAsync(broker, senderId);
        await SendFromAsync(sender, tag);
    }

    static async Task SendFromAsync(TestClient sender, string tag)
    {
        foreach (var payload in Payloads(tag))
        {
            var ack = await sender.PublishAsync(Address(Mover), payload);
            Assert.True(ack.IsSuccess, $"{payload}: {ack.ReasonCode}");
        }
    }

    static IEnumerable<string> Payloads(string tag) => Enumerable.Range(0, Count).Select(i => $"{tag}-{i}");

    /// <summary>The device receives every message of both senders, each sender's in order, and nothing more.</summary>
    static async Task AssertReceivesAsync(TestClient device, string first, string second)
    {
        var received = await device.ReceivePayloadsAsync(2 * Count);
        Assert.Equal(Payloads(first), received.Where(payload => payload.StartsWith(first + "-", StringComparison.Ordinal)));
        Assert.Equal(Payloads(second), received.Where(payload => payload.StartsWith(second + "-", StringComparison.Ordinal)));
        await device.ExpectNothingAsync();
    }

    /// <summary>A host gateway as its own program, on <paramref name="port"/> and the data directory it keeps across
    /// restarts, federating P2P over an uplink to <paramref name="upstreamPort"/>.</summary>
    async Task<ProcessRunner> StartHostAsync(int port, int upstreamPort, string clientId, bool retained)
    {
        string[] arguments =
        [
            HostProgram.Dll, "--port", port.ToString(), "--http-port", "0", "--data-dir", Path.Combine(_data.FullName, clientId),
            "--uplink", $"mqtt://127.0.0.1:{upstreamPort}", "--uplink-client-id", clientId, "--uplink-p2p",
            .. retained ? new[] { "--uplink-p2p-routes", "retained" } : [],
        ];
        var process = ProcessRunner.Start("dotnet", arguments);
        await process.WaitForOutputAsync(HostProgram.Timeout, "Uplink cloud: connected");
        return process;
    }

    public void Dispose() => _data.Delete(recursive: true);
}
