using EdgeBroker.Core;
using EdgeBroker.Core.Uplink;
using EdgeBroker.EndToEnd.Tests.Infrastructure;
using EdgeBroker.EndToEnd.Tests.Uplink;
using MQTTnet;
using MQTTnet.Formatter;
using static EdgeBroker.EndToEnd.Tests.Federation.FederatedTiers;

namespace EdgeBroker.EndToEnd.Tests.Federation;

/// <summary>The middle tier of three goes away — stopped, or killed with SIGKILL — while P2P messages cross it both
/// ways: the tier below queues them in its uplink queue, the tier above keeps them for the middle tier's persistent
/// session, and after recovery they arrive in order.</summary>
public sealed class FederationOutageTests : IDisposable
{
    readonly DirectoryInfo _siteData = Directory.CreateTempSubdirectory("edgebroker-site-");

    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task Messages_both_ways_wait_out_an_outage_of_the_middle_tier_and_arrive_in_order(string engineA)
    {
        const int Count = 30;
        var sitePort = FreePorts.Next();
        await using var cloud = await new HostEngine().StartAsync();
        var site = await StartSiteAsync(cloud, sitePort);
        await using var gatewayB = await new HostEngine().StartAsync(HostGateway(cloud.Port, GatewayBId));
        await using var gatewayA = await Engines.StartAsync(engineA, GatewaySettings(engineA, sitePort, GatewayAId));
        await using var actuator = await TestClient.ConnectAsync(gatewayB, "actuator-9");
        await using var app = await TestClient.ConnectAsync(cloud, "app", MqttProtocolVersion.V500);
        await using var sensor = await TestClient.ConnectAsync(gatewayA, "sensor-1");
        await WaitForRouteAsync(site, "sensor-1", GatewayAId);
        await WaitForRouteAsync(cloud, "sensor-1", SiteId);
        await WaitForRouteAsync(cloud, "actuator-9", GatewayBId);

        await site.DisposeAsync();
        var uplinkA = gatewayA.Core!.UplinkAt(0);
        await Eventually.WaitUntilAsync(() => uplinkA.Status(Clock.NowMs()).State != UplinkState.Connected, () => "gateway A did not notice");
        for (var i = 0; i < Count; i++)
        {
            Assert.True((await sensor.PublishAsync(Address("actuator-9"), "up-" + i)).IsSuccess);
            Assert.True((await app.PublishAsync(Address("sensor-1"), "down-" + i)).IsSuccess);
        }

        Assert.Equal(Count, uplinkA.Status(Clock.NowMs()).Queued);
        await using var restarted = await StartSiteAsync(cloud, sitePort);

        var timeout = TimeSpan.FromSeconds(30);
        Assert.Equal(Enumerable.Range(0, Count).Select(i => "up-" + i), await EdgeBrokerUpstreamTests.ReceiveAsync(actuator, Count, timeout));
        Assert.Equal(Enumerable.Range(0, Count).Select(i => "down-" + i), await EdgeBrokerUpstreamTests.ReceiveAsync(sensor, Count, timeout));
        await actuator.ExpectNothingAsync();
        await sensor.ExpectNothingAsync();
    }

    [Fact]
    public async Task Killing_the_middle_tier_with_SIGKILL_loses_nothing_either_way_and_keeps_the_order()
    {
        const int Count = 2_000;
        const int DownCount = 50;
        var sitePort = FreePorts.Next();
        await using var cloud = await new HostEngine().StartAsync();
        var site = await StartSiteProcessAsync(cloud, sitePort);
        await using var gatewayB = await new HostEngine().StartAsync(HostGateway(cloud.Port, GatewayBId));
        await using var gatewayA = await new HostEngine().StartAsync(HostGateway(sitePort, GatewayAId));
        await using var actuator = await TestClient.ConnectAsync(gatewayB, "actuator-9", MqttProtocolVersion.V500);
        await using var app = await TestClient.ConnectAsync(cloud, "app", MqttProtocolVersion.V500);
        await using var sensor = await TestClient.ConnectAsync(gatewayA, "sensor-1", MqttProtocolVersion.V500);
        await WaitForRouteAsync(cloud, "sensor-1", SiteId);
        await WaitForRouteAsync(cloud, "actuator-9", GatewayBId);

        for (var start = 0; start < Count; start += 100)
        {
            var window = Enumerable.Range(start, 100).Select(i => sensor.PublishAsync(Address("actuator-9"), i.ToString())).ToList();
            Assert.All(await Task.WhenAll(window), ack => Assert.True(ack.IsSuccess, ack.ReasonCode.ToString()));
        }

        // Kill the moment a tenth has arrived: reading the messages one by one, not in silence windows, in which a quiet
        // machine moves the whole backlog across the middle tier.
        var beforeKill = new List<string>();
        while (beforeKill.Count < Count / 10)
        {
            // The first may wait for a reconnect after backing off.
            beforeKill.Add((await actuator.ReceiveAsync(TimeSpan.FromSeconds(beforeKill.Count == 0 ? 30 : 5))).ConvertPayloadToString());
        }

        await site.DisposeAsync();
        beforeKill.AddRange(await EdgeBrokerUpstreamTests.ReceiveAsync(actuator, Count, TestClient.SilenceWindow));
        Assert.True(beforeKill.Count < Count, "everything crossed the middle tier before the kill; nothing was tested");
        for (var i = 0; i < DownCount; i++)
        {
            Assert.True((await app.PublishAsync(Address("sensor-1"), "down-" + i)).IsSuccess);
        }

        await using var restarted = await StartSiteProcessAsync(cloud, sitePort);
        // At least once: what crossed before the kill may come again, so read until every message has arrived, not
        // until as many arrivals as were missing (re-deliveries among them ended the read a few messages short).
        var arrived = beforeKill.ToList();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (arrived.Distinct().Count() is var distinct && distinct < Count && DateTime.UtcNow < deadline)
        {
            arrived.AddRange(await EdgeBrokerUpstreamTests.ReceiveAsync(actuator, Count - distinct, deadline - DateTime.UtcNow));
        }

        var firstArrivals = arrived.Distinct().ToList();
        Assert.Equal(Enumerable.Range(0, Count).Select(i => i.ToString()), firstArrivals);
        Assert.Equal(Enumerable.Range(0, DownCount).Select(i => "down-" + i),
            await EdgeBrokerUpstreamTests.ReceiveAsync(sensor, DownCount, TimeSpan.FromSeconds(30)));
        Console.WriteLine($"kill -9 of the middle tier: {Count} sent, {firstArrivals.Count} arrived, {arrived.Count - firstArrivals.Count} twice");
    }

    /// <summary>The site gateway in-process on a fixed port and data directory, so it can be stopped and started again.</summary>
    Task<RunningBroker> StartSiteAsync(RunningBroker cloud, int port)
    {
        var settings = HostGateway(cloud.Port, SiteId);
        settings["EdgeBroker:Port"] = port.ToString();
        settings[HostEngine.DataDirKey] = _siteData.FullName;
        return new HostEngine().StartAsync(settings);
    }

    /// <summary>The site gateway as the program, configured by the minimal interface's flags.</summary>
    async Task<ProcessRunner> StartSiteProcessAsync(RunningBroker cloud, int port)
    {
        var process = ProcessRunner.Start("dotnet", HostProgram.Dll, "--port", port.ToString(), "--http-port", "0",
            "--data-dir", _siteData.FullName, "--uplink", $"mqtt://127.0.0.1:{cloud.Port}", "--uplink-client-id", SiteId, "--uplink-p2p");
        await process.WaitForOutputAsync(HostProgram.Timeout, "Uplink cloud: connected");
        return process;
    }

    public void Dispose() => _siteData.Delete(recursive: true);
}
