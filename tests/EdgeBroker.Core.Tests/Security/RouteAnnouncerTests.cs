using EdgeBroker.Core.Access;
using EdgeBroker.Core.Offline;
using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Security;
using EdgeBroker.Core.Sessions;
using EdgeBroker.Core.Tests.Support;
using EdgeBroker.Core.Uplink;

namespace EdgeBroker.Core.Tests.Security;

/// <summary>Who may announce P2P routes (docs/federation.md): only the gateways the access policy lists.</summary>
public class RouteAnnouncerTests
{
    const string Topic = P2PEnvelope.AnnouncementPrefix + "victim";
    const string Gateway = "GID_gw@@@site";
    const string Device = "GID_sensors@@@dev1";

    static SecurityFixture Secure(params string[] gateways) => new(options => options.P2PGateways = gateways);

    [Fact]
    public void A_listed_gateway_that_signed_in_may_announce_and_other_clients_may_not()
    {
        var fixture = Secure("GID_gw@@@site", "GID_bridges");
        fixture.ConnectWithSignature(Gateway);
        fixture.ConnectWithSignature("GID_bridges@@@b1");
        fixture.ConnectWithSignature(Device);

        Assert.True(fixture.Security.Policy.CanAnnounceRoutes(Gateway, Topic));
        Assert.True(fixture.Security.Policy.CanAnnounceRoutes("GID_bridges@@@b1", Topic));
        Assert.False(fixture.Security.Policy.CanAnnounceRoutes(Device, Topic));
        Assert.False(fixture.Security.Policy.CanAnnounceRoutes("not-connected", Topic));
    }

    [Fact]
    public void A_listed_client_ID_claimed_anonymously_may_not_announce_where_the_broker_has_credentials()
    {
        var fixture = new SecurityFixture(options => { options.AllowAnonymous = true; options.P2PGateways = [Gateway]; });
        Assert.True(fixture.Connect(Gateway, null, null).IsAccepted);

        Assert.False(fixture.Security.Policy.CanAnnounceRoutes(Gateway, Topic));
    }

    [Fact]
    public void With_no_gateway_listed_a_broker_with_credentials_takes_announcements_from_nobody()
    {
        var fixture = new SecurityFixture(options => options.AllowAnonymous = true);
        fixture.ConnectWithSignature(Gateway);
        Assert.True(fixture.Connect(Device, null, null).IsAccepted);

        Assert.False(fixture.Security.Policy.CanAnnounceRoutes(Gateway, Topic));
        Assert.False(fixture.Security.Policy.CanAnnounceRoutes(Device, Topic));
        Assert.Contains("no client", fixture.Security.Policy.RouteAnnouncers);
    }

    [Fact]
    public void A_listed_gateway_whose_access_key_serves_some_groups_announces_only_their_clients()
    {
        var fixture = Secure("GID_gw");
        fixture.Options.AddAccessKey(new AccessKey("AK_SENS", "sensors-secret-0123", ["GID_gw", "GID_sensors"]));
        var reports = new List<string>();
        fixture.Security.Policy.Denied = (clientId, topic, isPublish, reason) => reports.Add(reason);
        fixture.ConnectWithSignature("GID_gw@@@limited", "AK_SENS", "sensors-secret-0123");
        fixture.ConnectWithSignature(Gateway);

        Assert.True(fixture.Security.Policy.CanAnnounceRoutes("GID_gw@@@limited", P2PEnvelope.AnnouncementPrefix + Device));
        Assert.False(fixture.Security.Policy.CanAnnounceRoutes("GID_gw@@@limited", P2PEnvelope.AnnouncementPrefix + "GID_app@@@backend"));
        Assert.False(fixture.Security.Policy.CanAnnounceRoutes("GID_gw@@@limited", Topic));
        Assert.True(fixture.Security.Policy.CanAnnounceRoutes(Gateway, P2PEnvelope.AnnouncementPrefix + "GID_app@@@backend"));
        Assert.Equal([SecurityPolicy.ReasonGroupNotServed], reports);
        Assert.Equal(2, fixture.Security.Counters.AnnouncementsRefused);
    }

    [Fact]
    public void The_reviewers_group_limited_sensor_may_not_announce_an_application_client_even_when_its_group_is_listed()
    {
        var fixture = Secure("GID_sensors");
        fixture.Options.AddAccessKey(new AccessKey("AK_SENS", "sensors-secret-0123", ["GID_sensors"]));
        fixture.ConnectWithSignature("GID_sensors@@@evil", "AK_SENS", "sensors-secret-0123");

        Assert.False(fixture.Security.Policy.CanAnnounceRoutes("GID_sensors@@@evil", P2PEnvelope.AnnouncementPrefix + "GID_app@@@backend"));
    }

    [Fact]
    public void An_open_broker_takes_announcements_from_everyone_unless_gateways_are_listed()
    {
        var open = OpenBroker();
        var listed = OpenBroker(Gateway);

        Assert.True(open.Policy.CanAnnounceRoutes(Device, Topic));
        Assert.Contains("every client", open.Policy.RouteAnnouncers);
        Assert.True(listed.Policy.CanAnnounceRoutes(Gateway, Topic));
        Assert.False(listed.Policy.CanAnnounceRoutes(Device, Topic));
        Assert.Equal("the P2PGateways " + Gateway, listed.Policy.RouteAnnouncers);
        Assert.True(new AllowAllPolicy().CanAnnounceRoutes(Device, Topic));
    }

    [Fact]
    public void A_refusal_is_counted_every_time_and_reported_once_per_connection()
    {
        var fixture = Secure(Gateway);
        var reports = new List<string>();
        fixture.Security.Policy.Denied = (clientId, topic, isPublish, reason) => reports.Add(clientId + " " + topic + ": " + reason);
        var first = fixture.ConnectWithSignature(Device).Client;

        fixture.Security.Policy.CanAnnounceRoutes(Device, Topic);
        fixture.Security.Policy.CanAnnounceRoutes(Device, Topic);
        fixture.Security.Disconnected(first);
        fixture.ConnectWithSignature(Device);
        fixture.Security.Policy.CanAnnounceRoutes(Device, Topic);

        Assert.Equal(3, fixture.Security.Counters.AnnouncementsRefused);
        Assert.Equal(2, reports.Count);
        Assert.Equal(Device + " " + Topic + ": " + SecurityPolicy.ReasonNotGateway, reports[0]);
    }

    [Fact]
    public void A_refused_announcement_attracts_nothing_and_a_listed_gateways_does()
    {
        var fixture = Secure(Gateway);
        var core = new BrokerCore(fixture.Security.Policy, new MemoryOfflineStore(new OfflineLimits()), new MemorySessionStore(), new OfflineLimits(), 2, 16);
        foreach (var clientId in new[] { Gateway, Device })
        {
            fixture.ConnectWithSignature(clientId);
            core.Connect(clientId, true, 0, new RecordingConnection(clientId, 0));
        }

        var refused = core.Publish(Device, new RoutedMessage(P2PEnvelope.AnnouncementPrefix + "victim", "1"u8.ToArray(), 1, false));
        var accepted = core.Publish(Gateway, new RoutedMessage(P2PEnvelope.AnnouncementPrefix + "actuator", "1"u8.ToArray(), 0, false));

        Assert.Equal((PublishOutcome.NotAuthorized, PublishOutcome.Delivered), (refused, accepted));
        Assert.Null(core.FederatedGatewayOf("victim"));
        Assert.Equal(Gateway, core.FederatedGatewayOf("actuator"));
    }

    static BrokerSecurity OpenBroker(params string[] gateways)
    {
        var security = new BrokerSecurity(new SecurityOptions { AllowAnonymous = true, P2PGateways = gateways }, new MemoryDeviceStore(),
            new MemoryTokenStore(), new SystemRandomSource());
        Assert.True(security.Authenticate(Gateway, null!, null!, SecurityFixture.Address, SecurityFixture.Now, SecurityFixture.Now).IsAccepted);
        Assert.True(security.Authenticate(Device, null!, null!, SecurityFixture.Address, SecurityFixture.Now, SecurityFixture.Now).IsAccepted);
        return security;
    }
}
