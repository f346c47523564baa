using EdgeBroker.Core.Offline;
using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Tests.Support;

namespace EdgeBroker.Core.Tests;

/// <summary>
/// <see cref="BrokerCore.PublishWithoutWaiting"/>: what a PUBLISH kept for persistent sessions is handed to the store's
/// next commit, and the outcome the publisher is acknowledged with is decided once that commit has settled
/// (<see cref="BrokerCore.Settled"/>) — the same outcome as <see cref="BrokerCore.Publish(string, RoutedMessage)"/>
/// gives when the commit succeeds, <see cref="PublishOutcome.StoreUnavailable"/> when it fails.
/// </summary>
public class PublishWithoutWaitingTests
{
    const string Receiver = "away";
    const string Topic = "a/b";

    [Fact]
    public void KeptMessage_WaitsForItsCommit_ThenIsAcknowledgedAsRouted()
    {
        var (broker, conditions) = AwayReceiverOnDeferringStore();

        var outcome = broker.Core.PublishWithoutWaiting("sender", TestBroker.Message(Topic, qos: 1), null, out var pending);

        Assert.Equal(PublishOutcome.Queued, outcome);
        var commit = Assert.IsType<DeferringStore.HeldCommit>(pending);
        commit.Settle(committed: true);
        Assert.Equal(PublishOutcome.Queued, broker.Core.Settled(outcome, pending));
        Assert.Equal(0, broker.Counters.StoreRefused);
        Assert.Empty(conditions);
    }

    [Fact]
    public void FailedCommit_RefusesThePublish_CountsIt_AndTellsTheStoreConditionOnce()
    {
        var (broker, conditions) = AwayReceiverOnDeferringStore();

        var outcome = broker.Core.PublishWithoutWaiting("sender", TestBroker.Message(Topic, qos: 1), null, out var pending);
        ((DeferringStore.HeldCommit)pending).Settle(committed: false);

        Assert.Equal(PublishOutcome.StoreUnavailable, broker.Core.Settled(outcome, pending));
        Assert.Equal(1, broker.Counters.StoreRefused);
        Assert.Equal(new[] { false }, conditions);
    }

    [Fact]
    public void NothingKept_OrAStoreDurableOnAppend_LeavesNothingToWaitFor()
    {
        var deferring = new TestBroker(offlineStore: new DeferringStore(new OfflineLimits()));
        RecordingConnection online = deferring.ConnectSubscribed("online", Topic);
        Assert.Equal(PublishOutcome.Delivered, deferring.Core.PublishWithoutWaiting("sender", TestBroker.Message(Topic, qos: 1), null, out var none));
        Assert.Null(none);
        Assert.Single(online.Received);

        var memory = new TestBroker();
        memory.ConnectThenLeave(Receiver, TestBroker.Persistent, Topic);
        Assert.Equal(PublishOutcome.Queued, memory.Core.PublishWithoutWaiting("sender", TestBroker.Message(Topic, qos: 1), null, out var durable));
        Assert.Null(durable);
    }

    /// <summary>A broker on a <see cref="DeferringStore"/> whose persistent receiver is away, and the store conditions
    /// the core reports.</summary>
    static (TestBroker Broker, List<bool> Conditions) AwayReceiverOnDeferringStore()
    {
        var broker = new TestBroker(offlineStore: new DeferringStore(new OfflineLimits()));
        var conditions = new List<bool>();
        broker.Core.StoreConditionChanged = conditions.Add;
        broker.ConnectThenLeave(Receiver, TestBroker.Persistent, Topic);
        return (broker, conditions);
    }

    /// <summary>A memory store whose commits settle when the test says so.</summary>
    sealed class DeferringStore(OfflineLimits limits) : IOfflineStore
    {
        readonly MemoryOfflineStore _inner = new(limits);
        bool _appended;

        public long Append(string clientId, RoutedMessage message, int qos, bool retain, int[] subscriptionIdentifiers, long expiresAtMs)
        {
            _appended = true;
            return _inner.Append(clientId, message, qos, retain, subscriptionIdentifiers, expiresAtMs);
        }

        public bool Commit() => throw new InvalidOperationException("PublishWithoutWaiting must not wait for the store");

        public PendingCommit? CommitLater()
        {
            var appended = _appended;
            _appended = false;
            return appended ? new HeldCommit() : null;
        }

        public int Read(string clientId, long afterId, int max, long nowMs, System.Collections.ArrayList into) => _inner.Read(clientId, afterId, max, nowMs, into);

        public void Remove(string clientId, long id) => _inner.Remove(clientId, id);

        public int Count(string clientId) => _inner.Count(clientId);

        public bool IsFull(string clientId) => _inner.IsFull(clientId);

        public long LastId(string clientId) => _inner.LastId(clientId);

        public long LastIssuedId => _inner.LastIssuedId;

        public void Discard(string clientId) => _inner.Discard(clientId);

        public sealed class HeldCommit : PendingCommit
        {
            bool _settled;
            bool _committed;

            public override bool IsSettled => _settled;

            public override bool Committed => _committed;

            public void Settle(bool committed)
            {
                _committed = committed;
                _settled = true;
            }
        }
    }
}
