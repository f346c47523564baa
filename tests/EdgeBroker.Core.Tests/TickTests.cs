using System.Collections;
using EdgeBroker.Core.Offline;
using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Sessions;
using EdgeBroker.Core.Tests.Support;

namespace EdgeBroker.Core.Tests;

/// <summary>
/// The once-a-second tick looks only at the sessions listed in <see cref="DueSessions"/> (a backlog not yet handed
/// over, a will waiting out its delay): a session is listed once, leaves when nothing is left for it, comes back when
/// it falls behind again, and one the tick could not finish is looked at by the next.
/// </summary>
public class TickTests
{
    const string Receiver = "dev1";
    const string Topic = "a/p2p/" + Receiver;

    [Fact]
    public void ASessionAddedTwice_IsListedOnce_AndLeavesWhenSettledWithNothingDue()
    {
        var due = new DueSessions();
        var session = new Session(Receiver);

        due.Add(session);
        due.Add(session);
        ArrayList taken = due.Take();
        Assert.Equal(new object[] { session }, taken.Cast<object>());

        due.Settle(session, mayBecomeDue: false);
        Assert.Empty(due.Take().Cast<object>());

        due.Add(session);
        Assert.Equal(new object[] { session }, due.Take().Cast<object>());
    }

    [Fact]
    public void ASessionSettledStillDue_IsInTheNextTake_AndAnAddMeanwhileDoesNotListItTwice()
    {
        var due = new DueSessions();
        var session = new Session(Receiver);
        due.Add(session);
        due.Take();

        due.Add(session);
        due.Settle(session, mayBecomeDue: true);

        Assert.Equal(new object[] { session }, due.Take().Cast<object>());
    }

    [Fact]
    public void Relist_KeepsTheSessionsATickDidNotSettle()
    {
        var due = new DueSessions();
        Session[] sessions = { new("a"), new("b"), new("c") };
        foreach (Session session in sessions)
        {
            due.Add(session);
        }

        ArrayList taken = due.Take();
        due.Settle(sessions[0], mayBecomeDue: false);
        due.Relist(taken, 1);

        Assert.Equal(new object[] { sessions[1], sessions[2] }, due.Take().Cast<object>());
    }

    [Fact]
    public void AMessageAFullConnectionRefused_GoesOutWithTheTick_AgainAfterTheSessionHadCaughtUp()
    {
        var broker = new TestBroker();
        RecordingConnection receiver = broker.Connect(Receiver, TestBroker.Persistent, room: 1);
        Assert.Equal(PublishOutcome.Delivered, broker.Publish("sender", Topic, qos: 1, payload: "m1"));
        Assert.Equal(PublishOutcome.Queued, broker.Publish("sender", Topic, qos: 1, payload: "m2"));

        receiver.Room = 2;
        broker.Core.Tick(Clock.NowMs(), Clock.MonotonicMs() + broker.Limits.BatchIntervalMs + 1000);
        Assert.Equal(new[] { "m1", "m2" }, receiver.Payloads);

        // Caught up: the next tick finds nothing and lets the session go; falling behind again lists it again.
        broker.Core.Tick(Clock.NowMs(), Clock.MonotonicMs() + 2 * (broker.Limits.BatchIntervalMs + 1000));
        receiver.Room = 0;
        Assert.Equal(PublishOutcome.Queued, broker.Publish("sender", Topic, qos: 1, payload: "m3"));
        receiver.Room = null;
        broker.Core.Tick(Clock.NowMs(), Clock.MonotonicMs() + 3 * (broker.Limits.BatchIntervalMs + 1000));

        Assert.Equal(new[] { "m1", "m2", "m3" }, receiver.Payloads);
    }

    [Fact]
    public void ATickEndedByAStoreFault_LeavesTheRestForTheNextTick()
    {
        var store = new FaultyReads(new OfflineLimits { MaxMessagesPerClient = 1000 });
        var broker = new TestBroker(offlineStore: store);
        RecordingConnection watcher = broker.ConnectSubscribed("watcher", "status/#");
        RecordingConnection receiver = broker.Connect(Receiver, TestBroker.Persistent, room: 0);
        broker.Publish("sender", Topic, qos: 1, payload: "m1");
        RecordingConnection leaving = broker.ConnectWithWill("dev2", TestBroker.Message("status/dev2", payload: "gone"), 10, TestBroker.Persistent)!;
        broker.Disconnect(leaving);
        receiver.Room = null;
        long later = Clock.MonotonicMs() + 60_000;

        store.FailReads = true;
        Assert.Throws<IOException>(() => broker.Core.Tick(Clock.NowMs(), later));
        store.FailReads = false;
        broker.Core.Tick(Clock.NowMs(), later);

        Assert.Equal(new[] { "gone" }, watcher.Payloads);
        Assert.Equal(new[] { "m1" }, receiver.Payloads);
    }

    /// <summary>An in-memory store whose reads fail while <see cref="FailReads"/> is set (a store that went away).</summary>
    sealed class FaultyReads : IOfflineStore
    {
        readonly MemoryOfflineStore _store;

        public FaultyReads(OfflineLimits limits) => _store = new MemoryOfflineStore(limits);

        public bool FailReads { get; set; }

        public long Append(string clientId, RoutedMessage message, int qos, bool retain, int[] subscriptionIdentifiers, long expiresAtMs) =>
            _store.Append(clientId, message, qos, retain, subscriptionIdentifiers, expiresAtMs);

        public bool Commit() => _store.Commit();

        public PendingCommit CommitLater() => _store.CommitLater();

        public int Read(string clientId, long afterId, int max, long nowMs, ArrayList into) =>
            FailReads ? throw new IOException("the store went away") : _store.Read(clientId, afterId, max, nowMs, into);

        public void Remove(string clientId, long id) => _store.Remove(clientId, id);

        public int Count(string clientId) => _store.Count(clientId);

        public bool IsFull(string clientId) => _store.IsFull(clientId);

        public long LastId(string clientId) => _store.LastId(clientId);

        public long LastIssuedId => _store.LastIssuedId;

        public void Discard(string clientId) => _store.Discard(clientId);
    }
}
