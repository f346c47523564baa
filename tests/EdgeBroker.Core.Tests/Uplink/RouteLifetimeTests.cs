using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Tests.Support;
using static EdgeBroker.Core.Tests.Uplink.UplinkFixture;

namespace EdgeBroker.Core.Tests.Uplink;

/// <summary>
/// How long routes announced by gateways below last, and how the bounded table is shared (docs/federation.md, "How a
/// broker learns which gateway hosts a client ID"): a gateway's routes go with its session, and no gateway keeps the
/// table from the others (the reviewer's F1, s24: 12 made-up routes filled a device's table for good).
/// </summary>
public class RouteLifetimeTests
{
    [Fact]
    public void The_routes_of_a_gateway_with_a_clean_session_go_when_it_disconnects_and_are_shown_unreachable()
    {
        var cloud = new TestBroker();
        var monitor = cloud.ConnectSubscribed("monitor", "$SYS/presence/+/unreachable");
        var gateway = cloud.Connect("gw-x");
        Announce(cloud, "gw-x", "GID_dev@@@made-up");

        cloud.Disconnect(gateway);

        Assert.Null(cloud.Core.FederatedGatewayOf("GID_dev@@@made-up"));
        Assert.Equal(0, cloud.Core.Routes.Count);
        Assert.Equal(["$SYS/presence/GID_dev/unreachable"], monitor.Received.Select(d => d.Topic));
        Assert.Equal(PublishOutcome.NoMatchingSubscribers, cloud.Publish("app", "plant/p2p/GID_dev@@@made-up", qos: 1));
    }

    [Fact]
    public void A_persistent_gateway_keeps_its_routes_while_it_is_away_and_loses_them_when_its_session_ends()
    {
        var cloud = new TestBroker();
        var gateway = cloud.Connect("gw-a", TestBroker.Persistent);
        Announce(cloud, "gw-a", "sensor-1");
        cloud.Disconnect(gateway);

        // Away (an outage): messages for its clients wait in its session here.
        Assert.Equal("gw-a", cloud.Core.FederatedGatewayOf("sensor-1"));
        Assert.Equal(PublishOutcome.Queued, cloud.Publish("app", "plant/p2p/sensor-1", qos: 1));

        // A clean start ends that session, and its routes with it; the gateway announces again what it has now.
        cloud.Connect("gw-a", cleanStart: true);
        Assert.Null(cloud.Core.FederatedGatewayOf("sensor-1"));
    }

    [Fact]
    public void An_expired_gateway_session_takes_its_routes_with_it()
    {
        var cloud = new TestBroker();
        var gateway = cloud.Connect("gw-a", sessionExpirySeconds: 1);
        Announce(cloud, "gw-a", "sensor-1");
        cloud.Disconnect(gateway);

        cloud.Core.ExpireSessions(Clock.NowMs() + 2_000);

        Assert.Null(cloud.Core.FederatedGatewayOf("sensor-1"));
    }

    [Fact]
    public void In_a_full_table_a_gateway_that_holds_the_most_gives_way_until_the_gateways_hold_equal_parts()
    {
        var cloud = new TestBroker();
        cloud.Core.P2PMaxRoutes = 4;
        cloud.Connect("gw-filler");
        cloud.Connect("gw-real");
        var monitor = cloud.ConnectSubscribed("monitor", "$SYS/presence/+/unreachable");
        for (var i = 0; i < 4; i++)
        {
            Announce(cloud, "gw-filler", $"GID_zz@@@bogus{i}");
        }

        Announce(cloud, "gw-real", "GID_app@@@behind-1");
        Announce(cloud, "gw-real", "GID_app@@@behind-2");
        Announce(cloud, "gw-real", "GID_app@@@behind-3");
        Announce(cloud, "gw-filler", "GID_zz@@@bogus9");

        Assert.Equal("gw-real", cloud.Core.FederatedGatewayOf("GID_app@@@behind-1"));
        Assert.Equal("gw-real", cloud.Core.FederatedGatewayOf("GID_app@@@behind-2"));
        Assert.Null(cloud.Core.FederatedGatewayOf("GID_app@@@behind-3"));
        Assert.Null(cloud.Core.FederatedGatewayOf("GID_zz@@@bogus9"));
        Assert.Equal(4, cloud.Core.Routes.Count);
        Assert.Equal(2, cloud.Core.Routes.Refused);
        Assert.Equal(2, monitor.Received.Count(d => d.Topic == "$SYS/presence/GID_zz/unreachable"));
    }

    [Fact]
    public void A_gateway_alone_may_use_the_whole_table()
    {
        var cloud = new TestBroker();
        cloud.Core.P2PMaxRoutes = 3;
        cloud.Connect("gw-a");
        for (var i = 0; i < 4; i++)
        {
            Announce(cloud, "gw-a", $"sensor-{i}");
        }

        Assert.Equal(3, cloud.Core.Routes.Count);
        Assert.Equal(1, cloud.Core.Routes.Refused);
        Assert.Null(cloud.Core.FederatedGatewayOf("sensor-3"));
    }
}
