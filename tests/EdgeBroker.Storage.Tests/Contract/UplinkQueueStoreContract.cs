using System.Collections;
using System.Text;
using EdgeBroker.Core.Uplink;
using EdgeBroker.Storage.Tests.Support;

namespace EdgeBroker.Storage.Tests.Contract;

/// <summary>
/// What an uplink relies on from every uplink queue store (<see cref="IUplinkQueueStore"/>), run against each
/// implementation; the memory store is the reference. The store is opened on first use and closed by
/// <see cref="Close"/>; the next use opens it again on the same directory.
/// </summary>
public abstract class UplinkQueueStoreContract : IDisposable
{
    protected const long Now = 1_700_000_000_000;

    IUplinkQueueStore? _store;

    protected TempDirectory Directory { get; } = new();

    protected IUplinkQueueStore Store => _store ??= Open(Directory.Path);

    /// <summary>Opens the implementation under test on <paramref name="directory"/>.</summary>
    protected abstract IUplinkQueueStore Open(string directory);

    protected void Close()
    {
        (_store as IDisposable)?.Dispose();
        _store = null;
    }

    public void Dispose()
    {
        Close();
        Directory.Dispose();
        GC.SuppressFinalize(this);
    }

    protected static UplinkEntry Entry(string payload, string topic = "site/t", int qos = 1, bool retain = false, long at = Now) =>
        new(topic, Encoding.UTF8.GetBytes(payload), qos, retain, "id-" + payload, at);

    protected List<UplinkEntry> ReadAll(string uplink, long after = 0, int max = int.MaxValue)
    {
        var into = new ArrayList();
        int count = Store.Read(uplink, after, max, into);
        Assert.Equal(into.Count, count);
        return into.Cast<UplinkEntry>().ToList();
    }

    protected static string PayloadOf(UplinkEntry entry) => Encoding.UTF8.GetString(entry.Payload);

    [Fact]
    public void Append_GivesIncreasingSequences_AcrossUplinks_AndSetsThemOnTheEntry()
    {
        var first = Entry("1");
        long a = Store.Append("a", first);
        long b = Store.Append("b", Entry("2"));
        long c = Store.Append("a", Entry("3"));

        Assert.True(a > 0);
        Assert.True(b > a);
        Assert.True(c > b);
        Assert.Equal(a, first.Sequence);
    }

    [Fact]
    public void Read_GivesEntriesOldestFirst_AfterASequence_WithEverythingTheyCarry()
    {
        long first = Store.Append("up", Entry("m0", topic: "x/y", qos: 0, retain: true, at: Now - 5));
        Store.Append("up", Entry("m1"));
        Store.Append("up", Entry("m2"));
        Store.Append("other", Entry("elsewhere"));

        var all = ReadAll("up");
        Assert.Equal(new[] { "m0", "m1", "m2" }, all.Select(PayloadOf));
        var entry = all[0];
        Assert.Equal((first, "x/y", 0, true, "id-m0", Now - 5), (entry.Sequence, entry.RemoteTopic, entry.Qos, entry.Retain, entry.DedupeId, entry.EnqueuedAtMs));
        Assert.Equal(new[] { "m1" }, ReadAll("up", after: first, max: 1).Select(PayloadOf));
        Assert.Empty(ReadAll("nobody"));
    }

    [Fact]
    public void Remove_ForgetsOneEntry_AnywhereInTheQueue_AndIgnoresUnknownOnes()
    {
        Store.Append("up", Entry("m0"));
        long middle = Store.Append("up", Entry("m1"));
        Store.Append("up", Entry("m2"));

        Store.Remove("up", middle);
        Store.Remove("up", middle);
        Store.Remove("up", 999_999);
        Store.Remove("other", middle);

        Assert.Equal(new[] { "m0", "m2" }, ReadAll("up").Select(PayloadOf));
    }

    [Fact]
    public void RemoveOldest_DropsTheHeadAndSaysWhich_ZeroWhenEmpty()
    {
        long oldest = Store.Append("up", Entry("m0"));
        Store.Append("up", Entry("m1"));

        Assert.Equal(oldest, Store.RemoveOldest("up", 0));
        Assert.Equal(new[] { "m1" }, ReadAll("up").Select(PayloadOf));
        Store.RemoveOldest("up", 0);
        Assert.Equal(0, Store.RemoveOldest("up", 0));
    }

    [Fact]
    public void RemoveOldest_PassesOverEntriesUpToTheGivenSequence_ZeroWhenOnlyThoseAreLeft()
    {
        long first = Store.Append("up", Entry("m0"));
        long second = Store.Append("up", Entry("m1"));
        long third = Store.Append("up", Entry("m2"));
        long bytes = Store.Bytes("up");

        Assert.Equal(third, Store.RemoveOldest("up", second));
        Assert.Equal(new[] { "m0", "m1" }, ReadAll("up").Select(PayloadOf));
        Assert.Equal((2, bytes - UplinkEntry.SizeOf(Entry("m2").RemoteTopic, 2, null)), (Store.Count("up"), Store.Bytes("up")));
        Assert.Equal(0, Store.RemoveOldest("up", second));
        Assert.Equal(second, Store.RemoveOldest("up", first));
    }

    [Fact]
    public void Count_Bytes_AndOldestTime_FollowTheQueue()
    {
        Assert.Equal((0, 0L, 0L), (Store.Count("up"), Store.Bytes("up"), Store.OldestEnqueuedAtMs("up")));
        long first = Store.Append("up", Entry("abc", at: Now));
        Store.Append("up", Entry("de", at: Now + 10));
        Store.Append("other", Entry("zzzz"));

        Assert.Equal(2, Store.Count("up"));
        Assert.Equal(UplinkEntry.SizeOf("site/t", 3, null) + UplinkEntry.SizeOf("site/t", 2, null), Store.Bytes("up"));
        Assert.Equal(Now, Store.OldestEnqueuedAtMs("up"));

        Store.Remove("up", first);
        Assert.Equal((1, UplinkEntry.SizeOf("site/t", 2, null), Now + 10), (Store.Count("up"), Store.Bytes("up"), Store.OldestEnqueuedAtMs("up")));
    }

    [Fact]
    public void Append_FromManyThreads_KeepsEachThreadsOrder()
    {
        const int Threads = 4;
        const int PerThread = 200;
        // Opened here, once: the lazy Store getter is not meant for several threads at once.
        var store = Store;
        Parallel.For(0, Threads, thread =>
        {
            for (int i = 0; i < PerThread; i++)
            {
                Assert.True(store.Append("up", Entry(thread + ":" + i)) > 0);
            }
        });

        var read = ReadAll("up");
        Assert.Equal(Threads * PerThread, read.Count);
        Assert.True(read.Select(e => e.Sequence).SequenceEqual(read.Select(e => e.Sequence).Order()));
        for (int thread = 0; thread < Threads; thread++)
        {
            var own = read.Select(PayloadOf).Where(p => p.StartsWith(thread + ":")).Select(p => int.Parse(p.Split(':')[1]));
            Assert.Equal(Enumerable.Range(0, PerThread), own);
        }
    }
}

/// <summary>The contract, plus what a durable store adds: the queue is as it was after closing and opening it again.</summary>
public abstract class DurableUplinkQueueStoreContract : UplinkQueueStoreContract
{
    [Fact]
    public void Reopen_KeepsTheQueueInOrder_WithoutRemovedEntries()
    {
        Store.Append("up", Entry("m0", topic: "a/b", qos: 0, retain: true, at: Now - 1));
        long removed = Store.Append("up", Entry("m1"));
        Store.Append("up", Entry("m2"));
        Store.Remove("up", removed);

        Close();

        var read = ReadAll("up");
        Assert.Equal(new[] { "m0", "m2" }, read.Select(PayloadOf));
        Assert.Equal(("a/b", 0, true, "id-m0", Now - 1), (read[0].RemoteTopic, read[0].Qos, read[0].Retain, read[0].DedupeId, read[0].EnqueuedAtMs));
        Assert.Equal(2, Store.Count("up"));
        Assert.Equal(UplinkEntry.SizeOf("a/b", 2, null) + UplinkEntry.SizeOf("site/t", 2, null), Store.Bytes("up"));
    }

    [Fact]
    public void Reopen_KeepsWhichEntriesAreP2PMessagesToAddress_AndTheirHopCount()
    {
        var p2p = Entry("p", topic: "plant/p2p/act9");
        p2p.P2PHops = 3;
        Store.Append("up", p2p);
        Store.Append("up", Entry("plain", topic: "plant/p2p/app"));
        var first = Entry("first", topic: "plant/p2p/x");
        first.P2PHops = 0;
        Store.Append("up", first);

        Close();

        Assert.Equal([("plant/p2p/act9", 3), ("plant/p2p/app", UplinkEntry.NotP2P), ("plant/p2p/x", 0)],
            ReadAll("up").Select(entry => (entry.RemoteTopic, entry.P2PHops)));
        Assert.Equal(UplinkEntry.SizeOf("plant/p2p/act9", 1, null) + UplinkEntry.SizeOf("plant/p2p/app", 5, null) + UplinkEntry.SizeOf("plant/p2p/x", 5, null),
            Store.Bytes("up"));
    }

    [Fact]
    public void Reopen_SequencesKeepIncreasing_EvenWhenTheQueueIsEmpty()
    {
        long first = Store.Append("up", Entry("m0"));
        Store.RemoveOldest("up", 0);

        Close();

        Assert.True(Store.Append("up", Entry("m1")) > first);
    }
}

/// <summary>The reference: the core's heap store.</summary>
public sealed class MemoryUplinkQueueStoreContractTests : UplinkQueueStoreContract
{
    protected override IUplinkQueueStore Open(string directory) => new MemoryUplinkQueueStore();
}

/// <summary>The host's SQLite queue (group commit, removals collected), closed with its database.</summary>
public sealed class SqliteUplinkQueueStoreContractTests : DurableUplinkQueueStoreContract
{
    protected override IUplinkQueueStore Open(string directory) => new OwningSqliteUplinkQueueStore(directory);

    /// <summary>The store and the database under it, closed together as the broker closes them.</summary>
    sealed class OwningSqliteUplinkQueueStore(string directory) : IUplinkQueueStore, IDisposable
    {
        readonly EdgeBroker.Host.Storage.SqliteDatabase _database = EdgeBroker.Host.Storage.SqliteDatabase.Open(directory);
        EdgeBroker.Host.Storage.SqliteUplinkQueueStore? _store;

        EdgeBroker.Host.Storage.SqliteUplinkQueueStore Store => _store ??= new(_database);

        public long Append(string uplink, UplinkEntry entry) => Store.Append(uplink, entry);

        public int Read(string uplink, long afterSequence, int max, ArrayList into) => Store.Read(uplink, afterSequence, max, into);

        public void Remove(string uplink, long sequence) => Store.Remove(uplink, sequence);

        public long RemoveOldest(string uplink, long afterSequence) => Store.RemoveOldest(uplink, afterSequence);

        public int Count(string uplink) => Store.Count(uplink);

        public long Bytes(string uplink) => Store.Bytes(uplink);

        public long OldestEnqueuedAtMs(string uplink) => Store.OldestEnqueuedAtMs(uplink);

        public void Dispose()
        {
            _store?.Dispose();
            _database.Dispose();
        }
    }
}
