using EdgeBroker.Core.Offline;
using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Sessions;
using EdgeBroker.Core.Tests.Support;

namespace EdgeBroker.Core.Tests;

/// <summary>
/// How a persistent session's kept messages come back: in batches paced by acknowledgements or time, ahead of newer
/// messages, again (with DUP) on the next connection when unacknowledged, never twice on one connection; and what is
/// dropped or refused on the way (expiry, byte quota), including across a broker restart.
/// </summary>
public class OfflineBatchingTests
{
    const string Receiver = "dev1";
    const string Topic = "a/p2p/" + Receiver;

    [Fact]
    public void Reconnect_HandsTheBacklogOverInBatches()
    {
        TestBroker broker = AwayReceiverWithBacklog(batchSize: 3, count: 7);

        RecordingConnection back = Reconnect(broker);

        Assert.Equal(new[] { "m1", "m2", "m3" }, back.Payloads);
        Assert.All(back.Received, delivery => Assert.False(delivery.Duplicate));
        Assert.Equal(back.Received.Select(d => d.DeliveryTag).Order(), back.Received.Select(d => d.DeliveryTag));
    }

    [Fact]
    public void NextBatch_FollowsWhenTheWholeBatchIsAcknowledged()
    {
        TestBroker broker = AwayReceiverWithBacklog(batchSize: 3, count: 7);
        RecordingConnection back = Reconnect(broker);

        Acknowledge(broker, back, 0, 1);
        Assert.Equal(3, back.Received.Count);

        Acknowledge(broker, back, 2);
        Assert.Equal(new[] { "m1", "m2", "m3", "m4", "m5", "m6" }, back.Payloads);

        Acknowledge(broker, back, 3, 4, 5);
        Assert.Equal(new[] { "m1", "m2", "m3", "m4", "m5", "m6", "m7" }, back.Payloads);
    }

    [Fact]
    public void NextBatch_FollowsAfterTheBatchInterval_WithoutAcknowledgements()
    {
        TestBroker broker = AwayReceiverWithBacklog(batchSize: 2, count: 3);
        RecordingConnection back = Reconnect(broker);

        broker.Core.Tick(Clock.NowMs(), Clock.MonotonicMs());
        Assert.Equal(2, back.Received.Count);

        broker.Core.Tick(Clock.NowMs(), Clock.MonotonicMs() + broker.Limits.BatchIntervalMs + 1000);
        Assert.Equal(new[] { "m1", "m2", "m3" }, back.Payloads);
    }

    [Fact]
    public void NextBatch_AfterAWallClockSteppedBackByDecades_StillFollowsAfterTheBatchInterval()
    {
        TestBroker broker = AwayReceiverWithBacklog(batchSize: 2, count: 3);
        RecordingConnection back = Reconnect(broker);
        long steppedBack = Clock.NowMs() - 56L * 365 * 24 * 3600 * 1000;

        broker.Core.Tick(steppedBack, Clock.MonotonicMs());
        Assert.Equal(2, back.Received.Count);

        broker.Core.Tick(steppedBack, Clock.MonotonicMs() + broker.Limits.BatchIntervalMs + 1000);
        Assert.Equal(new[] { "m1", "m2", "m3" }, back.Payloads);
    }

    [Fact]
    public void LateAcknowledgementsOfAnEarlierBatch_DoNotReleaseTheNextBatchEarly()
    {
        TestBroker broker = AwayReceiverWithBacklog(batchSize: 2, count: 6);
        RecordingConnection back = Reconnect(broker);
        broker.Core.Tick(Clock.NowMs(), Clock.MonotonicMs() + broker.Limits.BatchIntervalMs + 1000);
        Assert.Equal(4, back.Received.Count);

        // The first batch's acknowledgements arrive after the second batch went out on time.
        Acknowledge(broker, back, 0, 1);
        Assert.Equal(4, back.Received.Count);

        Acknowledge(broker, back, 2, 3);
        Assert.Equal(new[] { "m1", "m2", "m3", "m4", "m5", "m6" }, back.Payloads);
    }

    [Fact]
    public void WithBatchingOff_TheNextBatchFollowsWhileAPageOfTheLastIsUnacknowledged()
    {
        TestBroker broker = AwayReceiverWithBacklog(batchSize: 0, count: 600);
        RecordingConnection back = Reconnect(broker, room: 400);
        Assert.Equal(400, back.Received.Count);
        back.Room = null;

        // 257 of the batch unacknowledged: it waits; 256: the rest follows, behind the batch, in order.
        Acknowledge(broker, back, Enumerable.Range(0, 143).ToArray());
        Assert.Equal(400, back.Received.Count);
        Acknowledge(broker, back, 143);
        Assert.Equal(Backlog(600), back.Payloads);
        Assert.Equal(back.Received.Select(d => d.DeliveryTag).Order(), back.Received.Select(d => d.DeliveryTag));
    }

    [Fact]
    public void WithBatchingOff_ANextBatchTheConnectionRefuses_FollowsTheLastAcknowledgement()
    {
        TestBroker broker = AwayReceiverWithBacklog(batchSize: 0, count: 600);
        RecordingConnection back = Reconnect(broker, room: 400);
        back.Room = 0;

        Acknowledge(broker, back, Enumerable.Range(0, 144).ToArray());
        Assert.Equal(400, back.Received.Count);

        back.Room = null;
        Acknowledge(broker, back, Enumerable.Range(144, 255).ToArray());
        Assert.Equal(400, back.Received.Count);
        Acknowledge(broker, back, 399);
        Assert.Equal(Backlog(600), back.Payloads);
    }

    [Fact]
    public void NewMessages_QueueBehindAPendingBacklog_KeepingTheSendersOrder()
    {
        TestBroker broker = AwayReceiverWithBacklog(batchSize: 2, count: 3);
        RecordingConnection back = Reconnect(broker);

        Assert.Equal(PublishOutcome.Queued, broker.Publish("sender", Topic, qos: 1, payload: "live"));
        Assert.Equal(new[] { "m1", "m2" }, back.Payloads);

        Acknowledge(broker, back, 0, 1);
        Assert.Equal(new[] { "m1", "m2", "m3", "live" }, back.Payloads);

        // Caught up: from now on messages go straight out.
        Acknowledge(broker, back, 2, 3);
        Assert.Equal(PublishOutcome.Delivered, broker.Publish("sender", Topic, qos: 1, payload: "direct"));
        Assert.Equal("direct", back.Payloads.Last());
    }

    [Fact]
    public void MessagesNotAcknowledgedBeforeADisconnect_ComeBackWithDup_OnTheNextConnection()
    {
        TestBroker broker = AwayReceiverWithBacklog(batchSize: 0, count: 3);
        RecordingConnection first = Reconnect(broker);
        Acknowledge(broker, first, 0);
        broker.Disconnect(first);

        RecordingConnection second = Reconnect(broker);
        broker.Publish("sender", Topic, qos: 1, payload: "new");

        Assert.Equal(new[] { "m2", "m3", "new" }, second.Payloads);
        Assert.Equal(new[] { true, true, false }, second.Received.Select(delivery => delivery.Duplicate));
        Assert.Equal(first.Received.Skip(1).Select(d => d.DeliveryTag), second.Received.Take(2).Select(d => d.DeliveryTag));
    }

    [Fact]
    public void MessagesSentToAConnectionThatWasTakenOver_ComeBackWithDup()
    {
        var broker = new TestBroker();
        RecordingConnection first = broker.ConnectSubscribed(Receiver, TestBroker.Persistent, "a/b");
        broker.Publish("sender", Topic, qos: 1, payload: "unacknowledged");
        Assert.Single(first.Received);

        // A new connection for the same client ID takes the session over; the old one's end is reported later.
        RecordingConnection second = Reconnect(broker);
        broker.Disconnect(first);

        Assert.Equal(new[] { "unacknowledged" }, second.Payloads);
        Assert.True(second.Received[0].Duplicate);
    }

    [Fact]
    public void EachKeptMessage_GoesAtMostOnceToAConnection()
    {
        TestBroker broker = AwayReceiverWithBacklog(batchSize: 2, count: 5);
        RecordingConnection back = Reconnect(broker);
        long later = Clock.MonotonicMs() + broker.Limits.BatchIntervalMs + 1000;

        broker.Publish("sender", Topic, qos: 1, payload: "live-1");
        Acknowledge(broker, back, 0);
        broker.Core.Tick(Clock.NowMs(), later);
        broker.Core.Tick(Clock.NowMs(), later);
        Acknowledge(broker, back, 1, 2, 3);
        broker.Publish("sender", Topic, qos: 1, payload: "live-2");
        broker.Core.Tick(Clock.NowMs(), later + broker.Limits.BatchIntervalMs);
        broker.Core.Tick(Clock.NowMs(), later + broker.Limits.BatchIntervalMs * 2);

        Assert.Equal(new[] { "m1", "m2", "m3", "m4", "m5", "live-1", "live-2" }, back.Payloads);
        Assert.Equal(back.Received.Count, back.Received.Select(d => d.DeliveryTag).Distinct().Count());
    }

    [Fact]
    public void Restore_BringsBackSessionsAndSubscriptions_AndMarksKeptMessagesAsDuplicates()
    {
        var sessionStore = new MemorySessionStore();
        var before = new TestBroker(sessionStore: sessionStore);
        before.ConnectThenLeave(Receiver, TestBroker.Persistent, "a/b");
        before.Publish("sender", "a/b", qos: 1, payload: "before-1");
        before.Publish("sender", Topic, qos: 1, payload: "before-2");

        // A restart: a new core on the same stores.
        var after = new TestBroker(sessionStore: sessionStore, offlineStore: before.Offline);
        Assert.Equal(1, after.Core.Restore());
        Assert.Equal(PublishOutcome.Queued, after.Publish("sender", "a/b", qos: 1, payload: "after"));
        RecordingConnection back = Reconnect(after);

        Assert.True(back.SessionPresent);
        Assert.Equal(new[] { "before-1", "before-2", "after" }, back.Payloads);
        Assert.Equal(new[] { true, true, false }, back.Received.Select(delivery => delivery.Duplicate));
    }

    [Fact]
    public void AnExpiredMqtt5MessageExpiryInterval_DropsTheKeptMessage()
    {
        TestBroker broker = AwayReceiver();
        RoutedMessage message = TestBroker.Message(Topic, qos: 1, payload: "stale");
        message.MessageExpiryInterval = 2;
        message.PublishedAtMs = Clock.NowMs() - 5000;
        broker.Core.Publish("sender", message);
        broker.Publish("sender", Topic, qos: 1, payload: "fresh");

        Assert.Equal(new[] { "fresh" }, Reconnect(broker).Payloads);
        Assert.Equal(1, broker.Offline.Count(Receiver));
    }

    [Fact]
    public void TheDefaultLifetime_DropsKeptMessagesWithoutAnExpiryInterval()
    {
        TestBroker broker = AwayReceiver();
        broker.Limits.DefaultMessageTtlMs = 1000;
        RoutedMessage message = TestBroker.Message(Topic, qos: 1, payload: "stale");
        message.PublishedAtMs = Clock.NowMs() - 5000;
        broker.Core.Publish("sender", message);

        Assert.Empty(Reconnect(broker).Payloads);
        Assert.Equal(0, broker.Offline.Count(Receiver));
    }

    [Fact]
    public void AMessageAnEngineKeepsAndReuses_IsStampedWithEachPublishsOwnArrival()
    {
        // The relay and the host route every PUBLISH a connection (or thread) reads as one kept RoutedMessage.
        TestBroker broker = AwayReceiver();
        broker.Limits.DefaultMessageTtlMs = 1000;
        RoutedMessage kept = TestBroker.Message(Topic, qos: 1, payload: "old");
        kept.PublishedAtMs = Clock.NowMs() - 5000;
        broker.Core.Publish("sender", kept);

        byte[] fresh = System.Text.Encoding.UTF8.GetBytes("fresh");
        kept.Reuse(Topic, fresh, 0, fresh.Length, 1, false, "sender", false);
        broker.Core.Publish("sender", kept);

        Assert.Equal(new[] { "fresh" }, Reconnect(broker).Payloads);
    }

    [Fact]
    public void AFullByteQuota_IsQuotaExceeded()
    {
        TestBroker broker = AwayReceiver();
        broker.Limits.MaxBytesPerClient = Topic.Length + 10;

        Assert.Equal(PublishOutcome.Queued, broker.Publish("sender", Topic, qos: 1, payload: "0123456789"));
        Assert.Equal(PublishOutcome.QuotaExceeded, broker.Publish("sender", Topic, qos: 1, payload: "x"));
        Assert.Equal(1, broker.Counters.QuotaDropped);
    }

    [Fact]
    public void Qos0ForAnAwayPersistentSession_IsKeptInMemory_AndDeliveredInPublishOrderAmongTheStored()
    {
        TestBroker broker = AwayReceiver();
        broker.Publish("sender", "a/b", qos: 0, payload: "v1");
        broker.Publish("sender", "a/b", qos: 1, payload: "k1");
        Assert.Equal(PublishOutcome.Queued, broker.Publish("sender", "a/b", qos: 0, payload: "v2"));
        broker.Publish("sender", "a/b", qos: 1, payload: "k2");
        broker.Publish("sender", "a/b", qos: 0, payload: "v3");
        Assert.Equal(2, broker.Offline.Count(Receiver));

        RecordingConnection back = Reconnect(broker);

        Assert.Equal(new[] { "v1", "k1", "v2", "k2", "v3" }, back.Payloads);
        Assert.Equal(new[] { 0, 1, 0, 1, 0 }, back.Received.Select(delivery => delivery.Qos));
        Assert.Equal(0, back.Received[0].DeliveryTag);
    }

    [Fact]
    public void Qos0SentToAConnectionThatDropsIsNotSentAgain_TheRestWaits()
    {
        TestBroker broker = AwayReceiver(batchSize: 1);
        broker.Publish("sender", "a/b", qos: 0, payload: "v1");
        broker.Publish("sender", "a/b", qos: 1, payload: "k1");
        broker.Publish("sender", "a/b", qos: 0, payload: "v2");
        broker.Publish("sender", "a/b", qos: 1, payload: "k2");

        RecordingConnection first = Reconnect(broker);
        Assert.Equal(new[] { "v1", "k1" }, first.Payloads);
        broker.Disconnect(first);
        RecordingConnection second = Reconnect(broker);
        Assert.Equal(new[] { "k1" }, second.Payloads);
        Acknowledge(broker, second, 0);

        Assert.Equal(new[] { "k1", "v2", "k2" }, second.Payloads);
    }

    static TestBroker AwayReceiver(int batchSize = 0)
    {
        var broker = new TestBroker(batchSize: batchSize);
        broker.ConnectThenLeave(Receiver, TestBroker.Persistent, "a/b");
        return broker;
    }

    /// <summary>An away receiver with messages m1…m<paramref name="count"/> kept for it.</summary>
    static TestBroker AwayReceiverWithBacklog(int batchSize, int count)
    {
        TestBroker broker = AwayReceiver(batchSize);
        for (int i = 1; i <= count; i++)
        {
            Assert.Equal(PublishOutcome.Queued, broker.Publish("sender", Topic, qos: 1, payload: "m" + i));
        }

        return broker;
    }

    /// <param name="room">How many messages the connection takes before its queue is full (null: no limit).</param>
    static RecordingConnection Reconnect(TestBroker broker, int? room = null)
    {
        return broker.Connect(Receiver, TestBroker.Persistent, cleanStart: false, room: room);
    }

    /// <summary>The payloads of <see cref="AwayReceiverWithBacklog"/>'s <paramref name="count"/> messages, in order.</summary>
    static IEnumerable<string> Backlog(int count) => Enumerable.Range(1, count).Select(i => "m" + i);

    /// <summary>The client completes the QoS 1 handshake for the deliveries at <paramref name="indexes"/>.</summary>
    static void Acknowledge(TestBroker broker, RecordingConnection connection, params int[] indexes)
    {
        foreach (int index in indexes)
        {
            broker.Core.Acknowledge(connection.ClientId, connection.Received[index].DeliveryTag);
        }
    }
}
