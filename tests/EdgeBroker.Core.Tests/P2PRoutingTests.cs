using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Tests.Support;

namespace EdgeBroker.Core.Tests;

/// <summary>Messages to <c>parent/p2p/{clientId}</c> go to that one client, never to subscribers.</summary>
public class P2PRoutingTests
{
    const string Receiver = "GID_x@@@dev1";
    const string ToReceiver = "a/p2p/" + Receiver;

    readonly TestBroker _broker = new();

    [Fact]
    public void P2PMessage_GoesOnlyToTheReceiver_EvenWhenOthersSubscribeToMatchingFilters()
    {
        RecordingConnection receiver = _broker.Connect(Receiver);
        RecordingConnection[] spies =
        {
            _broker.ConnectSubscribed("spy-all", "#"),
            _broker.ConnectSubscribed("spy-p2p", "+/p2p/#"),
            _broker.ConnectSubscribed("spy-exact", ToReceiver),
        };

        Assert.Equal(PublishOutcome.Delivered, _broker.Publish("sender", ToReceiver, qos: 1, payload: "hello"));

        Delivery delivery = Assert.Single(receiver.Received);
        Assert.Equal(ToReceiver, delivery.Topic);
        Assert.Equal("hello", delivery.Payload);
        Assert.Null(delivery.SubscriptionIdentifiers);
        Assert.All(spies, spy => Assert.Empty(spy.Received));
        Assert.Equal(1, _broker.Counters.P2PDelivered);
        Assert.Equal(0, _broker.Counters.PubSubDeliveries);
    }

    [Fact]
    public void ReceiverWithMatchingSubscriptions_GetsTheMessageOnce()
    {
        RecordingConnection receiver = _broker.ConnectSubscribed(Receiver, "#", "a/p2p/+", ToReceiver);

        _broker.Publish("sender", ToReceiver, qos: 1);

        Assert.Single(receiver.Received);
    }

    [Fact]
    public void RetainFlag_IsCleared()
    {
        RecordingConnection receiver = _broker.Connect(Receiver);

        _broker.Publish("sender", ToReceiver, qos: 1, retain: true);

        Assert.False(Assert.Single(receiver.Received).Retain);
    }

    [Theory]
    [InlineData(0, 1, 0)]
    [InlineData(1, 1, 1)]
    [InlineData(2, 1, 1)]
    [InlineData(2, 0, 0)]
    [InlineData(2, 2, 2)]
    public void Qos_IsCappedAtTheBrokersMaximum(int publishedQos, int maxQos, int deliveredQos)
    {
        var broker = new TestBroker(maxQos: maxQos);
        RecordingConnection receiver = broker.Connect(Receiver);

        broker.Publish("sender", ToReceiver, qos: publishedQos);

        Assert.Equal(deliveredQos, Assert.Single(receiver.Received).Qos);
    }

    [Fact]
    public void ReceiverWithoutSession_IsNoMatchingSubscribers_AndCounted()
    {
        RecordingConnection spy = _broker.ConnectSubscribed("spy", "#");

        Assert.Equal(PublishOutcome.NoMatchingSubscribers, _broker.Publish("sender", ToReceiver, qos: 1));

        Assert.Equal(1, _broker.Counters.P2PDroppedNoSession);
        Assert.Empty(spy.Received);
    }

    [Fact]
    public void ClientCanAddressItself()
    {
        RecordingConnection self = _broker.Connect(Receiver);

        Assert.Equal(PublishOutcome.Delivered, _broker.Publish(Receiver, ToReceiver, payload: "note to self"));

        Assert.Equal(new[] { "note to self" }, self.Payloads);
    }

    [Fact]
    public void ReceiverIsFoundByExactClientId()
    {
        RecordingConnection dev1 = _broker.Connect("dev1");
        RecordingConnection dev10 = _broker.Connect("dev10");

        _broker.Publish("sender", "a/p2p/dev1");

        Assert.Single(dev1.Received);
        Assert.Empty(dev10.Received);
        Assert.Equal(PublishOutcome.NoMatchingSubscribers, _broker.Publish("sender", "a/p2p/dev"));
    }

    [Fact]
    public void NearMissTopics_AreRoutedToSubscribersInstead()
    {
        RecordingConnection receiver = _broker.Connect(Receiver);
        RecordingConnection spy = _broker.ConnectSubscribed("spy", "#");

        _broker.Publish("sender", "a/b/p2p/" + Receiver);
        _broker.Publish("sender", "a/P2P/" + Receiver);

        Assert.Empty(receiver.Received);
        Assert.Equal(2, spy.Received.Count);
    }
}
