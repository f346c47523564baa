using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Tests.Support;
using EdgeBroker.Core.Uplink;

namespace EdgeBroker.Core.Tests.Uplink;

/// <summary>A broker acting as upstream routes each dedupe id of a sender once.</summary>
public class DedupeTests
{
    [Fact]
    public void The_window_remembers_ids_per_sender_and_forgets_the_oldest_beyond_its_capacity()
    {
        var accepted = new List<string>();
        var window = new DedupeWindow(2) { Accepted = (sender, id) => accepted.Add(sender + ":" + id) };

        window.Add("gw1", "a");
        window.Add("gw1", "b");
        Assert.True(window.Contains("gw1", "a"));
        Assert.False(window.Contains("gw2", "a"));

        window.Add("gw1", "c");
        Assert.False(window.Contains("gw1", "a"));
        Assert.True(window.Contains("gw1", "c"));
        Assert.False(window.Remember("gw1", "c"));
        Assert.Equal(new[] { "gw1:a", "gw1:b", "gw1:c" }, accepted);
    }

    [Fact]
    public void A_resent_message_is_acknowledged_but_routed_once()
    {
        var broker = new TestBroker();
        broker.Core.Dedupe = new DedupeWindow(100);
        var cloud = broker.Connect("cloud-app");
        broker.Subscribe("cloud-app", "t");

        Assert.Equal(PublishOutcome.Delivered, broker.Core.Publish("gateway", WithId("1")));
        Assert.Equal(PublishOutcome.Delivered, broker.Core.Publish("gateway", WithId("1")));
        Assert.Equal(PublishOutcome.Delivered, broker.Core.Publish("other-gateway", WithId("1")));
        Assert.Equal(PublishOutcome.Delivered, broker.Core.Publish("gateway", WithId("2")));

        Assert.Equal(3, cloud.Received.Count);
        Assert.Equal(1, broker.Counters.DuplicateDropped);
    }

    [Fact]
    public void A_refused_message_is_not_remembered_so_its_resend_is_routed()
    {
        var broker = new TestBroker();
        broker.Core.Dedupe = new DedupeWindow(100);

        var invalid = WithId("1");
        invalid.Topic = "bad/#";
        Assert.Equal(PublishOutcome.TopicNameInvalid, broker.Core.Publish("gateway", invalid));
        Assert.False(broker.Core.Dedupe.Contains("gateway", "1"));
    }

    static RoutedMessage WithId(string id) => new("t", "x"u8.ToArray(), 1, false) { DedupeId = id };
}
