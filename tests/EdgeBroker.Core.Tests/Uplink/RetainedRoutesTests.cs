using System.Text;
using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Tests.Support;
using EdgeBroker.Core.Uplink;
using static EdgeBroker.Core.Tests.Uplink.UplinkFixture;

namespace EdgeBroker.Core.Tests.Uplink;

/// <summary>P2P federation through an upstream that is not an EdgeBroker (docs/federation.md, "Through any upstream"):
/// retained routes, learnt from the other gateways, and the envelope sent up to the gateway that hosts the target.</summary>
public class RetainedRoutesTests
{
    static (TestBroker Broker, Core.Uplink.Uplink Uplink) Gateway(string clientId = "gw-a", int maxRoutes = 100, int graceSeconds = 60)
    {
        var settings = new UplinkSettings("cloud")
        {
            ClientId = clientId, P2P = true, P2PRoutes = UplinkP2PRoutes.Retained, P2PMaxRoutes = maxRoutes, P2PRoutesGraceSeconds = graceSeconds,
        };
        settings.AddAddress(UplinkAddress.Parse("mqtt://upstream:1883"));
        var broker = new TestBroker();
        var uplink = new Core.Uplink.Uplink(settings, new MemoryUplinkQueueStore(), new SeededRandomSource());
        broker.Core.AddUplink(uplink);
        uplink.NextConnect(0);
        uplink.Connected(0);
        RoutesArrived(uplink);
        return (broker, uplink);
    }

    static bool Learn(Core.Uplink.Uplink uplink, string topic, string payload, long nowMs = 0) =>
        uplink.Learn(topic, Encoding.UTF8.GetBytes(payload), nowMs);

    /// <summary>The upstream echoes the status the gateway published after subscribing (live, not retained): every
    /// retained route came before it.</summary>
    static void RoutesArrived(Core.Uplink.Uplink uplink, long nowMs = 0) =>
        Assert.True(uplink.Learn("eb/routes/" + uplink.Settings.ClientId, "1"u8.ToArray(), false, nowMs));

    static string Describe(UplinkEntry entry) => $"{entry.RemoteTopic}={PayloadOf(entry)}{(entry.Retain ? " r" : "")}";

    [Fact]
    public void A_connecting_gateway_publishes_its_status_then_its_clients_retained_and_subscribes_to_routes_and_its_envelopes()
    {
        var (broker, uplink) = Gateway();
        var sensor = broker.Connect("sensor-1");
        uplink.ConnectionLost("test", 0);
        uplink.NextConnect(10_000);
        uplink.Connected(10_000);

        Assert.Equal(["eb/routes/gw-a=1 r", "eb/routes/gw-a/sensor-1=1 r"], Take(uplink).Select(Describe));
        Assert.Equal("eb/routes/gw-a", uplink.WillTopic);
        // Never empty: M2Mqtt (the device's transport) refuses an empty will under MQTT 3.1.1.
        Assert.Equal("0", System.Text.Encoding.UTF8.GetString(uplink.WillPayload));
        Assert.Equal(["eb/routes/#", "+/p2p/gw-a/#"], uplink.P2PFilters());

        broker.Disconnect(sensor);
        Assert.Equal(["eb/routes/gw-a/sensor-1= r"], Take(uplink).Select(Describe));
    }

    [Fact]
    public void A_client_ID_that_cannot_be_a_topic_level_is_never_announced_so_the_upstream_never_sees_an_invalid_topic()
    {
        var (broker, uplink) = Gateway();
        broker.Connect("a+b");
        broker.Connect("a/b");
        broker.Connect("ok");
        uplink.ConnectionLost("test", 0);
        uplink.NextConnect(10_000);
        uplink.Connected(10_000);

        Assert.Equal(["eb/routes/gw-a=1 r", "eb/routes/gw-a/ok=1 r"], Take(uplink).Select(Describe));
    }

    [Fact]
    public void A_message_for_a_client_of_another_gateway_goes_up_as_the_envelope_addressed_to_that_gateway()
    {
        var (broker, uplink) = Gateway();
        Take(uplink);
        Assert.True(Learn(uplink, "eb/routes/gw-b", "1"));
        Assert.True(Learn(uplink, "eb/routes/gw-b/actuator-9", "1"));
        Assert.True(Learn(uplink, "eb/routes/gw-c/far", "1/gw-d"));
        Assert.True(Learn(uplink, "eb/routes/gw-c", "1"));

        Assert.Equal(PublishOutcome.Queued, broker.Publish("sensor-1", "plant/p2p/actuator-9", qos: 2, payload: "open"));
        Assert.Equal(PublishOutcome.Queued, broker.Publish("sensor-1", "plant/p2p/far", qos: 1, payload: "x"));
        Assert.Equal(PublishOutcome.Queued, broker.Publish("sensor-1", "plant/p2p/app", qos: 1, payload: "plain"));

        Assert.Equal([("plant/p2p/gw-b/1/actuator-9", "open", 1), ("plant/p2p/gw-c/1/gw-d/far", "x", 1), ("plant/p2p/app", "plain", 1)],
            Take(uplink).Select(entry => (entry.RemoteTopic, PayloadOf(entry), entry.Qos)));
        Assert.Equal("gw-b", broker.Core.PeerGatewayOf("actuator-9"));
    }

    [Fact]
    public void An_envelope_from_a_peer_is_unwrapped_and_delivered_and_a_target_not_here_is_dropped_not_sent_back_up()
    {
        var (broker, uplink) = Gateway("gw-b");
        var actuator = broker.Connect("actuator-9");
        Take(uplink);

        Assert.Equal(PublishOutcome.Delivered, broker.Core.PublishFromUplink(uplink.Down("plant/p2p/gw-b/1/actuator-9", "open"u8.ToArray(), 1, false)!));
        Assert.Equal(PublishOutcome.NoMatchingSubscribers, broker.Core.PublishFromUplink(uplink.Down("plant/p2p/gw-b/1/left", "x"u8.ToArray(), 1, false)!));

        Assert.Equal("plant/p2p/actuator-9", Assert.Single(actuator.Received).Topic);
        Assert.Empty(Take(uplink));
    }

    [Fact]
    public void A_withdrawn_route_is_forgotten_and_a_message_for_that_client_goes_up_plainly_not_to_its_old_gateway()
    {
        var (broker, uplink) = Gateway();
        Learn(uplink, "eb/routes/gw-b", "1");
        Learn(uplink, "eb/routes/gw-b/actuator-9", "1");
        Learn(uplink, "eb/routes/gw-b/actuator-9", "");
        Take(uplink);

        broker.Publish("sensor-1", "plant/p2p/actuator-9", qos: 1);

        Assert.Equal("plant/p2p/actuator-9", Assert.Single(Take(uplink)).RemoteTopic);
        Assert.Null(broker.Core.PeerGatewayOf("actuator-9"));
    }

    [Fact]
    public void Of_two_gateways_claiming_one_client_the_latest_wins_and_only_the_holder_withdraws_it()
    {
        var (_, uplink) = Gateway();
        Learn(uplink, "eb/routes/gw-b", "1");
        Learn(uplink, "eb/routes/gw-c", "1");
        Learn(uplink, "eb/routes/gw-b/twin", "1");
        Learn(uplink, "eb/routes/gw-c/twin", "1");
        Assert.Equal("gw-c", uplink.PeerGatewayOf("twin"));

        Learn(uplink, "eb/routes/gw-b/twin", "");
        Assert.Equal("gw-c", uplink.PeerGatewayOf("twin"));
        Learn(uplink, "eb/routes/gw-c/twin", "");
        Assert.Null(uplink.PeerGatewayOf("twin"));
    }

    [Fact]
    public void The_routes_of_a_gateway_that_went_offline_are_used_through_the_grace_then_forgotten()
    {
        var (_, uplink) = Gateway(graceSeconds: 60);
        Learn(uplink, "eb/routes/gw-b", "1", 0);
        Learn(uplink, "eb/routes/gw-b/actuator-9", "1", 0);
        Learn(uplink, "eb/routes/gw-b", "0", 1_000);

        Assert.Equal("plant/p2p/gw-b/1/actuator-9", Offered(uplink, 61_000));
        Assert.Equal("plant/p2p/actuator-9", Offered(uplink, 61_001));

        // A gateway from before the offline marker deletes its status with an empty will: offline the same way.
        Learn(uplink, "eb/routes/gw-c", "1", 100_000);
        Learn(uplink, "eb/routes/gw-c/valve-2", "1", 100_000);
        Learn(uplink, "eb/routes/gw-c", "", 101_000);
        Assert.Equal("plant/p2p/gw-c/1/valve-2", Offered(uplink, 161_000, "valve-2"));
        Assert.Equal("plant/p2p/valve-2", Offered(uplink, 161_001, "valve-2"));

        // Routes whose gateway's status never arrived (a gateway that died long ago) expire the same way.
        Learn(uplink, "eb/routes/gw-x/old", "1", 100_000);
        Assert.Equal("plant/p2p/gw-x/1/old", Offered(uplink, 160_000, "old"));
        Assert.Equal("plant/p2p/old", Offered(uplink, 160_001, "old"));
    }

    /// <summary>The upstream topic a P2P message for <paramref name="target"/> goes up under when it is taken at
    /// <paramref name="monotonicMs"/> (the interval clock) and was queued at <paramref name="wallMs"/> (the wall clock;
    /// the same reading unless a test says otherwise).</summary>
    static string Offered(Core.Uplink.Uplink uplink, long monotonicMs, string target = "actuator-9", long? wallMs = null)
    {
        Take(uplink, monotonicMs);
        Assert.Equal(UplinkOfferOutcome.Queued, uplink.OfferP2P(Message("plant/p2p/" + target), wallMs ?? monotonicMs));
        return Assert.Single(Take(uplink, monotonicMs)).RemoteTopic;
    }

    /// <summary>About 56 years: the device's wall clock starts near 1970 and SNTP steps it to now.</summary>
    const long SntpStepMs = 56L * 365 * 24 * 3600 * 1000;

    [Theory]
    [InlineData(SntpStepMs)]
    [InlineData(-SntpStepMs)]
    public void A_wall_clock_step_neither_ends_nor_stretches_the_grace_of_an_offline_gateways_routes(long stepMs)
    {
        var (_, uplink) = Gateway(graceSeconds: 60);
        Learn(uplink, "eb/routes/gw-b", "1", 0);
        Learn(uplink, "eb/routes/gw-b/actuator-9", "1", 0);
        Learn(uplink, "eb/routes/gw-b", "0", 1_000);
        long stepped = Clock.NowMs() + stepMs;

        Assert.Equal("plant/p2p/gw-b/1/actuator-9", Offered(uplink, 2_000, wallMs: stepped));
        Assert.Equal("plant/p2p/gw-b/1/actuator-9", Offered(uplink, 61_000, wallMs: stepped));
        Assert.Equal("plant/p2p/actuator-9", Offered(uplink, 61_001, wallMs: stepped));
    }

    [Fact]
    public void The_cores_own_route_lookups_read_the_interval_clock_the_engines_learn_routes_on()
    {
        var (broker, uplink) = Gateway(graceSeconds: 60);
        Take(uplink, Clock.MonotonicMs());
        Learn(uplink, "eb/routes/gw-b", "1", Clock.MonotonicMs());
        Learn(uplink, "eb/routes/gw-b/actuator-9", "1", Clock.MonotonicMs());
        Learn(uplink, "eb/routes/gw-b", "0", Clock.MonotonicMs());

        // Offline, within its grace: the router still sends its clients' messages to it.
        Assert.Equal("gw-b", broker.Core.PeerGatewayOf("actuator-9"));
        Assert.Equal(PublishOutcome.Queued, broker.Publish("sensor-1", "plant/p2p/actuator-9", qos: 1));
        Assert.Equal("plant/p2p/gw-b/1/actuator-9", Assert.Single(Take(uplink, Clock.MonotonicMs())).RemoteTopic);
    }

    [Fact]
    public void A_full_table_refuses_a_further_client_after_forgetting_expired_gateways()
    {
        var (_, uplink) = Gateway(maxRoutes: 2, graceSeconds: 10);
        Learn(uplink, "eb/routes/gw-b", "1", 0);
        Learn(uplink, "eb/routes/gw-b/one", "1", 0);
        Learn(uplink, "eb/routes/gw-x/stale", "1", 0);
        Learn(uplink, "eb/routes/gw-b/two", "1", 5_000);
        Assert.Equal("plant/p2p/two", Offered(uplink, 5_000, "two"));

        Learn(uplink, "eb/routes/gw-b/two", "1", 20_000);
        Assert.Equal("plant/p2p/gw-b/1/two", Offered(uplink, 20_000, "two"));
        Assert.Equal("plant/p2p/gw-b/1/one", Offered(uplink, 20_000, "one"));
    }

    [Fact]
    public void Its_own_retained_routes_are_corrected_when_they_disagree_with_what_the_gateway_reaches_now()
    {
        var (broker, uplink) = Gateway();
        broker.Connect("here");
        Take(uplink);

        Assert.True(Learn(uplink, "eb/routes/gw-a/left-before-restart", "1"));
        Assert.True(Learn(uplink, "eb/routes/gw-a/here", ""));
        Assert.True(Learn(uplink, "eb/routes/gw-a/here", "1"));
        Assert.True(Learn(uplink, "eb/routes/gw-a", "0"));
        Assert.True(Learn(uplink, "eb/routes/gw-a", "1"));
        Assert.True(Learn(uplink, "eb/routes/gw-a", ""));

        Assert.Equal(["eb/routes/gw-a/left-before-restart= r", "eb/routes/gw-a/here=1 r", "eb/routes/gw-a=1 r", "eb/routes/gw-a=1 r"],
            Take(uplink).Select(Describe));
        Assert.Null(broker.Core.PeerGatewayOf("left-before-restart"));
    }

    [Fact]
    public void Only_its_routes_topic_is_taken_as_routes_and_the_default_mode_learns_nothing()
    {
        var (_, uplink) = Gateway();
        Assert.False(Learn(uplink, "eb/routesx/gw-b/c", "1"));
        Assert.False(Learn(uplink, "eb/routes/gw-b/c/d", "1"));
        Assert.False(Learn(uplink, "eb/routes", "1"));

        var settings = new UplinkSettings("cloud") { ClientId = "gw-a", P2P = true };
        settings.AddAddress(UplinkAddress.Parse("mqtt://upstream:1883"));
        var plain = Connected(settings);
        Assert.False(plain.Learn("eb/routes/gw-b/c", "1"u8.ToArray(), 0));
        Assert.Null(plain.WillTopic);
        Assert.Empty(plain.P2PFilters());
    }

    [Theory]
    [InlineData(false, "eb/routes", "gw-a", "P2P federation on")]
    [InlineData(true, "eb/+", "gw-a", "topic name")]
    [InlineData(true, "$eb/routes", "gw-a", "topic name")]
    [InlineData(true, "eb/routes", "gw/a", "one topic level")]
    public void The_configuration_check_refuses_retained_routes_it_cannot_run(bool p2p, string topic, string clientId, string problem)
    {
        var settings = new UplinkSettings("cloud") { ClientId = clientId, P2P = p2p, P2PRoutes = UplinkP2PRoutes.Retained, P2PRoutesTopic = topic };
        settings.AddAddress(UplinkAddress.Parse("mqtt://upstream:1883"));
        settings.AddRule(UplinkRule.Forward("a/#", 1));

        Assert.Contains(problem, UplinkConfigCheck.Check(new System.Collections.ArrayList { settings }));
    }
}
