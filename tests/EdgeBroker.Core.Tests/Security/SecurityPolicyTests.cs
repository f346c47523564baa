using EdgeBroker.Core.Limits;
using EdgeBroker.Core.Offline;
using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Security;
using EdgeBroker.Core.Sessions;
using EdgeBroker.Core.Tests.Support;
using EdgeBroker.Core.Topics;

namespace EdgeBroker.Core.Tests.Security;

/// <summary>Access control: rules per group and device, P2P across groups, <c>$SYS</c>, token grants, pairing
/// connections, counting and reporting of denials — and the router enforcing it.</summary>
public class SecurityPolicyTests
{
    const string Sensor = "GID_sensors@@@DEVICE_001";
    const string OtherSensor = "GID_sensors@@@DEVICE_002";
    const string Light = "GID_lights@@@LAMP_1";
    const string Backend = "GID_app@@@backend";
    const string Monitor = "GID_ops@@@monitor";

    readonly SecurityFixture _fixture = new(options => Configure(options, p2pWithinGroupsOnly: false));

    /// <summary>The same configuration with P2P kept within groups (<see cref="SecurityOptions.P2PWithinGroupsOnly"/>).</summary>
    readonly SecurityFixture _withinGroups = new(options => Configure(options, p2pWithinGroupsOnly: true));

    static void Configure(SecurityOptions options, bool p2pWithinGroupsOnly)
    {
        options.AllowAnonymous = true;
        options.P2PWithinGroupsOnly = p2pWithinGroupsOnly;
        options.ApplicationGroups = new[] { "GID_app" };
        options.SysSubscribers = new[] { Monitor };
        options.SetGroupRule("GID_sensors", new AccessRule(new[] { "GID_sensors/#", "telemetry" }, new[] { "GID_sensors/config/#" }, false));
        options.SetDeviceRule(OtherSensor, new AccessRule(new[] { "GID_sensors/+/status" }, new[] { "GID_sensors/#" }, false));
        options.SetGroupRule("GID_bridge", new AccessRule(new[] { "#" }, new[] { "#" }, true));
    }

    SecurityPolicy Policy => _fixture.Security.Policy;

    static int P2P(string topic) => P2PAddress.ReceiverStart(topic);

    bool CanPublish(string clientId, string topic) => Policy.CanPublish(clientId, topic, P2P(topic));

    bool CanPublishWithinGroups(string clientId, string topic) => _withinGroups.Security.Policy.CanPublish(clientId, topic, P2P(topic));

    [Fact]
    public void A_group_rule_limits_publishing_and_subscribing()
    {
        _fixture.ConnectWithSignature(Sensor);

        Assert.True(CanPublish(Sensor, "GID_sensors/temp/1"));
        Assert.True(CanPublish(Sensor, "telemetry"));
        Assert.False(CanPublish(Sensor, "telemetry/x"));
        Assert.False(CanPublish(Sensor, "GID_lights/on"));
        Assert.True(Policy.CanSubscribe(Sensor, "GID_sensors/config/+"));
        Assert.False(Policy.CanSubscribe(Sensor, "GID_sensors/#"));
        Assert.False(Policy.CanSubscribe(Sensor, "#"));
    }

    [Fact]
    public void A_device_rule_replaces_its_group_rule()
    {
        _fixture.ConnectWithSignature(OtherSensor);

        Assert.True(CanPublish(OtherSensor, "GID_sensors/x/status"));
        Assert.False(CanPublish(OtherSensor, "GID_sensors/temp/1"));
        Assert.False(CanPublish(OtherSensor, "telemetry"));
        Assert.True(Policy.CanSubscribe(OtherSensor, "GID_sensors/#"));
    }

    [Fact]
    public void Groups_without_a_rule_get_the_default_rule_everything_outside_dollar_topics()
    {
        _fixture.ConnectWithSignature(Light);

        Assert.True(CanPublish(Light, "any/topic"));
        Assert.True(Policy.CanSubscribe(Light, "#"));
        Assert.False(CanPublish(Light, "$SYS/broker/x"));
        Assert.False(Policy.CanSubscribe(Light, "$SYS/#"));
    }

    [Fact]
    public void P2P_is_judged_by_its_parent_topic()
    {
        _fixture.ConnectWithSignature(Sensor);
        _fixture.ConnectWithSignature(OtherSensor);

        Assert.True(CanPublish(Sensor, "GID_sensors/p2p/" + OtherSensor));
        Assert.False(CanPublish(Sensor, "other/p2p/" + OtherSensor));
        Assert.False(CanPublish(OtherSensor, "GID_sensors/p2p/" + Sensor));
    }

    [Fact]
    public void By_default_P2P_reaches_every_group_whose_parent_topic_the_sender_may_publish_to()
    {
        var plain = new SecurityFixture(options => options.SetGroupRule("GID_sensors", new AccessRule(new[] { "GID_sensors/#" }, new[] { "#" }, false)));
        plain.ConnectWithSignature(Light);
        plain.ConnectWithSignature(Backend);
        plain.ConnectWithSignature(Sensor);
        bool CanPublishPlain(string clientId, string topic) => plain.Security.Policy.CanPublish(clientId, topic, P2P(topic));

        Assert.True(CanPublishPlain(Backend, "GID_app/p2p/" + Sensor));
        Assert.True(CanPublishPlain(Sensor, "GID_sensors/p2p/" + Backend));
        Assert.True(CanPublishPlain(Light, "x/p2p/" + Sensor));
        Assert.True(CanPublishPlain(Light, "x/p2p/no-group-client"));
        Assert.False(CanPublishPlain(Sensor, "GID_app/p2p/" + Backend));
        Assert.Equal(1, plain.Security.Counters.PublishDenied);
        Assert.StartsWith("clients of every group", plain.Security.Policy.P2PReach);
    }

    [Fact]
    public void Within_groups_P2P_reaches_the_same_group_and_application_groups_only()
    {
        _withinGroups.ConnectWithSignature(Light);
        _withinGroups.ConnectWithSignature(Backend);

        Assert.True(CanPublishWithinGroups(Light, "x/p2p/GID_lights@@@LAMP_2"));
        Assert.True(CanPublishWithinGroups(Light, "x/p2p/" + Backend));
        Assert.False(CanPublishWithinGroups(Light, "x/p2p/" + Sensor));
        Assert.False(CanPublishWithinGroups(Light, "x/p2p/no-group-client"));
        Assert.False(CanPublishWithinGroups(Light, "x/p2p/GID_lights"));
        Assert.False(CanPublishWithinGroups(Light, "x/p2p/GID_lightsX@@@a"));
        Assert.True(CanPublishWithinGroups(Backend, "x/p2p/" + Sensor));
        Assert.True(CanPublishWithinGroups(Backend, "x/p2p/" + Light));
        Assert.StartsWith("the sender's own group and the application groups GID_app,", _withinGroups.Security.Policy.P2PReach);
    }

    [Fact]
    public void The_application_groups_change_nothing_until_P2P_is_kept_within_groups_and_the_start_up_line_says_so()
    {
        _fixture.ConnectWithSignature(Light);

        Assert.True(CanPublish(Light, "x/p2p/" + Sensor));
        Assert.Contains("the ApplicationGroups listed change nothing", Policy.P2PReach);
    }

    [Fact]
    public void Within_groups_clients_of_the_default_group_reach_each_other_and_a_rule_may_open_every_group()
    {
        _withinGroups.ConnectWithSignature("plain-client");
        _withinGroups.ConnectWithSignature("GID_bridge@@@b1");

        Assert.True(CanPublishWithinGroups("plain-client", "x/p2p/other-plain"));
        Assert.True(CanPublishWithinGroups("plain-client", "x/p2p/@@@starts-with-separator"));
        Assert.False(CanPublishWithinGroups("plain-client", "x/p2p/" + Light));
        Assert.True(CanPublishWithinGroups("GID_bridge@@@b1", "x/p2p/" + Light));
    }

    [Fact]
    public void Sys_subscriptions_are_for_configured_clients_that_connected_with_credentials()
    {
        _fixture.ConnectWithSignature(Monitor);

        Assert.True(Policy.CanSubscribe(Monitor, "$SYS/#"));
        Assert.True(Policy.CanSubscribe(Monitor, "$SYS/brokers/+/clients/#"));
        Assert.True(Policy.CanSubscribe(Monitor, "$SYS"));
        Assert.False(Policy.CanSubscribe(Monitor, "$SYSTEM/#"));
        Assert.False(Policy.CanSubscribe(Monitor, "$share/g/topic"));
        Assert.False(CanPublish(Monitor, "$SYS/forged"));

        var anonymous = new SecurityFixture(options => { options.AllowAnonymous = true; options.SysSubscribers = new[] { Monitor }; });
        anonymous.Connect(Monitor, null, null);
        Assert.False(anonymous.Security.Policy.CanSubscribe(Monitor, "$SYS/#"));
    }

    [Fact]
    public void A_token_client_that_took_a_sys_subscribers_ID_may_not_subscribe_to_sys_as_its_ID_is_not_proven()
    {
        var token = _fixture.IssueToken(read: true, write: false, parents: "app");
        Assert.True(_fixture.ConnectWithTokens(Monitor, "R|" + token).IsAccepted);

        Assert.False(Policy.CanSubscribe(Monitor, "$SYS/presence/#"));
        Assert.False(Policy.CanSubscribe(Monitor, "$SYS/#"));

        var paired = new SecurityFixture(options => options.SysSubscribers = new[] { "GID_ops@@@paired" });
        var (userName, password) = paired.Pair("GID_ops", "GID_ops@@@paired");
        Assert.True(paired.Connect("GID_ops@@@paired", userName, password).IsAccepted);
        Assert.True(paired.Security.Policy.CanSubscribe("GID_ops@@@paired", "$SYS/presence/#"));
    }

    [Fact]
    public void An_open_broker_lets_every_client_subscribe_to_sys_and_reach_every_group()
    {
        var open = new BrokerSecurity(new SecurityOptions { AllowAnonymous = true, P2PWithinGroupsOnly = true }, new MemoryDeviceStore(), new MemoryTokenStore(), new SystemRandomSource());
        Assert.True(open.Authenticate("watcher", null!, null!, SecurityFixture.Address, SecurityFixture.Now, SecurityFixture.Now).IsAccepted);
        Assert.True(open.Authenticate(Sensor, null!, null!, SecurityFixture.Address, SecurityFixture.Now, SecurityFixture.Now).IsAccepted);

        Assert.True(open.Policy.CanSubscribe("watcher", "$SYS/presence/#"));
        Assert.True(open.Policy.CanPublish(Sensor, "app/p2p/" + Light, P2P("app/p2p/" + Light)));
        Assert.True(open.Policy.CanPublish("watcher", "app/p2p/" + Sensor, P2P("app/p2p/" + Sensor)));
        Assert.False(open.Policy.CanSubscribe("watcher", "$share/g/topic"));
        Assert.False(open.Policy.CanPublish("watcher", "$SYS/forged", -1));
    }

    [Fact]
    public void A_broker_with_an_access_key_is_not_open_even_when_it_admits_anonymous_clients()
    {
        _withinGroups.Connect("watcher", null, null);
        _withinGroups.Connect(Light, null, null);

        Assert.False(_withinGroups.Security.Policy.CanSubscribe("watcher", "$SYS/presence/#"));
        Assert.False(CanPublishWithinGroups(Light, "app/p2p/" + Sensor));
    }

    [Fact]
    public void Token_clients_may_publish_under_W_parents_and_subscribe_under_R_parents_only()
    {
        string read = _fixture.IssueToken(read: true, write: false, parents: "GID_lights");
        string write = _fixture.IssueToken(read: false, write: true, parents: new[] { "cmd", "GID_lights" });
        _fixture.ConnectWithTokens(Light, "R|" + read + "|W|" + write);

        Assert.True(CanPublish(Light, "cmd/lamp/1"));
        Assert.True(CanPublish(Light, "cmd"));
        Assert.True(CanPublish(Light, "cmd/p2p/GID_lights@@@LAMP_2"));
        Assert.False(CanPublish(Light, "cmdx/lamp"));
        Assert.False(CanPublish(Light, "other/p2p/GID_lights@@@LAMP_2"));
        Assert.True(Policy.CanSubscribe(Light, "GID_lights/#"));
        Assert.False(Policy.CanSubscribe(Light, "cmd/#"));
        Assert.False(Policy.CanSubscribe(Light, "+/status"));
        Assert.False(Policy.CanSubscribe(Light, "#"));
    }

    [Fact]
    public void A_read_only_token_client_cannot_publish_at_all()
    {
        string read = _fixture.IssueToken(read: true, write: false, parents: "GID_lights");
        _fixture.ConnectWithTokens(Light, "R|" + read);

        Assert.False(CanPublish(Light, "GID_lights/x"));
        Assert.True(Policy.CanSubscribe(Light, "GID_lights/x"));
    }

    [Fact]
    public void Token_grants_end_with_the_token_even_before_the_engine_disconnects()
    {
        string token = _fixture.IssueToken(read: true, write: true, parents: "GID_lights");
        _fixture.ConnectWithTokens(Light, "RW|" + token);
        Assert.True(CanPublish(Light, "GID_lights/x"));

        _fixture.Security.RevokeToken(token);

        Assert.False(CanPublish(Light, "GID_lights/x"));
        Assert.False(Policy.CanSubscribe(Light, "GID_lights/x"));
    }

    [Fact]
    public void A_token_grant_never_widens_the_group_rule()
    {
        string token = _fixture.IssueToken(read: true, write: true, parents: "elsewhere");
        _fixture.ConnectWithTokens(Sensor, "RW|" + token);

        Assert.False(CanPublish(Sensor, "elsewhere/x"));
        Assert.False(Policy.CanSubscribe(Sensor, "elsewhere/x"));
    }

    [Fact]
    public void Clients_without_a_live_authenticated_connection_and_pairing_connections_may_do_nothing()
    {
        Assert.False(CanPublish("never-connected", "a"));
        Assert.False(Policy.CanSubscribe("never-connected", "a"));

        _fixture.Security.OpenPairing("GID_sensors", 0, SecurityFixture.Now, SecurityFixture.Now);
        _fixture.Connect("GID_sensors@@@NEW", "Pair|GID_sensors", null);
        Assert.False(CanPublish("GID_sensors@@@NEW", "GID_sensors/x"));
        Assert.False(Policy.CanSubscribe("GID_sensors@@@NEW", "GID_sensors/config/x"));

        AuthDecision connected = _fixture.ConnectWithSignature(Light);
        _fixture.Security.Disconnected(connected.Client);
        Assert.False(CanPublish(Light, "a"));
    }

    [Fact]
    public void Denials_are_counted_and_each_clients_first_of_a_kind_in_a_minute_reported_with_its_reason()
    {
        var reported = new List<(string Client, string Topic, bool Publish, string Reason)>();
        var policy = _withinGroups.Security.Policy;
        policy.Denied = (client, topic, publish, reason) => reported.Add((client, topic, publish, reason));
        _withinGroups.ConnectWithSignature(Light);

        CanPublishWithinGroups(Light, "x/p2p/" + Sensor);
        CanPublishWithinGroups(Light, "$SYS/x");
        policy.CanSubscribe(Light, "$SYS/#");
        CanPublishWithinGroups(Light, "fine");

        Assert.Equal(2, _withinGroups.Security.Counters.PublishDenied);
        Assert.Equal(1, _withinGroups.Security.Counters.SubscribeDenied);
        Assert.Equal(new[]
        {
            (Light, "x/p2p/" + Sensor, true, SecurityPolicy.ReasonOtherGroup + ProblemReports.ClientRefusalNote),
            (Light, "$SYS/#", false, SecurityPolicy.ReasonSys + ProblemReports.ClientRefusalNote),
        }, reported);
    }

    [Fact]
    public void The_routing_core_enforces_the_policy_on_publish_and_subscribe()
    {
        var limits = new OfflineLimits();
        var core = new BrokerCore(_withinGroups.Security.Policy, new MemoryOfflineStore(limits), new MemorySessionStore(), limits, maxQos: 2, expectedClients: 8);
        _withinGroups.ConnectWithSignature(Light);
        _withinGroups.ConnectWithSignature(Sensor);
        var sensor = new RecordingConnection(Sensor, 0);
        core.Connect(Sensor, true, 0, sensor);
        core.Connect(Light, true, 0, new RecordingConnection(Light, 0));

        Assert.Equal(BrokerCore.NotAuthorized, core.Subscribe(Sensor, "#", 1, false, false, 0));
        Assert.Equal(1, core.Subscribe(Sensor, "GID_sensors/config/#", 1, false, false, 0));
        Assert.Equal(PublishOutcome.NotAuthorized, core.Publish(Light, new RoutedMessage("x/p2p/" + Sensor, new byte[] { 1 }, 1, false)));
        Assert.Equal(PublishOutcome.Delivered, core.Publish(Light, new RoutedMessage("GID_sensors/config/a", new byte[] { 1 }, 1, false)));
        Assert.Single(sensor.Received);
        Assert.Equal(1, core.Counters.Denied);
    }
}
