using System.Text;
using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Tests.Support;
using EdgeBroker.Core.Uplink;
using static EdgeBroker.Core.Tests.Uplink.UplinkFixture;

namespace EdgeBroker.Core.Tests.Uplink;

/// <summary>P2P federation (docs/federation.md) as both engines use it: through <see cref="BrokerCore"/>.</summary>
public class P2PFederationTests
{
    static (TestBroker Broker, Core.Uplink.Uplink Uplink) Gateway(bool p2p = true)
    {
        var broker = new TestBroker();
        var uplink = new Core.Uplink.Uplink(Federated(p2p), new MemoryUplinkQueueStore(), new SeededRandomSource());
        broker.Core.AddUplink(uplink);
        return (broker, uplink);
    }

    /// <summary>Announcements taken from the uplink: "{clientId}+" (own client), "{clientId}+{path}", "{clientId}-" (gone).</summary>
    static List<string> Announcements(Core.Uplink.Uplink uplink) => Take(uplink)
        .Where(entry => entry.RemoteTopic.StartsWith(P2PEnvelope.AnnouncementPrefix, StringComparison.Ordinal))
        .Select(entry => entry.RemoteTopic[P2PEnvelope.AnnouncementPrefix.Length..]
            + (entry.Payload.Length > 0 ? "+" + Encoding.UTF8.GetString(entry.Payload)[1..].TrimStart('/') : "-"))
        .ToList();

    [Fact]
    public void Off_a_P2P_message_for_an_unknown_client_is_dropped_as_before()
    {
        var (broker, uplink) = Gateway(p2p: false);
        uplink.NextConnect(0);
        uplink.Connected(0);

        Assert.Equal(PublishOutcome.NoMatchingSubscribers, broker.Publish("sensor", "app/p2p/nobody", qos: 1));
        Assert.Empty(Take(uplink));
        Assert.Equal(1, broker.Counters.P2PDroppedNoSession);
    }

    [Fact]
    public void On_a_P2P_message_for_a_client_not_here_goes_up_unchanged_and_a_local_persistent_session_keeps_its_own()
    {
        var (broker, uplink) = Gateway();
        broker.ConnectThenLeave("away", TestBroker.Persistent);
        uplink.NextConnect(0);
        uplink.Connected(0);
        Take(uplink);

        Assert.Equal(PublishOutcome.Queued, broker.Publish("sensor", "app/p2p/elsewhere", qos: 2, payload: "x"));
        Assert.Equal(PublishOutcome.Queued, broker.Publish("sensor", "app/p2p/away", qos: 1, payload: "kept"));

        var entry = Assert.Single(Take(uplink));
        Assert.Equal(("app/p2p/elsewhere", "x", 1), (entry.RemoteTopic, PayloadOf(entry), entry.Qos));
        Assert.Equal(1, broker.Counters.P2PForwardedUp);
        Assert.Equal(1, broker.Counters.P2PQueued);
    }

    [Fact]
    public void With_p2p_on_forward_rules_do_not_send_P2P_addresses_up_a_second_time()
    {
        var settings = Federated();
        settings.AddRule(UplinkRule.Forward("#", 1));
        var broker = new TestBroker();
        var uplink = Connected(settings);
        broker.Core.AddUplink(uplink);
        broker.Connect("here");

        broker.Publish("sensor", "app/p2p/here", qos: 1);
        broker.Publish("sensor", "app/p2p/elsewhere", qos: 1);

        Assert.Equal(new[] { "$eb/route/here", "app/p2p/elsewhere" }, Take(uplink).Select(entry => entry.RemoteTopic));
    }

    [Fact]
    public void An_announced_client_gets_its_messages_wrapped_for_its_gateway_and_never_back_to_the_sender_gateway()
    {
        var broker = new TestBroker();
        var gatewayB = broker.Connect("gw-b");
        Announce(broker, "gw-b", "actuator");

        Assert.Equal(PublishOutcome.Delivered, broker.Publish("app", "plant/p2p/actuator", qos: 1, payload: "on"));
        Assert.Equal(PublishOutcome.NoMatchingSubscribers, broker.Publish("gw-b", "plant/p2p/actuator", qos: 1, payload: "loop"));

        var delivery = Assert.Single(gatewayB.Received);
        Assert.Equal(("plant/p2p/gw-b/1/actuator", "on", 1), (delivery.Topic, delivery.Payload, delivery.Qos));
        Assert.Equal(1, broker.Counters.P2PWrapped);
    }

    [Fact]
    public void A_route_is_removed_only_by_the_gateway_that_holds_it_and_a_local_session_always_wins()
    {
        var broker = new TestBroker();
        var gatewayB = broker.Connect("gw-b");
        var gatewayC = broker.Connect("gw-c");
        Announce(broker, "gw-b", "actuator");
        Announce(broker, "gw-c", "actuator", reachable: false);
        broker.Publish("app", "plant/p2p/actuator", qos: 1, payload: "1");
        Announce(broker, "gw-c", "actuator");
        broker.Publish("app", "plant/p2p/actuator", qos: 1, payload: "2");
        var local = broker.Connect("actuator");
        broker.Publish("app", "plant/p2p/actuator", qos: 1, payload: "3");

        Assert.Equal(new[] { "1" }, gatewayB.Payloads);
        Assert.Equal(new[] { "2" }, gatewayC.Payloads);
        Assert.Equal(new[] { "3" }, local.Payloads);
    }

    [Fact]
    public void An_envelope_for_this_gateway_is_unwrapped_and_delivered_locally_and_never_goes_back_up()
    {
        var (broker, uplink) = Gateway();
        uplink.NextConnect(0);
        uplink.Connected(0);
        var actuator = broker.Connect("actuator");
        Take(uplink);

        var forActuator = uplink.Down("plant/p2p/gw-a/2/actuator", "on"u8.ToArray(), 1, false)!;
        var forNobody = uplink.Down("plant/p2p/gw-a/2/nobody", "lost"u8.ToArray(), 1, false)!;
        Assert.Equal(PublishOutcome.Delivered, broker.Core.PublishFromUplink(forActuator));
        Assert.Equal(PublishOutcome.NoMatchingSubscribers, broker.Core.PublishFromUplink(forNobody));

        Assert.Equal(("plant/p2p/actuator", "on"), (actuator.Received.Single().Topic, actuator.Received.Single().Payload));
        Assert.Equal(2, forActuator.Hops);
        Assert.Empty(Take(uplink));
        Assert.Null(uplink.Down("plant/p2p/gw-other/2/actuator", [], 1, false));
    }

    [Fact]
    public void Beyond_the_maximum_hop_count_a_message_is_dropped_and_counted()
    {
        var broker = new TestBroker();
        var gatewayB = broker.Connect("gw-b");
        Announce(broker, "gw-b", "actuator");
        broker.Core.Routes.MaxHops = 2;

        var tired = new RoutedMessage("plant/p2p/actuator", "x"u8.ToArray(), 1, false) { Hops = 2 };
        Assert.Equal(PublishOutcome.NoMatchingSubscribers, broker.Core.Publish("app", tired));

        Assert.Empty(gatewayB.Received);
        Assert.Equal(1, broker.Counters.P2PDroppedHops);
    }

    [Fact]
    public void A_connecting_uplink_announces_every_reachable_client_first_then_each_change()
    {
        var (broker, uplink) = Gateway();
        broker.Connect("sensor");
        broker.ConnectThenLeave("away", TestBroker.Persistent);
        broker.Connect("gw-below");
        Announce(broker, "gw-below", "deep");

        uplink.NextConnect(0);
        uplink.Connected(0);
        Assert.Equal(new[] { "away+", "deep+gw-below", "gw-below+", "sensor+" }, Announcements(uplink).Order());

        var transient = broker.Connect("transient");
        broker.Disconnect(transient);
        Announce(broker, "gw-below", "deeper", payload: "1/gw-x");
        Announce(broker, "gw-below", "deep", reachable: false);
        Assert.Equal(new[] { "transient+", "transient-", "deeper+gw-below/gw-x", "deep-" }, Announcements(uplink));
    }

    [Fact]
    public void Routes_are_bounded_a_further_client_is_refused_and_counted_while_kept_ones_still_change()
    {
        var broker = new TestBroker();
        broker.Connect("gw-b");
        broker.Connect("gw-c");
        broker.Core.Routes.Capacity = 2;
        Announce(broker, "gw-b", "one");
        Announce(broker, "gw-b", "two");
        Announce(broker, "gw-b", "three");
        Announce(broker, "gw-c", "two");

        Assert.Equal((2, 1), (broker.Core.Routes.Count, broker.Core.Routes.Refused));
        Assert.Null(broker.Core.Routes.GatewayFor("three"));
        Assert.Equal("gw-c", broker.Core.Routes.GatewayFor("two"));
    }

    [Fact]
    public void Each_route_change_is_a_gateway_level_presence_event_and_a_repeat_is_none()
    {
        var broker = new TestBroker();
        var monitor = broker.ConnectSubscribed("monitor", "$SYS/presence/#");
        broker.Connect("site-gw");
        Announce(broker, "site-gw", "GID_x@@@sensor", payload: "1/gw-a");
        Announce(broker, "site-gw", "GID_x@@@sensor", payload: "1/gw-a");
        Announce(broker, "site-gw", "GID_x@@@sensor", reachable: false);

        var events = monitor.Received.Where(delivery => delivery.Topic.EndsWith("reachable", StringComparison.Ordinal)).ToList();
        Assert.Equal(new[] { "$SYS/presence/GID_x/reachable", "$SYS/presence/GID_x/unreachable" }, events.Select(e => e.Topic));
        Assert.Contains("\"gateway\":\"site-gw/gw-a\"", events[0].Payload);
        Assert.Contains("\"clientId\":\"GID_x@@@sensor\"", events[1].Payload);
    }

    [Fact]
    public void Announcements_from_a_client_without_a_live_connection_change_nothing()
    {
        var broker = new TestBroker();
        Announce(broker, "ghost", "actuator");

        Assert.Equal(0, broker.Core.Routes.Count);
    }

    [Theory]
    [InlineData("plant/p2p/gw-a/3/actuator", "plant/p2p/actuator", 3, null)]
    [InlineData("plant/p2p/gw-a/3/gw-x/gw-y/actuator", "plant/p2p/actuator", 3, "gw-x/gw-y")]
    [InlineData("plant/p2p/gw-a/x/actuator", null, 0, null)]
    [InlineData("plant/p2p/gw-a//actuator", null, 0, null)]
    [InlineData("plant/p2p/gw-a/3/", null, 0, null)]
    [InlineData("plant/p2p/gw-a/3/gw-x//actuator", null, 0, null)]
    [InlineData("plant/p2p/gw-a", null, 0, null)]
    [InlineData("$SYS/p2p/gw-a/3/actuator", null, 0, null)]
    [InlineData("plant/p2p/gw-ab/3/actuator", null, 0, null)]
    public void The_envelope_form_is_read_strictly(string topic, string? inner, int hops, string? via)
    {
        Assert.Equal(inner, P2PEnvelope.Unwrap(topic, "gw-a", out var readHops, out var readVia));
        Assert.Equal((hops, via), inner is null ? (0, null) : (readHops, readVia));
    }

    [Theory]
    [InlineData("1", "", true)]
    [InlineData("0", "", false)]
    [InlineData("1/gw-a", "gw-a", true)]
    [InlineData("0/gw-a/gw-x", "gw-a/gw-x", false)]
    [InlineData("", null, false)]
    [InlineData("2", null, false)]
    [InlineData("10", null, false)]
    [InlineData("1/", null, false)]
    [InlineData("0//gw-a", null, false)]
    [InlineData("1/gw-a//gw-x", null, false)]
    [InlineData("1/gw-#", null, false)]
    public void Announcements_are_read_strictly(string payload, string? path, bool connected)
    {
        var bytes = Encoding.UTF8.GetBytes(payload);
        var route = P2PEnvelope.AnnouncedRoute(bytes, 0, bytes.Length);

        Assert.Equal(path, route is null ? null : P2PEnvelope.PathOf(route));
        Assert.Equal(connected, route is not null && P2PEnvelope.IsConnected(route));
        Assert.Equal(route is null ? "" : payload, Encoding.UTF8.GetString(P2PEnvelope.AnnouncementPayload(route)));
    }

    [Fact]
    public void Wrapping_and_unwrapping_are_inverse()
    {
        var topic = "plant/p2p/GID_x@@@dev-1";
        var wrapped = P2PEnvelope.Wrap(topic, "plant/p2p/".Length, "GID_gw@@@site/gw-a", 4);

        Assert.Equal("plant/p2p/GID_gw@@@site/4/gw-a/GID_x@@@dev-1", wrapped);
        Assert.Equal(topic, P2PEnvelope.Unwrap(wrapped, "GID_gw@@@site", out var hops, out var via));
        Assert.Equal((4, "gw-a"), (hops, via));
    }

    [Fact]
    public void A_route_through_several_tiers_travels_in_the_envelope_so_the_middle_tier_needs_no_table()
    {
        var cloud = new TestBroker();
        var site = cloud.Connect("site-gw");
        Announce(cloud, "site-gw", "sensor", payload: "1/gw-a");
        cloud.Publish("app", "plant/p2p/sensor", qos: 1, payload: "hello");
        var envelope = Assert.Single(site.Received);
        Assert.Equal("plant/p2p/site-gw/1/gw-a/sensor", envelope.Topic);

        // The site gateway, just restarted: no routes yet, only its gateway's persistent session.
        var (middle, uplink) = Gateway();
        middle.Core.UplinkAt(0).Settings.ClientId = "site-gw";
        middle.ConnectThenLeave("gw-a", TestBroker.Persistent);
        var down = uplink.Down(envelope.Topic, Encoding.UTF8.GetBytes(envelope.Payload), 1, false)!;

        Assert.Equal(PublishOutcome.Queued, middle.Core.PublishFromUplink(down));
        Assert.Equal(0, middle.Core.Routes.Count);
        var gatewayA = middle.Connect("gw-a", TestBroker.Persistent, cleanStart: false);
        Assert.Equal("plant/p2p/gw-a/2/sensor", Assert.Single(gatewayA.Received).Topic);
    }

    [Fact]
    public void The_P2P_payload_is_unchanged_by_wrapping()
    {
        var broker = new TestBroker();
        var gateway = broker.Connect("gw-b");
        Announce(broker, "gw-b", "actuator");
        var payload = Encoding.UTF8.GetBytes("borrowed-slice");
        broker.Core.Publish("app", new RoutedMessage("plant/p2p/actuator", payload, 1, false) { PayloadOffset = 9, PayloadLength = 5, IsBorrowed = true });

        Assert.Equal("slice", gateway.Received.Single().Payload);
    }

    [Fact]
    public void A_route_leading_back_through_this_broker_reveals_a_cycle_of_uplinks_whose_messages_never_go_up_again()
    {
        var (broker, uplink) = Gateway();
        uplink.NextConnect(0);
        uplink.Connected(0);
        broker.Connect("gw-b");
        var cycles = new List<string>();
        broker.Core.CycleOfUplinks = (gateway, path) => cycles.Add(gateway + " via " + path);
        Take(uplink);

        Announce(broker, "gw-b", "sensor-1", payload: "1/gw-a");
        Announce(broker, "gw-b", "sensor-2", payload: "1/site/gw-a/gw-x");
        var fromAbove = broker.Publish("gw-b", "plant/p2p/nobody", qos: 1);
        var fromHere = broker.Publish("sensor", "plant/p2p/nobody", qos: 1);

        Assert.Equal(new[] { "gw-b via gw-a" }, cycles);
        Assert.Null(broker.Core.FederatedGatewayOf("sensor-1"));
        Assert.Equal((PublishOutcome.NoMatchingSubscribers, PublishOutcome.Queued), (fromAbove, fromHere));
        Assert.Equal(new[] { "plant/p2p/nobody" }, Take(uplink).Select(entry => entry.RemoteTopic));
        Assert.Equal(1, broker.Counters.P2PDroppedLoop);
    }

    // With retained routes (an upstream that is not an EdgeBroker), a queued P2P message is addressed when it leaves the
    // queue, with the routes of the connection it goes on: a gateway restarted while the upstream was down knows no
    // routes when it queues (docs/federation.md, "Through any upstream").

    static UplinkSettings RetainedFederated(string clientId = "gw-a")
    {
        var settings = Federated(clientId: clientId);
        settings.P2PRoutes = UplinkP2PRoutes.Retained;
        settings.AddRule(UplinkRule.Forward("data/#", 1));
        return settings;
    }

    /// <summary>A gateway just started on <paramref name="store"/> (what it queued before a restart), its uplink not
    /// connected.</summary>
    static (TestBroker Broker, Core.Uplink.Uplink Uplink) RestartedGateway(IUplinkQueueStore store)
    {
        var broker = new TestBroker();
        var uplink = new Core.Uplink.Uplink(RetainedFederated(), store, new SeededRandomSource());
        broker.Core.AddUplink(uplink);
        return (broker, uplink);
    }

    static void LearnRetained(Core.Uplink.Uplink uplink, string topic, string payload, bool retained = true, long nowMs = 0) =>
        Assert.True(uplink.Learn(topic, Encoding.UTF8.GetBytes(payload), retained, nowMs));

    /// <summary>The upstream delivers gateway B's retained status and its route to <paramref name="clientId"/>.</summary>
    static void RoutesOfB(Core.Uplink.Uplink uplink, string clientId = "act9", long nowMs = 0)
    {
        LearnRetained(uplink, "eb/routes/gw-b", "1", nowMs: nowMs);
        LearnRetained(uplink, "eb/routes/gw-b/" + clientId, "1", nowMs: nowMs);
    }

    static List<string> Queued(Core.Uplink.Uplink uplink, long nowMs) =>
        Take(uplink, nowMs).Where(entry => !entry.RemoteTopic.StartsWith("eb/routes/", StringComparison.Ordinal))
            .Select(entry => $"{entry.RemoteTopic}={PayloadOf(entry)}").ToList();

    [Fact]
    public void Retained_routes_a_message_queued_after_a_restart_while_the_upstream_was_down_goes_to_the_targets_gateway_once_the_routes_arrived()
    {
        var store = new MemoryUplinkQueueStore();
        var (broker, uplink) = RestartedGateway(store);
        for (var i = 1; i <= 3; i++)
        {
            Assert.Equal(PublishOutcome.Queued, broker.Publish("sender", "plant/p2p/act9", qos: 1, payload: i.ToString()));
        }

        Assert.Equal([0, 0, 0], Stored(store).Select(entry => entry.P2PHops));
        Assert.Equal(["plant/p2p/act9", "plant/p2p/act9", "plant/p2p/act9"], Stored(store).Select(entry => entry.RemoteTopic));

        uplink.NextConnect(1_000);
        uplink.Connected(1_000);
        Assert.Equal(["eb/routes/gw-a"], Take(uplink, 1_000).Select(entry => entry.RemoteTopic));

        // The routes come in; the queue still waits for the echo of this gateway's status, which follows them all.
        RoutesOfB(uplink, nowMs: 1_010);
        LearnRetained(uplink, "eb/routes/gw-a", "1", retained: true, nowMs: 1_010);
        Assert.Empty(Queued(uplink, 1_010));
        Assert.True(uplink.RoutesWaitRemainingMs(1_010) > 0);

        LearnRetained(uplink, "eb/routes/gw-a", "1", retained: false, nowMs: 1_020);
        Assert.Equal(["plant/p2p/gw-b/1/act9=1", "plant/p2p/gw-b/1/act9=2", "plant/p2p/gw-b/1/act9=3"], Queued(uplink, 1_020));
        Assert.Equal(0, uplink.RoutesWaitRemainingMs(1_020));
        Assert.Equal(0, uplink.P2PUnroutedCount);
    }

    [Fact]
    public void Retained_routes_entries_behind_a_waiting_P2P_message_wait_too_and_those_before_it_go()
    {
        var (broker, uplink) = RestartedGateway(new MemoryUplinkQueueStore());
        broker.Publish("sender", "data/1", qos: 1, payload: "a");
        broker.Publish("sender", "plant/p2p/act9", qos: 1, payload: "b");
        broker.Publish("sender", "data/2", qos: 1, payload: "c");
        uplink.NextConnect(0);
        uplink.Connected(0);

        Assert.Equal(["data/1=a"], Queued(uplink, 0));
        RoutesOfB(uplink);
        LearnRetained(uplink, "eb/routes/gw-a", "1", retained: false);

        Assert.Equal(["plant/p2p/gw-b/1/act9=b", "data/2=c"], Queued(uplink, 0));
    }

    [Fact]
    public void Retained_routes_an_upstream_that_never_echoes_holds_the_queue_at_most_RoutesWaitMs()
    {
        var (broker, uplink) = RestartedGateway(new MemoryUplinkQueueStore());
        broker.Publish("sender", "plant/p2p/act9", qos: 1, payload: "x");
        uplink.NextConnect(5_000);
        uplink.Connected(5_000);
        RoutesOfB(uplink, nowMs: 5_000);

        Assert.Empty(Queued(uplink, 5_000 + Core.Uplink.Uplink.RoutesWaitMs - 1));
        Assert.Equal(1, uplink.RoutesWaitRemainingMs(5_000 + Core.Uplink.Uplink.RoutesWaitMs - 1));
        Assert.Equal(["plant/p2p/gw-b/1/act9=x"], Queued(uplink, 5_000 + Core.Uplink.Uplink.RoutesWaitMs));
    }

    [Fact]
    public void Retained_routes_a_target_no_gateway_announced_goes_up_plainly_once_the_routes_are_known_counted_and_reported()
    {
        var (broker, uplink) = RestartedGateway(new MemoryUplinkQueueStore());
        var reported = new List<(string Topic, long Total)>();
        uplink.P2PUnrouted = (_, topic, total) => reported.Add((topic, total));
        broker.Publish("sender", "plant/p2p/app", qos: 1, payload: "1");
        broker.Publish("sender", "plant/p2p/act9", qos: 1, payload: "2");
        broker.Publish("sender", "plant/p2p/app", qos: 1, payload: "3");
        uplink.NextConnect(0);
        uplink.Connected(0);
        RoutesOfB(uplink);
        LearnRetained(uplink, "eb/routes/gw-a", "1", retained: false);

        Assert.Equal(["plant/p2p/app=1", "plant/p2p/gw-b/1/act9=2", "plant/p2p/app=3"], Queued(uplink, 0));
        Assert.Equal(2, uplink.P2PUnroutedCount);
        Assert.Equal([("plant/p2p/app", 1L), ("plant/p2p/app", 2L)], reported);
    }

    [Fact]
    public void Retained_routes_the_envelope_counts_the_hops_the_message_had_when_it_was_queued_and_a_resend_keeps_its_address()
    {
        var store = new MemoryUplinkQueueStore();
        var (broker, uplink) = RestartedGateway(store);
        var fromBelow = new RoutedMessage("plant/p2p/act9", "x"u8.ToArray(), 1, false) { Hops = 2 };
        Assert.Equal(UplinkOfferOutcome.Queued, uplink.OfferP2P(fromBelow, 0));
        uplink.NextConnect(0);
        uplink.Connected(0);
        RoutesOfB(uplink);
        LearnRetained(uplink, "eb/routes/gw-a", "1", retained: false);
        Assert.Equal(["plant/p2p/gw-b/3/act9=x"], Queued(uplink, 0));

        // Lost before its PUBACK: resent first on the next connection, as addressed, without waiting for the routes.
        uplink.ConnectionLost("test", 0);
        uplink.NextConnect(60_000);
        uplink.Connected(60_000);
        var resent = Assert.Single(Take(uplink, 60_000), entry => entry.Duplicate);
        Assert.Equal("plant/p2p/gw-b/3/act9", resent.RemoteTopic);
        Assert.Equal(UplinkEntry.SizeOf("plant/p2p/act9", 1, null), resent.Size);
        uplink.Acknowledged(resent.Sequence);
        Assert.Equal(0, store.Count("cloud"));
        Assert.Equal(0, store.Bytes("cloud"));
    }

    [Fact]
    public void With_an_EdgeBroker_upstream_a_queued_P2P_message_goes_up_plainly_at_once_for_the_upstream_to_route()
    {
        var store = new MemoryUplinkQueueStore();
        var broker = new TestBroker();
        var uplink = new Core.Uplink.Uplink(Federated(), store, new SeededRandomSource());
        broker.Core.AddUplink(uplink);
        broker.Publish("sender", "plant/p2p/act9", qos: 1, payload: "x");
        Assert.Equal(UplinkEntry.NotP2P, Assert.Single(Stored(store)).P2PHops);

        uplink.NextConnect(0);
        uplink.Connected(0);

        Assert.Equal(["plant/p2p/act9=x"], Take(uplink, 0).Where(entry => !entry.RemoteTopic.StartsWith('$')).Select(entry => $"{entry.RemoteTopic}={PayloadOf(entry)}"));
        Assert.Equal(0, uplink.RoutesWaitRemainingMs(0));
    }

    static List<UplinkEntry> Stored(IUplinkQueueStore store)
    {
        var into = new System.Collections.ArrayList();
        store.Read("cloud", 0, 100, into);
        return into.Cast<UplinkEntry>().ToList();
    }
}
