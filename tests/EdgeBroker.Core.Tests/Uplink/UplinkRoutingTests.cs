using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Tests.Support;
using EdgeBroker.Core.Uplink;
using static EdgeBroker.Core.Tests.Uplink.UplinkFixture;

namespace EdgeBroker.Core.Tests.Uplink;

/// <summary>The uplinks as both engines use them: through <see cref="BrokerCore"/>.</summary>
public class UplinkRoutingTests
{
    static (TestBroker Broker, Core.Uplink.Uplink Uplink) BrokerWith(UplinkSettings settings)
    {
        var broker = new TestBroker();
        var uplink = Connected(settings);
        broker.Core.AddUplink(uplink);
        return (broker, uplink);
    }

    [Fact]
    public void A_publish_nobody_local_receives_but_an_uplink_queues_counts_as_queued()
    {
        var (broker, uplink) = BrokerWith(Settings(rules: UplinkRule.Forward("sensors/#", 1)));

        Assert.Equal(PublishOutcome.Queued, broker.Publish("sensor", "sensors/t", qos: 1));
        Assert.Equal(PublishOutcome.NoMatchingSubscribers, broker.Publish("sensor", "other/t", qos: 1));
        Assert.Single(Take(uplink));
    }

    [Fact]
    public void A_full_uplink_refuses_the_publish_before_local_subscribers_get_it()
    {
        var (broker, _) = BrokerWith(Settings(maxMessages: 1, policy: UplinkFullPolicy.RefuseNew));
        var local = broker.Connect("local");
        broker.Subscribe("local", "t");

        Assert.Equal(PublishOutcome.Delivered, broker.Publish("sensor", "t", qos: 1, payload: "first"));
        Assert.Equal(PublishOutcome.UplinkQueueFull, broker.Publish("sensor", "t", qos: 1, payload: "second"));
        Assert.Equal(new[] { "first" }, local.Payloads);

        // A refusal its publisher hears (or resends after), counted by the uplink: not a receiver's quota drop.
        Assert.Equal(0, broker.Counters.QuotaDropped);
        Assert.False(broker.Core.QuotaDropToReport(out _));
    }

    [Fact]
    public void A_store_failure_is_reported_as_such()
    {
        var broker = new TestBroker();
        var uplink = new Core.Uplink.Uplink(Settings(), new FailingUplinkQueueStore(), new SeededRandomSource());
        broker.Core.AddUplink(uplink);

        Assert.Equal(PublishOutcome.StoreUnavailable, broker.Publish("sensor", "t", qos: 1));
    }

    [Fact]
    public void Messages_from_upstream_reach_local_subscribers_remapped_and_do_not_go_back_up()
    {
        var settings = Settings(rules: new[]
        {
            UplinkRule.Forward("#", 1),
            new UplinkRule(UplinkDirection.Subscribe, "cloud/cmd/#", 1, "cmd/", "cloud/cmd/"),
        });
        var (broker, uplink) = BrokerWith(settings);
        var actuator = broker.Connect("actuator");
        broker.Subscribe("actuator", "cmd/#", qos: 1);

        var down = uplink.Down("cloud/cmd/valve", "open"u8.ToArray(), 1, false)!;
        Assert.Equal(PublishOutcome.Delivered, broker.Core.PublishFromUplink(down));

        Assert.Equal(("cmd/valve", "open"), (actuator.Received[0].Topic, actuator.Received[0].Payload));
        Assert.Empty(Take(uplink));
        Assert.Null(uplink.Down("cloud/other", "x"u8.ToArray(), 1, false));
        Assert.Equal("cmd/a", uplink.MapDown("cloud/cmd/a"));
    }

    [Fact]
    public void A_message_from_one_uplink_may_go_up_another()
    {
        var broker = new TestBroker();
        var a = Connected(Settings("a", rules: UplinkRule.Subscribe("x/#", 1)));
        var b = Connected(Settings("b", rules: UplinkRule.Forward("x/#", 1)));
        broker.Core.AddUplink(a);
        broker.Core.AddUplink(b);

        Assert.Equal(PublishOutcome.Queued, broker.Core.PublishFromUplink(a.Down("x/1", "v"u8.ToArray(), 1, false)!));
        Assert.Single(Take(b));
    }
}
