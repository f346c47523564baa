using System.Text;
using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Tests.Support;
using EdgeBroker.Core.Uplink;
using static EdgeBroker.Core.Tests.Uplink.UplinkFixture;

namespace EdgeBroker.Core.Tests.Uplink;

/// <summary>
/// A client that moved to another gateway (docs/federation.md, "A client that moves"): announcements say whether it is
/// connected or only has an away session, a connected route wins over an away one whatever the order, and a gateway
/// whose away session's client is connected elsewhere sends its senders' new P2P messages there.
/// </summary>
public class MovedClientTests
{
    static (TestBroker Broker, Core.Uplink.Uplink Uplink) Gateway(string clientId = "gw-a", bool retained = false)
    {
        var settings = Federated(clientId: clientId);
        if (retained)
        {
            settings.P2PRoutes = UplinkP2PRoutes.Retained;
        }

        var broker = new TestBroker();
        var uplink = new Core.Uplink.Uplink(settings, new MemoryUplinkQueueStore(), new SeededRandomSource());
        broker.Core.AddUplink(uplink);
        uplink.NextConnect(0);
        uplink.Connected(0);
        if (retained)
        {
            Learn(uplink, "eb/routes/" + clientId, "1", retained: false);
        }

        Take(uplink);
        return (broker, uplink);
    }

    static void Learn(Core.Uplink.Uplink uplink, string topic, string payload, bool retained = true) =>
        Assert.True(uplink.Learn(topic, Encoding.UTF8.GetBytes(payload), retained, 0));

    /// <summary>The upstream's notice that <paramref name="clientId"/> is connected on another of its gateways.</summary>
    static void ToldConnectedElsewhere(Core.Uplink.Uplink uplink, string clientId) =>
        Learn(uplink, P2PEnvelope.AnnouncementPrefix + clientId, "1", retained: false);

    static List<string> Sent(Core.Uplink.Uplink uplink) =>
        Take(uplink).Select(entry => $"{entry.RemoteTopic}={PayloadOf(entry)}").ToList();

    static List<string> Notices(RecordingConnection gateway) =>
        gateway.Received.Where(d => d.Topic.StartsWith(P2PEnvelope.AnnouncementPrefix, StringComparison.Ordinal))
            .Select(d => $"{d.Topic}={d.Payload}").ToList();

    [Fact]
    public void A_persistent_client_is_announced_connected_then_away_as_it_comes_and_goes()
    {
        var (broker, uplink) = Gateway();
        var mover = broker.Connect("mover", TestBroker.Persistent);
        broker.Disconnect(mover);
        broker.Connect("mover", TestBroker.Persistent, cleanStart: false);
        var transient = broker.Connect("transient");
        broker.Disconnect(transient);

        Assert.Equal(["$eb/route/mover=1", "$eb/route/mover=0", "$eb/route/mover=1", "$eb/route/transient=1", "$eb/route/transient="],
            Sent(uplink));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Upstream_a_client_connected_on_one_gateway_keeps_its_route_when_another_announces_an_away_session_in_either_order(bool awayFirst)
    {
        var cloud = new TestBroker();
        cloud.Connect("gw-a");
        cloud.Connect("gw-b");
        if (awayFirst)
        {
            Announce(cloud, "gw-a", "mover", payload: "0");
            Announce(cloud, "gw-b", "mover", payload: "1");
        }
        else
        {
            Announce(cloud, "gw-b", "mover", payload: "1");
            Announce(cloud, "gw-a", "mover", payload: "0");
        }

        Assert.Equal("gw-b", cloud.Core.FederatedGatewayOf("mover"));
    }

    [Fact]
    public void Upstream_the_most_recent_of_two_connected_or_of_two_away_claims_wins_and_an_old_gateways_1_still_takes_over()
    {
        var cloud = new TestBroker();
        cloud.Connect("gw-a");
        cloud.Connect("gw-b");
        Announce(cloud, "gw-a", "away", payload: "0");
        Announce(cloud, "gw-b", "away", payload: "0");
        Announce(cloud, "gw-b", "twin", payload: "1");
        Announce(cloud, "gw-a", "twin", payload: "1");

        // A gateway that predates the away state says 1 for an away session too: it means what it meant.
        Announce(cloud, "gw-b", "away", payload: "1");
        Announce(cloud, "gw-a", "away", payload: "1");

        Assert.Equal(("gw-a", "gw-a"), (cloud.Core.FederatedGatewayOf("away"), cloud.Core.FederatedGatewayOf("twin")));
    }

    [Fact]
    public void Upstream_a_gateway_whose_client_left_keeps_its_route_as_away_and_shows_no_presence_change()
    {
        var cloud = new TestBroker();
        var monitor = cloud.ConnectSubscribed("monitor", "$SYS/presence/#");
        cloud.Connect("gw-b");
        Announce(cloud, "gw-b", "GID_x@@@mover", payload: "1");
        Announce(cloud, "gw-b", "GID_x@@@mover", payload: "0");
        Announce(cloud, "gw-b", "GID_x@@@mover", payload: "1");

        Assert.Equal("gw-b", cloud.Core.FederatedGatewayOf("GID_x@@@mover"));
        Assert.Single(monitor.Received, d => d.Topic == "$SYS/presence/GID_x/reachable");
    }

    [Fact]
    public void Upstream_tells_a_gateway_with_an_away_session_when_the_client_is_connected_on_another_and_routes_there()
    {
        var cloud = new TestBroker();
        var gatewayA = cloud.Connect("gw-a");
        var gatewayB = cloud.Connect("gw-b");
        Announce(cloud, "gw-a", "mover", payload: "0");
        Announce(cloud, "gw-b", "mover", payload: "1");

        // gw-a restarted: its away session is announced again, refused, and it is told again.
        Announce(cloud, "gw-a", "mover", payload: "0");
        cloud.Publish("app", "plant/p2p/mover", qos: 1, payload: "m");

        Assert.Equal(["$eb/route/mover=1", "$eb/route/mover=1"], Notices(gatewayA));
        Assert.Equal(["plant/p2p/gw-b/1/mover=m"], gatewayB.Received.Select(d => $"{d.Topic}={d.Payload}"));
    }

    [Fact]
    public void Upstream_only_a_gateway_that_said_away_is_ever_told_so_an_older_gateway_gets_no_topic_it_does_not_know()
    {
        var cloud = new TestBroker();
        var older = cloud.Connect("gw-old");
        Announce(cloud, "gw-old", "twin", payload: "1");
        Announce(cloud, "gw-old", "mover", payload: "1");
        cloud.Connect("gw-b");
        Announce(cloud, "gw-b", "twin", payload: "1");
        Announce(cloud, "gw-b", "mover", payload: "0");
        cloud.Connect("mover", TestBroker.Persistent);

        Assert.Empty(Notices(older));
    }

    [Fact]
    public void Upstream_a_client_connecting_to_the_upstream_itself_is_followed_there_by_the_gateway_with_its_away_session()
    {
        var cloud = new TestBroker();
        var gatewayA = cloud.Connect("gw-a");
        Announce(cloud, "gw-a", "mover", payload: "0");
        cloud.Connect("mover", TestBroker.Persistent);

        Assert.Equal(["$eb/route/mover=1"], Notices(gatewayA));
    }

    [Fact]
    public void An_away_session_here_yields_to_the_client_connected_on_a_gateway_below()
    {
        var cloud = new TestBroker();
        cloud.ConnectThenLeave("mover", TestBroker.Persistent);
        var gatewayB = cloud.Connect("gw-b");
        Announce(cloud, "gw-b", "mover", payload: "1");

        Assert.Equal(PublishOutcome.Delivered, cloud.Publish("app", "plant/p2p/mover", qos: 1, payload: "m"));
        Assert.Equal(PublishOutcome.Queued, cloud.Publish("gw-b", "plant/p2p/mover", qos: 1, payload: "from-b"));

        Assert.Equal(["plant/p2p/gw-b/1/mover"], gatewayB.Received.Select(d => d.Topic));
        Assert.Equal(1, cloud.Core.OfflineQueueDepth());
    }

    [Fact]
    public void A_gateway_told_its_away_sessions_client_is_connected_elsewhere_sends_new_messages_up_and_keeps_the_old_ones()
    {
        var (gateway, uplink) = Gateway();
        gateway.ConnectThenLeave("mover", TestBroker.Persistent);
        Assert.Equal(PublishOutcome.Queued, gateway.Publish("sender", "plant/p2p/mover", qos: 1, payload: "before"));
        Take(uplink);

        ToldConnectedElsewhere(uplink, "mover");
        Assert.Equal(PublishOutcome.Queued, gateway.Publish("sender", "plant/p2p/mover", qos: 1, payload: "after"));

        // What comes down for it stays (the upstream routes it here): nothing goes round.
        var down = uplink.Down("plant/p2p/gw-a/1/mover", "down"u8.ToArray(), 1, false)!;
        Assert.Equal(PublishOutcome.Queued, gateway.Core.PublishFromUplink(down));

        Assert.Equal(["plant/p2p/mover=after"], Sent(uplink));
        var back = gateway.Connect("mover", TestBroker.Persistent, cleanStart: false);
        Assert.Equal(["before", "down"], back.Payloads);
        Assert.Equal(1, gateway.Counters.P2PForwardedUp);
    }

    [Fact]
    public void A_moved_client_that_comes_back_is_served_here_again_and_announced_connected()
    {
        var (gateway, uplink) = Gateway();
        gateway.ConnectThenLeave("mover", TestBroker.Persistent);
        ToldConnectedElsewhere(uplink, "mover");
        Take(uplink);

        var back = gateway.Connect("mover", TestBroker.Persistent, cleanStart: false);
        gateway.Disconnect(back);
        Assert.Equal(PublishOutcome.Queued, gateway.Publish("sender", "plant/p2p/mover", qos: 1, payload: "kept"));

        Assert.Equal(["$eb/route/mover=1", "$eb/route/mover=0"], Sent(uplink));
        Assert.Equal(1, gateway.Core.OfflineQueueDepth());
    }

    [Fact]
    public void A_notice_for_a_client_without_a_session_here_changes_nothing()
    {
        var (gateway, uplink) = Gateway();
        var mover = gateway.Connect("mover", TestBroker.Persistent);
        ToldConnectedElsewhere(uplink, "mover");
        ToldConnectedElsewhere(uplink, "stranger");
        Assert.Equal(PublishOutcome.Delivered, gateway.Publish("sender", "plant/p2p/mover", qos: 1, payload: "here"));
        gateway.Disconnect(mover);
        Assert.Equal(PublishOutcome.Queued, gateway.Publish("sender", "plant/p2p/mover", qos: 1, payload: "kept"));

        Assert.Equal(["$eb/route/mover=1", "$eb/route/mover=0"], Sent(uplink));
        Assert.False(gateway.Core.IsConnectedAbove("stranger"));
    }

    [Fact]
    public void Upstream_a_message_from_a_gateway_for_its_own_away_client_goes_back_to_it_rather_than_nowhere()
    {
        var cloud = new TestBroker();
        var gatewayA = cloud.Connect("gw-a");
        Announce(cloud, "gw-a", "mover", payload: "0");

        Assert.Equal(PublishOutcome.Delivered, cloud.Publish("gw-a", "plant/p2p/mover", qos: 1, payload: "m"));

        Assert.Equal(["plant/p2p/gw-a/1/mover=m"], gatewayA.Received.Select(d => $"{d.Topic}={d.Payload}"));
    }

    [Fact]
    public void An_unreachable_notice_for_a_client_marked_connected_elsewhere_serves_it_here_again_and_announces_it()
    {
        var (gateway, uplink) = Gateway();
        gateway.ConnectThenLeave("mover", TestBroker.Persistent);
        ToldConnectedElsewhere(uplink, "mover");
        Take(uplink);

        var notice = uplink.Down("plant/p2p/gw-a/unreachable/mover", [], 0, false)!;
        gateway.Core.PublishFromUplink(notice);
        Assert.Equal(PublishOutcome.Queued, gateway.Publish("sender", "plant/p2p/mover", qos: 1, payload: "kept"));

        Assert.Equal(["$eb/route/mover=0"], Sent(uplink));
        Assert.Equal(1, gateway.Core.OfflineQueueDepth());
    }

    [Fact]
    public void A_middle_tier_told_a_client_below_is_connected_elsewhere_passes_it_on_and_sends_its_own_senders_messages_up()
    {
        var (site, uplink) = Gateway("site-gw");
        var gatewayA = site.Connect("gw-a");
        Take(uplink);
        Announce(site, "gw-a", "mover", payload: "0");
        Assert.Equal(["$eb/route/mover=0/gw-a"], Sent(uplink));

        ToldConnectedElsewhere(uplink, "mover");
        Assert.Equal(PublishOutcome.Queued, site.Publish("sender", "plant/p2p/mover", qos: 1, payload: "s"));
        Assert.Equal(PublishOutcome.Queued, site.Publish("gw-a", "plant/p2p/mover", qos: 1, payload: "a"));

        Assert.Equal(["$eb/route/mover=1"], Notices(gatewayA));
        Assert.Equal(["plant/p2p/mover=s", "plant/p2p/mover=a"], Sent(uplink));
        Assert.DoesNotContain(gatewayA.Received, d => d.Topic.StartsWith("plant/", StringComparison.Ordinal));
    }

    [Fact]
    public void Retained_routes_an_away_session_yields_to_the_client_connected_on_a_peer_and_keeps_what_it_had()
    {
        var (gateway, uplink) = Gateway(retained: true);
        gateway.ConnectThenLeave("mover", TestBroker.Persistent);
        gateway.Publish("sender", "plant/p2p/mover", qos: 1, payload: "before");
        Learn(uplink, "eb/routes/gw-b", "1");
        Learn(uplink, "eb/routes/gw-b/mover", "1");
        Take(uplink);

        Assert.Equal(PublishOutcome.Queued, gateway.Publish("sender", "plant/p2p/mover", qos: 1, payload: "after"));

        Assert.Equal(["plant/p2p/gw-b/1/mover=after"], Sent(uplink));
        Assert.Equal(1, gateway.Core.OfflineQueueDepth());
    }

    [Fact]
    public void Retained_routes_a_client_whose_connection_here_ends_while_a_peer_has_it_connected_follows_it_there()
    {
        var (gateway, uplink) = Gateway(retained: true);
        var stale = gateway.Connect("mover", TestBroker.Persistent);
        Learn(uplink, "eb/routes/gw-b", "1");
        Learn(uplink, "eb/routes/gw-b/mover", "1");
        gateway.Disconnect(stale);
        Take(uplink);

        gateway.Publish("sender", "plant/p2p/mover", qos: 1, payload: "m");

        Assert.Equal(["plant/p2p/gw-b/1/mover=m"], Sent(uplink));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Retained_routes_a_restarted_peer_relearns_the_connected_route_whatever_order_the_upstream_delivers_them(bool awayFirst)
    {
        var (gateway, uplink) = Gateway("gw-c", retained: true);
        Learn(uplink, "eb/routes/gw-a", "1");
        Learn(uplink, "eb/routes/gw-b", "1");
        if (awayFirst)
        {
            Learn(uplink, "eb/routes/gw-a/mover", "0");
            Learn(uplink, "eb/routes/gw-b/mover", "1");
        }
        else
        {
            Learn(uplink, "eb/routes/gw-b/mover", "1");
            Learn(uplink, "eb/routes/gw-a/mover", "0");
        }

        gateway.Publish("sender", "plant/p2p/mover", qos: 1, payload: "m");

        Assert.Equal(["plant/p2p/gw-b/1/mover=m"], Sent(uplink));
    }

    [Fact]
    public void Retained_routes_its_own_route_is_corrected_to_away_after_a_restart()
    {
        var (gateway, uplink) = Gateway(retained: true);
        gateway.ConnectThenLeave("mover", TestBroker.Persistent);
        Take(uplink);

        Learn(uplink, "eb/routes/gw-a/mover", "1");
        Learn(uplink, "eb/routes/gw-a/mover", "0");

        Assert.Equal(["eb/routes/gw-a/mover=0"], Sent(uplink));
    }

    [Fact]
    public void Retained_routes_a_peer_that_withdraws_the_client_leaves_it_to_the_away_session_here()
    {
        var (gateway, uplink) = Gateway(retained: true);
        gateway.ConnectThenLeave("mover", TestBroker.Persistent);
        Learn(uplink, "eb/routes/gw-b", "1");
        Learn(uplink, "eb/routes/gw-b/mover", "1");
        Learn(uplink, "eb/routes/gw-b/mover", "");
        Take(uplink);

        Assert.Equal(PublishOutcome.Queued, gateway.Publish("sender", "plant/p2p/mover", qos: 1, payload: "kept"));

        Assert.Empty(Sent(uplink));
        Assert.Equal(1, gateway.Core.OfflineQueueDepth());
    }
}
