using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Tests.Support;

namespace EdgeBroker.Core.Tests;

/// <summary>Ordinary topics go to every matching subscriber, once each, with the options of its subscriptions.</summary>
public class PubSubRoutingTests
{
    readonly TestBroker _broker = new();

    [Fact]
    public void EveryMatchingSubscriber_GetsTheMessageOnce()
    {
        RecordingConnection exact = _broker.ConnectSubscribed("exact", "a/b");
        RecordingConnection wildcard = _broker.ConnectSubscribed("wildcard", "a/+");
        RecordingConnection other = _broker.ConnectSubscribed("other", "a/c");

        Assert.Equal(PublishOutcome.Delivered, _broker.Publish("publisher", "a/b"));

        Assert.Single(exact.Received);
        Assert.Single(wildcard.Received);
        Assert.Empty(other.Received);
        Assert.Equal(2, _broker.Counters.PubSubDeliveries);
    }

    [Fact]
    public void OverlappingSubscriptions_DeliverOnce_AtTheHighestQos_WithEverySubscriptionIdentifier()
    {
        RecordingConnection subscriber = _broker.Connect("subscriber");
        _broker.Subscribe("subscriber", "a/#", qos: 0, identifier: 1);
        _broker.Subscribe("subscriber", "a/+", qos: 2, identifier: 2);
        _broker.Subscribe("subscriber", "+/b", qos: 1);   // no identifier
        _broker.Subscribe("subscriber", "a/b", qos: 1, identifier: 3);

        _broker.Publish("publisher", "a/b", qos: 2);

        Delivery delivery = Assert.Single(subscriber.Received);
        Assert.Equal(2, delivery.Qos);
        Assert.Equal(new[] { 1, 2, 3 }, delivery.SubscriptionIdentifiers!.Order());
    }

    [Fact]
    public void SubscriptionsWithoutIdentifiers_DeliverNone()
    {
        RecordingConnection subscriber = _broker.ConnectSubscribed("subscriber", "a/#", "a/b");

        _broker.Publish("publisher", "a/b");

        Assert.Null(Assert.Single(subscriber.Received).SubscriptionIdentifiers);
    }

    [Theory]
    [InlineData(2, 1, 1)]
    [InlineData(1, 2, 1)]
    [InlineData(0, 2, 0)]
    public void DeliveryQos_IsTheLowerOfPublishedAndGranted(int publishedQos, int grantedQos, int deliveredQos)
    {
        RecordingConnection subscriber = _broker.Connect("subscriber");
        _broker.Subscribe("subscriber", "a/b", qos: grantedQos);

        _broker.Publish("publisher", "a/b", qos: publishedQos);

        Assert.Equal(deliveredQos, Assert.Single(subscriber.Received).Qos);
    }

    [Fact]
    public void GrantedQos_IsCappedAtTheBrokersMaximum()
    {
        var broker = new TestBroker(maxQos: 1);
        broker.Connect("subscriber");

        Assert.Equal(1, broker.Subscribe("subscriber", "a/b", qos: 2));
        Assert.Equal(0, broker.Subscribe("subscriber", "a/c", qos: 0));
    }

    [Theory]
    [InlineData("subscriber", "a/#/b", BrokerCore.TopicFilterInvalid)]
    [InlineData("subscriber", "a+", BrokerCore.TopicFilterInvalid)]
    [InlineData("subscriber", "", BrokerCore.TopicFilterInvalid)]
    [InlineData("no-session", "a/b", BrokerCore.SubscribeFailure)]
    public void Subscribe_WithAnInvalidFilterOrWithoutASession_Fails(string clientId, string filter, int code)
    {
        _broker.Connect("subscriber");

        Assert.Equal(code, _broker.Subscribe(clientId, filter));
        Assert.Equal(0, _broker.Core.Subscriptions.Count);
    }

    [Fact]
    public void Subscribe_BeyondThePerClientLimit_IsRefused_ButAHeldFilterMayBeRenewed()
    {
        _broker.Core.MaxSubscriptionsPerClient = 2;
        _broker.Connect("subscriber");
        _broker.Connect("other");

        Assert.Equal(1, _broker.Subscribe("subscriber", "a", qos: 1));
        Assert.Equal(0, _broker.Subscribe("subscriber", "b"));
        Assert.Equal(BrokerCore.QuotaExceeded, _broker.Subscribe("subscriber", "c"));
        Assert.Equal(2, _broker.Subscribe("subscriber", "a", qos: 2));
        Assert.Equal(0, _broker.Subscribe("other", "c"));
        Assert.True(_broker.Core.Unsubscribe("subscriber", "b"));
        Assert.Equal(0, _broker.Subscribe("subscriber", "c"));
        Assert.Equal(PublishOutcome.Delivered, _broker.Publish("publisher", "c"));
        Assert.Equal(2, _broker.Counters.PubSubDeliveries);
    }

    [Fact]
    public void NoLocal_SuppressesOnlyTheSubscribersOwnPublications()
    {
        RecordingConnection subscriber = _broker.Connect("subscriber");
        _broker.Subscribe("subscriber", "a/b", noLocal: true);

        _broker.Publish("subscriber", "a/b", payload: "own");
        _broker.Publish("someone-else", "a/b", payload: "other");

        Assert.Equal(new[] { "other" }, subscriber.Payloads);
    }

    [Fact]
    public void NoLocal_DoesNotSuppressWhenAnotherMatchingSubscriptionAllowsIt()
    {
        RecordingConnection subscriber = _broker.Connect("subscriber");
        _broker.Subscribe("subscriber", "a/b", noLocal: true);
        _broker.Subscribe("subscriber", "a/#");

        _broker.Publish("subscriber", "a/b", payload: "own");

        Assert.Equal(new[] { "own" }, subscriber.Payloads);
    }

    [Theory]
    [InlineData(false, false, false)]
    [InlineData(false, true, false)]
    [InlineData(true, false, false)]
    [InlineData(true, true, true)]
    public void RetainFlag_IsKeptOnlyWithRetainAsPublished(bool retainAsPublished, bool publishedRetain, bool deliveredRetain)
    {
        RecordingConnection subscriber = _broker.Connect("subscriber");
        _broker.Subscribe("subscriber", "a/b", retainAsPublished: retainAsPublished);

        _broker.Publish("publisher", "a/b", retain: publishedRetain);

        Assert.Equal(deliveredRetain, Assert.Single(subscriber.Received).Retain);
    }

    [Fact]
    public void TopicWithoutSubscribers_IsNoMatchingSubscribers_AndCounted()
    {
        _broker.ConnectSubscribed("subscriber", "a/c");

        Assert.Equal(PublishOutcome.NoMatchingSubscribers, _broker.Publish("publisher", "a/b"));
        Assert.Equal(1, _broker.Counters.NoMatchingSubscribers);
    }

    [Fact]
    public void Unsubscribe_StopsDelivery_AndPrunesTheTree()
    {
        string[] filters = { "a/b", "a/+", "#", "a/b/c/#" };
        RecordingConnection subscriber = _broker.ConnectSubscribed("subscriber", filters);

        Assert.All(filters, filter => Assert.True(_broker.Core.Unsubscribe("subscriber", filter)));
        Assert.False(_broker.Core.Unsubscribe("subscriber", "a/b"));

        Assert.Equal(PublishOutcome.NoMatchingSubscribers, _broker.Publish("publisher", "a/b"));
        Assert.Empty(subscriber.Received);
        Assert.Equal(0, _broker.Core.Subscriptions.Count);
        Assert.True(SubscriptionTree.IsEmpty(_broker.Core.Subscriptions));
    }

    [Fact]
    public void TenThousandUnrelatedSubscriptions_DoNotChangeWhoReceives()
    {
        RecordingConnection exact = _broker.ConnectSubscribed("exact", "home/kitchen/temp");
        RecordingConnection wildcard = _broker.ConnectSubscribed("wildcard", "home/+/temp");
        RecordingConnection receiver = _broker.Connect("dev1");
        RecordingConnection noise = _broker.Connect("noise");
        for (int i = 0; i < 10_000; i++)
        {
            string filter = (i % 4) switch
            {
                0 => "home/room" + i + "/temp",
                1 => "+/room" + i + "/#",
                2 => "home/kitchen/temp/" + i,
                _ => "other/" + i + "/+",
            };
            _broker.Subscribe("noise", filter);
        }

        _broker.Publish("publisher", "home/kitchen/temp", payload: "pubsub");
        _broker.Publish("publisher", "home/p2p/dev1", payload: "p2p");

        Assert.Equal(new[] { "pubsub" }, exact.Payloads);
        Assert.Equal(new[] { "pubsub" }, wildcard.Payloads);
        Assert.Equal(new[] { "p2p" }, receiver.Payloads);
        Assert.Empty(noise.Received);
    }
}
