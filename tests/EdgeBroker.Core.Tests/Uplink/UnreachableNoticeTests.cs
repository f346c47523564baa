using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Tests.Support;
using EdgeBroker.Core.Uplink;
using static EdgeBroker.Core.Tests.Uplink.UplinkFixture;

namespace EdgeBroker.Core.Tests.Uplink;

/// <summary>A P2P target unknown everywhere (docs/federation.md): the unreachable notice down the tree and the
/// negative route cache of the gateways, through <see cref="BrokerCore"/> as both engines use it.</summary>
public class UnreachableNoticeTests
{
    /// <summary>A broker whose federated uplink is connected as <paramref name="clientId"/>, announcements taken.</summary>
    static (TestBroker Broker, Core.Uplink.Uplink Uplink) Gateway(string clientId = "gw-a")
    {
        var broker = new TestBroker();
        var uplink = Connected(Federated(clientId: clientId));
        broker.Core.Uplinks.Add(uplink);
        Take(uplink);
        return (broker, uplink);
    }

    /// <summary>What the upstream's notice about <paramref name="target"/> becomes on this gateway's uplink.</summary>
    static PublishOutcome NoticeFromUpstream(TestBroker broker, Core.Uplink.Uplink uplink, string target)
    {
        var notice = uplink.Down("plant/p2p/" + uplink.Settings.ClientId + "/unreachable/" + target, [], 0, false);
        Assert.NotNull(notice);
        return broker.Core.PublishFromUplink(notice);
    }

    [Fact]
    public void The_top_broker_tells_the_gateway_below_that_sent_a_message_for_an_unknown_target_and_no_one_else()
    {
        var broker = new TestBroker();
        var site = broker.Connect("site-gw");
        var app = broker.Connect("app");
        Announce(broker, "site-gw", "sensor-1");

        Assert.Equal(PublishOutcome.NoMatchingSubscribers, broker.Publish("site-gw", "plant/p2p/nobody", qos: 1));
        Assert.Equal(PublishOutcome.NoMatchingSubscribers, broker.Publish("app", "plant/p2p/nobody", qos: 1));

        var notice = Assert.Single(site.Received);
        Assert.Equal(("plant/p2p/site-gw/unreachable/nobody", "", 0), (notice.Topic, notice.Payload, notice.Qos));
        Assert.Empty(app.Received);
        Assert.Equal(2, broker.Counters.P2PDroppedNoSession);
    }

    [Fact]
    public void After_a_notice_a_gateway_answers_messages_for_that_target_itself_and_sends_nothing_up()
    {
        var (broker, uplink) = Gateway();
        broker.Connect("sensor-1");
        Take(uplink);

        Assert.Equal(PublishOutcome.Delivered, NoticeFromUpstream(broker, uplink, "nobody"));
        Assert.Equal(PublishOutcome.NoMatchingSubscribers, broker.Publish("sensor-1", "plant/p2p/nobody", qos: 1));
        Assert.Equal(PublishOutcome.Queued, broker.Publish("sensor-1", "plant/p2p/elsewhere", qos: 1));

        Assert.Equal(new[] { "plant/p2p/elsewhere" }, Take(uplink).Select(entry => entry.RemoteTopic));
        Assert.Equal((1, 1, 1), (broker.Counters.P2PUnreachableNotices, broker.Counters.P2PDroppedUnreachable, broker.Counters.P2PForwardedUp));
    }

    [Fact]
    public void A_middle_tier_passes_a_notice_to_its_gateways_below_and_answers_their_next_message_with_one()
    {
        var (broker, uplink) = Gateway("site-gw");
        var gatewayA = broker.Connect("gw-a");
        var gatewayC = broker.Connect("gw-c");
        var plain = broker.Connect("plain");
        Announce(broker, "gw-a", "sensor-1");
        Announce(broker, "gw-c", "sensor-3");

        NoticeFromUpstream(broker, uplink, "nobody");
        Assert.Equal(PublishOutcome.NoMatchingSubscribers, broker.Publish("gw-a", "plant/p2p/nobody", qos: 1));

        Assert.Equal(new[] { "plant/p2p/gw-a/unreachable/nobody", "plant/p2p/gw-a/unreachable/nobody" }, gatewayA.Received.Select(delivery => delivery.Topic));
        Assert.Equal("plant/p2p/gw-c/unreachable/nobody", Assert.Single(gatewayC.Received).Topic);
        Assert.Empty(plain.Received);
        Assert.DoesNotContain(Take(uplink), entry => !entry.RemoteTopic.StartsWith(P2PEnvelope.AnnouncementPrefix, StringComparison.Ordinal));
    }

    [Fact]
    public void A_notice_is_passed_below_once_while_cached_and_never_to_a_gateway_above_so_a_cycle_cannot_circle_it()
    {
        var (broker, uplink) = Gateway();
        var below = broker.Connect("gw-below");
        var above = broker.Connect("gw-above");
        Announce(broker, "gw-below", "sensor-1");
        Announce(broker, "gw-above", "app");
        Announce(broker, "gw-above", "sensor-9", payload: "1/gw-a");

        NoticeFromUpstream(broker, uplink, "nobody");
        NoticeFromUpstream(broker, uplink, "nobody");
        Assert.Equal(PublishOutcome.NoMatchingSubscribers, broker.Publish("gw-above", "plant/p2p/nobody", qos: 1));

        Assert.Single(below.Received);
        Assert.Empty(above.Received);
        Assert.Equal(2, broker.Counters.P2PUnreachableNotices);
    }

    [Fact]
    public void A_notice_is_never_routed_as_a_message_nor_sent_up()
    {
        var (broker, uplink) = Gateway();
        var everything = broker.ConnectSubscribed("everything", "#");
        var published = broker.Counters.Published;
        Take(uplink);

        NoticeFromUpstream(broker, uplink, "nobody");

        Assert.Empty(everything.Received);
        Assert.Empty(Take(uplink));
        Assert.Equal(published, broker.Counters.Published);
    }

    [Fact]
    public void A_target_becomes_reachable_again_with_a_session_here_or_a_route_from_below()
    {
        var (broker, uplink) = Gateway();
        broker.Connect("gw-x");
        NoticeFromUpstream(broker, uplink, "roaming");
        NoticeFromUpstream(broker, uplink, "actuator");

        var roaming = broker.Connect("roaming");
        broker.Disconnect(roaming);
        Announce(broker, "gw-x", "actuator");

        Assert.Equal(PublishOutcome.Queued, broker.Publish("sensor", "plant/p2p/roaming", qos: 1));
        Assert.Equal(PublishOutcome.Delivered, broker.Publish("sensor", "plant/p2p/actuator", qos: 1));
        Assert.Equal(0, broker.Counters.P2PDroppedUnreachable);
        Assert.Equal(0, broker.Core.P2PUnreachableCount);
    }

    [Fact]
    public void A_notice_about_a_client_reachable_here_is_counted_and_ignored()
    {
        var (broker, uplink) = Gateway();
        var here = broker.Connect("here");

        NoticeFromUpstream(broker, uplink, "here");

        Assert.Equal(PublishOutcome.Delivered, broker.Publish("sensor", "plant/p2p/here", qos: 1));
        Assert.Single(here.Received);
        Assert.Equal((1, 0), (broker.Counters.P2PUnreachableNotices, broker.Core.P2PUnreachableCount));
    }

    [Fact]
    public void Without_p2p_on_the_uplink_a_notice_is_no_message_of_it()
    {
        Assert.Null(Connected(Federated(false)).Down("plant/p2p/gw-a/unreachable/nobody", [], 0, false));
    }

    [Theory]
    [InlineData("plant/p2p/gw-a/unreachable/nobody", "plant/p2p/nobody")]
    [InlineData("plant/p2p/gw-b/unreachable/nobody", null)]
    [InlineData("plant/p2p/gw-a/unreachable/", null)]
    [InlineData("plant/p2p/gw-a/unreachable/x/y", null)]
    [InlineData("plant/p2p/gw-a/unreachable", null)]
    [InlineData("plant/p2p/gw-a/1/nobody", null)]
    [InlineData("$eb/p2p/gw-a/unreachable/nobody", null)]
    public void The_notice_form_is_read_strictly_and_is_no_envelope(string topic, string? about)
    {
        Assert.Equal(about, P2PEnvelope.UnreachableTarget(topic, "gw-a"));
        Assert.Null(P2PEnvelope.Unwrap("plant/p2p/gw-a/unreachable/nobody", "gw-a", out _, out _));
        Assert.Equal("plant/p2p/gw-a/unreachable/nobody", P2PEnvelope.UnreachableNotice("plant/p2p/nobody", "plant/p2p/".Length, "gw-a"));
    }

    [Fact]
    public void The_cache_forgets_a_target_after_its_time_and_gives_way_nearest_expiry_first_when_full()
    {
        var cache = new UnreachableTargets { TtlMs = 1000, Capacity = 2 };
        cache.Add("a", 0);
        cache.Add("b", 100);

        Assert.True(cache.Contains("a", 0, 1, 999));
        Assert.False(cache.Contains("a", 0, 1, 1000));
        cache.Add("a", 1000);
        cache.Add("c", 1050);

        Assert.False(cache.Contains("xb", 1, 1, 1060));
        Assert.True(cache.Contains("xa", 1, 1, 1060));
        Assert.True(cache.Contains("c", 0, 1, 1060));
        Assert.Equal(2, cache.Count);
    }

    [Fact]
    public void A_cache_of_size_zero_keeps_nothing_so_every_message_goes_up()
    {
        var (broker, uplink) = Gateway();
        broker.Core.P2PUnreachableCacheSize = 0;

        NoticeFromUpstream(broker, uplink, "nobody");

        Assert.Equal(PublishOutcome.Queued, broker.Publish("sensor", "plant/p2p/nobody", qos: 1));
        Assert.Equal(1, broker.Counters.P2PUnreachableNotices);
        Assert.Single(Take(uplink));
    }
}
