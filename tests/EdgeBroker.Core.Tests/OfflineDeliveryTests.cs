using System.Text;
using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Tests.Support;

namespace EdgeBroker.Core.Tests;

/// <summary>Messages for clients that are away with a persistent session: kept, bounded, delivered in order on return.</summary>
public class OfflineDeliveryTests
{
    const string Receiver = "dev1";
    const string P2PTopic = "a/p2p/" + Receiver;
    const string SubscribedTopic = "a/b";

    readonly TestBroker _broker = new();

    public OfflineDeliveryTests()
    {
        _broker.ConnectThenLeave(Receiver, TestBroker.Persistent, SubscribedTopic);
    }

    [Fact]
    public void Qos0_kept_for_away_sessions_is_held_to_the_per_client_bytes_and_to_the_total_for_all()
    {
        // "s/a" + 8 bytes of payload: 11 bytes a message, and what the kept message holds beside them in the total.
        _broker.Limits.MaxBytesPerClient = 30;
        _broker.Limits.MaxQos0BytesKept = 2 * (11 + Offline.OfflineLimits.KeptQos0OverheadBytes) + 10;
        _broker.ConnectThenLeave("a", TestBroker.Persistent, "s/a");
        _broker.ConnectThenLeave("b", TestBroker.Persistent, "s/b");

        Assert.Equal(PublishOutcome.Queued, _broker.Publish("sender", "s/a", payload: "12345678"));
        Assert.Equal(PublishOutcome.Queued, _broker.Publish("sender", "s/b", payload: "12345678"));
        Assert.Equal(PublishOutcome.QuotaExceeded, _broker.Publish("sender", "s/a", payload: "12345678"));

        // What a returning session is handed frees its share of the total.
        var a = _broker.Connect("a", TestBroker.Persistent, cleanStart: false);
        Assert.Equal(["12345678"], a.Payloads);
        Assert.Equal(PublishOutcome.Queued, _broker.Publish("sender", "s/b", payload: "12345678"));

        // And so does a session that is discarded.
        _broker.Connect("b", TestBroker.Persistent, cleanStart: true);
        _broker.Disconnect(a);
        Assert.Equal(PublishOutcome.Queued, _broker.Publish("sender", "s/a", payload: "12345678"));
        Assert.Equal(PublishOutcome.Queued, _broker.Publish("sender", "s/a", payload: "12345678"));
        Assert.Equal(PublishOutcome.QuotaExceeded, _broker.Publish("sender", "s/a", payload: "123456789"));
    }

    [Fact]
    public void Qos0_kept_for_an_away_session_that_its_new_connection_cannot_take_is_counted_as_dropped()
    {
        _broker.ConnectThenLeave("a", TestBroker.Persistent, "s/a");
        _broker.Publish("sender", "s/a", payload: "one");
        _broker.Publish("sender", "s/a", payload: "two");

        var full = new RecordingConnection("a", TestBroker.Persistent) { QueueFull = true };
        _broker.Core.Connect("a", cleanStart: false, TestBroker.Persistent, full, credentialsProveId: false);

        Assert.Equal(2, _broker.Counters.EngineDropped);
    }

    [Fact]
    public void A_drop_for_a_full_quota_is_reported_also_when_another_receiver_got_the_message()
    {
        _broker.Limits.MaxMessagesPerClient = 1;
        _broker.ConnectThenLeave("away", TestBroker.Persistent, "s/t");
        _broker.Connect("online");
        _broker.Subscribe("online", "s/t", qos: 1);
        Assert.Equal(PublishOutcome.Delivered, _broker.Publish("sender", "s/t", qos: 1));
        Assert.False(_broker.Core.QuotaDropToReport(out _));

        Assert.Equal(PublishOutcome.Delivered, _broker.Publish("sender", "s/t", qos: 1));
        Assert.True(_broker.Core.QuotaDropToReport(out var tally));
        Assert.Contains("the first", tally);

        // Asked again with nothing dropped since: nothing to say.
        Assert.False(_broker.Core.QuotaDropToReport(out _));
    }

    [Theory]
    [InlineData(P2PTopic)]
    [InlineData(SubscribedTopic)]
    public void Qos0_ToAnAwayReceiver_IsKeptWithinTheSameQuota_ByP2PAsByItsSubscription(string topic)
    {
        _broker.Limits.MaxMessagesPerClient = 2;

        Assert.Equal(PublishOutcome.Queued, _broker.Publish("sender", topic, qos: 0, payload: "q0-1"));
        Assert.Equal(PublishOutcome.Queued, _broker.Publish("sender", P2PTopic == topic ? SubscribedTopic : P2PTopic, qos: 0, payload: "q0-2"));
        Assert.Equal(PublishOutcome.QuotaExceeded, _broker.Publish("sender", topic, qos: 0, payload: "q0-3"));

        Assert.Equal((1, 1, 1, 0), (_broker.Counters.P2PQueued, _broker.Counters.PubSubQueued, _broker.Counters.QuotaDropped, _broker.Counters.P2PDroppedOffline));
        Assert.Equal(["q0-1", "q0-2"], Reconnect().Payloads);
    }

    [Fact]
    public void OfflineQueues_ListEachPersistentSessionWithKeptMessages_AndAddUpToTheDepth()
    {
        _broker.ConnectThenLeave("dev2", TestBroker.Persistent, SubscribedTopic);
        _broker.ConnectThenLeave("dev3", TestBroker.Persistent, "other/topic");
        _broker.Connect("online", TestBroker.EndsWithConnection);
        _broker.Publish("sender", SubscribedTopic, qos: 1);
        _broker.Publish("sender", P2PTopic, qos: 1);

        var queues = _broker.Core.OfflineQueues().Cast<Offline.OfflineQueue>().OrderBy(queue => queue.ClientId).ToList();

        Assert.Equal([(Receiver, 2), ("dev2", 1)], queues.Select(queue => (queue.ClientId, queue.Count)));
        Assert.Equal(3, _broker.Core.OfflineQueueDepth());
    }

    [Theory]
    [InlineData(P2PTopic)]
    [InlineData(SubscribedTopic)]
    public void Qos1_ToAnAwayReceiver_IsQueuedAndDeliveredInOrderOnReconnect(string topic)
    {
        foreach (string payload in new[] { "m1", "m2", "m3" })
        {
            Assert.Equal(PublishOutcome.Queued, _broker.Publish("sender", topic, qos: 1, payload: payload));
        }

        RecordingConnection back = Reconnect();
        _broker.Publish("sender", topic, qos: 1, payload: "live");

        Assert.True(back.SessionPresent);
        Assert.Equal(new[] { "m1", "m2", "m3", "live" }, back.Payloads);
        Assert.All(back.Received, delivery => Assert.Equal(1, delivery.Qos));

        // Kept until the receiver acknowledges each one.
        Assert.Equal(4, _broker.Offline.Count(Receiver));
        foreach (var delivery in back.Received)
        {
            _broker.Core.Acknowledge(Receiver, delivery.DeliveryTag);
        }

        Assert.Equal(0, _broker.Offline.Count(Receiver));
    }

    [Fact]
    public void P2PAndPubSubMessages_ShareOneOrder()
    {
        _broker.Publish("sender", P2PTopic, qos: 1, payload: "p2p-1");
        _broker.Publish("sender", SubscribedTopic, qos: 1, payload: "pubsub-2");
        _broker.Publish("sender", P2PTopic, qos: 1, payload: "p2p-3");

        Assert.Equal(2, _broker.Counters.P2PQueued);
        Assert.Equal(1, _broker.Counters.PubSubQueued);
        Assert.Equal(new[] { "p2p-1", "pubsub-2", "p2p-3" }, Reconnect().Payloads);
    }

    [Theory]
    [InlineData(P2PTopic)]
    [InlineData(SubscribedTopic)]
    public void FullOfflineQuota_IsQuotaExceeded_AndCounted(string topic)
    {
        var broker = new TestBroker(offlineQuota: 2);
        broker.ConnectThenLeave(Receiver, TestBroker.Persistent, SubscribedTopic);

        Assert.Equal(PublishOutcome.Queued, broker.Publish("sender", topic, qos: 1, payload: "m1"));
        Assert.Equal(PublishOutcome.Queued, broker.Publish("sender", topic, qos: 1, payload: "m2"));
        Assert.Equal(PublishOutcome.QuotaExceeded, broker.Publish("sender", topic, qos: 1, payload: "m3"));

        Assert.Equal(1, broker.Counters.QuotaDropped);
        Assert.Equal(new[] { "m1", "m2" }, broker.Connect(Receiver, TestBroker.Persistent, cleanStart: false).Payloads);
    }

    /// <summary>What an uplink that can hold its upstream back asks before it routes a message from it.</summary>
    [Theory]
    [InlineData(P2PTopic)]
    [InlineData(SubscribedTopic)]
    public void A_connected_receiver_is_backed_up_while_its_quota_is_full_and_not_once_it_acknowledges(string topic)
    {
        var broker = new TestBroker(offlineQuota: 2);
        RecordingConnection receiver = broker.ConnectSubscribed(Receiver, TestBroker.Persistent, SubscribedTopic);
        var next = TestBroker.Message(topic, qos: 1);

        broker.Publish("sender", topic, qos: 1);
        bool withRoom = broker.Core.FindsReceiverBackedUp(next);
        broker.Publish("sender", topic, qos: 1);
        bool full = broker.Core.FindsReceiverBackedUp(next);
        broker.Core.Acknowledge(Receiver, receiver.Received[0].DeliveryTag);

        Assert.Equal((false, true), (withRoom, full));
        Assert.False(broker.Core.FindsReceiverBackedUp(next));
    }

    [Theory]
    [InlineData(P2PTopic)]
    [InlineData(SubscribedTopic)]
    public void An_away_receiver_with_a_full_quota_is_not_backed_up_it_is_full(string topic)
    {
        var broker = new TestBroker(offlineQuota: 1);
        broker.ConnectThenLeave(Receiver, TestBroker.Persistent, SubscribedTopic);
        broker.Publish("sender", topic, qos: 1);

        Assert.False(broker.Core.FindsReceiverBackedUp(TestBroker.Message(topic, qos: 1)));
    }

    [Theory]
    [InlineData(P2PTopic)]
    [InlineData(SubscribedTopic)]
    public void QueuedMessage_OwnsItsPayload_WhenThePublisherLentItsBuffer(string topic)
    {
        byte[] receiveBuffer = Encoding.UTF8.GetBytes("[[kept]]");
        var message = new RoutedMessage(topic, receiveBuffer, qos: 1, retain: false)
        {
            PayloadOffset = 2,
            PayloadLength = 4,
            IsBorrowed = true,
        };

        _broker.Core.Publish("sender", message);
        Encoding.UTF8.GetBytes("overwrit").CopyTo(receiveBuffer, 0);   // the connection reads its next packet

        Assert.Equal(new[] { "kept" }, Reconnect().Payloads);
    }

    RecordingConnection Reconnect()
    {
        return _broker.Connect(Receiver, TestBroker.Persistent, cleanStart: false);
    }
}
