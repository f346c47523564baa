using System.Globalization;
using EdgeBroker.EndToEnd.Tests.Infrastructure;
using EdgeBroker.EndToEnd.Tests.Monitoring;
using MQTTnet;
using MQTTnet.Formatter;
using static EdgeBroker.EndToEnd.Tests.Federation.FederatedTiers;

namespace EdgeBroker.EndToEnd.Tests.Federation;

/// <summary>A P2P target unknown everywhere, through three tiers of real brokers (docs/federation.md): the top drops it,
/// an unreachable notice comes back down, the sender's gateway answers the following messages itself.</summary>
public sealed class UnknownTargetTests
{
    const int TtlSeconds = 2;

    static readonly Dictionary<string, string?> ShortCacheAndSys = new()
    {
        ["EdgeBroker:P2PUnreachableTtlSeconds"] = TtlSeconds.ToString(CultureInfo.InvariantCulture),
        ["EdgeBroker:SysIntervalSeconds"] = "1",
    };

    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task Each_tier_counts_an_unknown_target_the_sender_learns_it_nothing_loops_and_it_is_reachable_once_it_connects(string engineA)
    {
        var protocolA = engineA == Engines.Emulator ? MqttProtocolVersion.V311 : MqttProtocolVersion.V500;
        await using var tiers = await FederatedTiers.StartAsync(engineA, ShortCacheAndSys);
        await using var app = await TestClient.ConnectAsync(tiers.Cloud, "app", MqttProtocolVersion.V500);
        await using var sensor = await TestClient.ConnectAsync(tiers.GatewayA, "sensor-1", protocolA);
        await using var sys = await TestClient.ConnectAsync(tiers.GatewayA, "sys-watcher");
        await sys.SubscribeAsync("$SYS/broker/edgebroker/p2p/target-unreachable");
        await WaitForRouteAsync(tiers.Cloud, "sensor-1", SiteId);

        // Store-and-forward: the first message is acknowledged once queued for the uplink, then dropped at the top.
        Assert.True((await sensor.PublishAsync(Address("nobody"), "first")).IsSuccess);
        await Eventually.WaitUntilAsync(() => tiers.GatewayA.Counters!.P2PUnreachableNotices == 1,
            () => $"notices: site {tiers.Site.Counters!.P2PUnreachableNotices}, A {tiers.GatewayA.Counters!.P2PUnreachableNotices}");
        Assert.Equal((1, 1, 1), (tiers.GatewayA.Counters!.P2PForwardedUp, tiers.Site.Counters!.P2PForwardedUp, tiers.Cloud.Counters!.P2PDroppedNoSession));

        // The following message is answered at gateway A: MQTT 5 learns it (0x10), MQTT 3.1.1 is acknowledged.
        var second = await sensor.PublishAsync(Address("nobody"), "second");
        Assert.Equal(protocolA == MqttProtocolVersion.V500 ? MqttClientPublishReasonCode.NoMatchingSubscribers : MqttClientPublishReasonCode.Success,
            second.ReasonCode);
        Assert.Equal((1, 1), (tiers.GatewayA.Counters.P2PDroppedUnreachable, tiers.GatewayA.Counters.P2PForwardedUp));
        Assert.Equal(MqttClientPublishReasonCode.NoMatchingSubscribers, (await app.PublishAsync(Address("nobody"), "from the cloud")).ReasonCode);

        // Every tier shows it: the cloud's and the site's /metrics, gateway A's $SYS tree.
        using (var cloudHttp = new HttpClient { BaseAddress = tiers.Cloud.HttpBaseAddress })
        using (var siteHttp = new HttpClient { BaseAddress = tiers.Site.HttpBaseAddress })
        {
            Assert.Equal(2, (await MetricsScrapeTests.ScrapeAsync(cloudHttp))["edgebroker_p2p_target_unknown_total"]);
            Assert.Equal(1, (await MetricsScrapeTests.ScrapeAsync(siteHttp))["edgebroker_p2p_unreachable_notices_total"]);
        }

        await Eventually.WaitUntilAsync(async () => (await sys.ReceiveAsync()).ConvertPayloadToString() == "1",
            () => "gateway A's $SYS tree did not show the message it answered itself");

        // Nothing loops: no tier routes anything more.
        var routed = RoutedByEachTier(tiers);
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(routed, RoutedByEachTier(tiers));

        // Once the target connects somewhere (gateway B) it is reached, at most the cache's lifetime later.
        await using var late = await TestClient.ConnectAsync(tiers.GatewayB, "nobody", MqttProtocolVersion.V500);
        await WaitForRouteAsync(tiers.Cloud, "nobody", GatewayBId);
        await Task.Delay(TimeSpan.FromSeconds(TtlSeconds));
        Assert.True((await sensor.PublishAsync(Address("nobody"), "now you exist")).IsSuccess);
        Assert.Equal("now you exist", (await late.ReceiveAsync()).ConvertPayloadToString());
    }

    /// <summary>Messages routed by each tier so far, the brokers' own messages left out.</summary>
    static (int, int, int, int) RoutedByEachTier(FederatedTiers tiers) =>
        (Routed(tiers.GatewayA), Routed(tiers.Site), Routed(tiers.Cloud), Routed(tiers.GatewayB));
}
