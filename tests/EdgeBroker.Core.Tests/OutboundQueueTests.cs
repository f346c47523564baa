using EdgeBroker.Core.Offline;
using EdgeBroker.Core.Outbound;
using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Tests.Support;

namespace EdgeBroker.Core.Tests;

/// <summary>A connected client that stops reading: which PUBLISH its engine queue may still take, and what becomes of
/// the ones it cannot.</summary>
public class OutboundQueueTests
{
    const string Receiver = "slow";
    const string Topic = "a/b";

    [Fact]
    public void Qos0_GivesWayFirst_TheLastQuarterIsKeptForQos1()
    {
        var limits = new OutboundQueueLimits(maxMessages: 100, maxBytes: 10_000);

        Assert.True(limits.Admits(0, queuedMessages: 74, queuedBytes: 0, size: 10));
        Assert.False(limits.Admits(0, queuedMessages: 75, queuedBytes: 0, size: 10));
        Assert.True(limits.Admits(1, queuedMessages: 99, queuedBytes: 0, size: 10));
        Assert.False(limits.Admits(1, queuedMessages: 100, queuedBytes: 0, size: 10));

        Assert.False(limits.Admits(0, queuedMessages: 1, queuedBytes: 7_495, size: 10));
        Assert.True(limits.Admits(1, queuedMessages: 1, queuedBytes: 9_990, size: 10));
        Assert.False(limits.Admits(1, queuedMessages: 1, queuedBytes: 9_991, size: 10));
    }

    [Fact]
    public void EmptyQueue_TakesOneMessage_LargerThanTheByteLimit()
    {
        var limits = new OutboundQueueLimits(maxMessages: 10, maxBytes: 100);

        Assert.True(limits.Admits(0, queuedMessages: 0, queuedBytes: 0, size: 1_000));
    }

    /// <summary>Hazard of issue 12: <c>OfflineDelivery.Keep</c> ignored a failed send and counted the message as handed
    /// over, so a client that kept its connection never got it.</summary>
    [Fact]
    public void Qos1ForAPersistentSession_TheQueueCannotTake_StaysStoredAndFollowsWhenTheClientCatchesUp()
    {
        var broker = new TestBroker(batchSize: 10);
        RecordingConnection receiver = broker.ConnectSubscribed(Receiver, TestBroker.Persistent, Topic);
        receiver.QueueFull = true;

        Assert.Equal(PublishOutcome.Queued, broker.Publish("sender", Topic, qos: 1, payload: "m1"));
        Assert.Equal(PublishOutcome.Queued, broker.Publish("sender", Topic, qos: 1, payload: "m2"));
        Assert.Equal(0, broker.Counters.EngineDropped);
        Assert.Equal(2, broker.Offline.Count(Receiver));

        receiver.QueueFull = false;
        int refused = receiver.Received.Count;
        broker.Core.Tick(Clock.NowMs(), Clock.MonotonicMs() + broker.Limits.BatchIntervalMs);

        var delivered = receiver.Received.Skip(refused).ToList();
        Assert.Equal(new[] { "m1", "m2" }, delivered.Select(delivery => delivery.Payload));
        Assert.All(delivered, delivery => Assert.NotEqual(0, delivery.DeliveryTag));

        // Caught up: the next message goes straight to the connection again.
        Assert.Equal(PublishOutcome.Delivered, broker.Publish("sender", Topic, qos: 1, payload: "m3"));
    }

    [Fact]
    public void Qos1ForASessionThatEndsWithItsConnection_TheQueueCannotTake_IsDroppedAndCounted()
    {
        var broker = new TestBroker();
        RecordingConnection receiver = broker.ConnectSubscribed(Receiver, Topic);
        receiver.QueueFull = true;

        Assert.Equal(PublishOutcome.Delivered, broker.Publish("sender", Topic, qos: 1));
        Assert.Equal(1, broker.Counters.EngineDropped);
    }

    [Fact]
    public void FullStore_RefusesTheQos1Publish_TellsOnce_AndClearsWhenItWritesAgain()
    {
        var store = new FillableStore(new OfflineLimits());
        var broker = new TestBroker(offlineStore: store);
        var conditions = new List<bool>();
        broker.Core.StoreConditionChanged = conditions.Add;
        broker.ConnectThenLeave(Receiver, TestBroker.Persistent, Topic);
        RecordingConnection healthy = broker.ConnectSubscribed("healthy", Topic);

        store.Full = true;
        Assert.Equal(PublishOutcome.StoreUnavailable, broker.Publish("sender", Topic, qos: 1, payload: "refused-1"));
        Assert.Equal(PublishOutcome.StoreUnavailable, broker.Publish("sender", Topic, qos: 1, payload: "refused-2"));
        Assert.Equal(PublishOutcome.Delivered, broker.Publish("sender", Topic, qos: 0, payload: "qos0"));
        Assert.Equal(2, broker.Counters.StoreRefused);
        Assert.Equal(new[] { false }, conditions);

        store.Full = false;
        Assert.Equal(PublishOutcome.Delivered, broker.Publish("sender", Topic, qos: 1, payload: "kept"));
        Assert.Equal(new[] { false, true }, conditions);
        Assert.Contains("qos0", healthy.Payloads);
        Assert.Equal(new[] { "qos0", "kept" }, broker.Connect(Receiver, TestBroker.Persistent, cleanStart: false).Payloads);
    }

    /// <summary>A memory store that can be made to fail every write, as a full disk or flash log does.</summary>
    sealed class FillableStore(OfflineLimits limits) : IOfflineStore
    {
        readonly MemoryOfflineStore _inner = new(limits);

        public bool Full { get; set; }

        public long Append(string clientId, RoutedMessage message, int qos, bool retain, int[] subscriptionIdentifiers, long expiresAtMs) =>
            Full ? AppendResult.StoreUnavailable : _inner.Append(clientId, message, qos, retain, subscriptionIdentifiers, expiresAtMs);

        public bool Commit() => _inner.Commit();

        public PendingCommit? CommitLater() => _inner.CommitLater();

        public int Read(string clientId, long afterId, int max, long nowMs, System.Collections.ArrayList into) => _inner.Read(clientId, afterId, max, nowMs, into);

        public void Remove(string clientId, long id) => _inner.Remove(clientId, id);

        public int Count(string clientId) => _inner.Count(clientId);

        public bool IsFull(string clientId) => _inner.IsFull(clientId);

        public long LastId(string clientId) => _inner.LastId(clientId);

        public long LastIssuedId => _inner.LastIssuedId;

        public void Discard(string clientId) => _inner.Discard(clientId);
    }
}
