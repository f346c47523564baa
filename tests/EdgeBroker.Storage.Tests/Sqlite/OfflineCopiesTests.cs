using System.Collections;
using System.Runtime.CompilerServices;
using EdgeBroker.Core.Offline;
using EdgeBroker.Host.Storage;
using EdgeBroker.Storage.Tests.Support;
using static EdgeBroker.Storage.Tests.Support.Messages;

namespace EdgeBroker.Storage.Tests.Sqlite;

/// <summary>The SQLite offline store's in-memory copies: bounded by their budget, complete for a client or absent, never
/// a message SQLite would not give (rolled back, acknowledged, expired), and the database still the truth after a
/// restart.</summary>
public sealed class OfflineCopiesTests : IDisposable
{
    /// <summary>What one of these tests' messages costs the budget: topic "t/x", a two-character payload.</summary>
    const long CopyOfOne = 3 + 2 + OfflineCopies.OverheadBytes;

    readonly TempDirectory _directory = new();
    readonly OfflineLimits _limits = new() { MaxMessagesPerClient = 1000, MaxBytesPerClient = long.MaxValue };

    [Theory]
    [InlineData(1024 * 1024, false)]
    [InlineData(0, true)]
    public void A_read_commits_the_acknowledgements_collected_before_it_only_when_it_reads_the_database(long copyBytes, bool commits)
    {
        using var database = SqliteDatabase.Open(_directory.Path);
        var offline = new SqliteOfflineStore(database, _limits, copyBytes);
        var ids = Enumerable.Range(0, 20).Select(i => offline.Append("dev", "m" + i)).ToList();
        Assert.True(offline.Commit());

        // Under the database's lock the deletions' own commit (its timer, on the thread pool) cannot run.
        lock (database.Sync)
        {
            foreach (var id in ids.Take(10))
            {
                offline.Remove("dev", id);
            }

            var batches = database.Writes.Batches;
            Assert.Equal(ids.Skip(10), offline.ReadAll("dev").Select(message => message.Id));
            Assert.Equal(commits, database.Writes.Batches > batches);
        }

        // Either way the acknowledgements are committed soon after (the collected deletions' delay).
        Assert.True(SpinWait.SpinUntil(() => database.Writes.Batches > 1, TimeSpan.FromSeconds(10)));
        Assert.Equal(10, offline.Count("dev"));
    }

    [Fact]
    public void A_copy_holds_a_backlog_stored_since_the_queue_was_empty_and_is_given_back_once_it_is_acknowledged()
    {
        var copies = new OfflineCopies(10 * CopyOfOne);
        for (var i = 1; i <= 3; i++)
        {
            copies.Add("dev", Stored(i), clientWasEmpty: i == 1);
        }

        Assert.Equal(3 * CopyOfOne, copies.Bytes);
        Assert.Equal([1L, 2, 3], Read(copies, "dev"));
        Assert.Equal([3L], Read(copies, "dev", afterId: 2));

        copies.Remove("dev", 2);
        Assert.Equal([1L, 3], Read(copies, "dev"));
        copies.Remove("dev", 1);
        copies.Remove("dev", 3);
        Assert.Equal(0, copies.Bytes);
        Assert.Empty(Read(copies, "dev"));

        // Drained, the client keeps its (empty) copy: what comes next is copied too.
        copies.Add("dev", Stored(4), clientWasEmpty: false);
        Assert.Equal([4L], Read(copies, "dev"));
    }

    [Fact]
    public void A_copy_counts_its_messages_MQTT_5_properties_against_the_budget_and_keeps_them()
    {
        var copies = new OfflineCopies(2 * CopyOfOne + 1000);
        var withProperties = Message("t/x", "m1");
        withProperties.EngineProperties = new Mqtt5Properties(new MQTTnet.MqttApplicationMessage(), 1000);
        copies.Add("dev", new StoredMessage(1, withProperties, 1, false, null, NeverExpires), clientWasEmpty: true);

        Assert.Equal(CopyOfOne + 1000, copies.Bytes);
        Assert.Equal(1000, Assert.Single(ReadMessages(copies, "dev")).Message.EngineProperties!.FootprintBytes);

        // A third message no longer fits: the client's whole copy goes, and the budget with it.
        copies.Add("dev", Stored(2), clientWasEmpty: false);
        copies.Add("dev", Stored(3), clientWasEmpty: false);
        Assert.Equal(0, copies.Bytes);
        Assert.False(copies.TryRead("dev", 0, long.MaxValue, int.MaxValue, Now, new ArrayList(), [], out _));
    }

    [Fact]
    public void A_copy_keeps_id_order_while_it_grows_and_its_acknowledged_front_is_reclaimed()
    {
        var copies = new OfflineCopies(1000 * CopyOfOne);
        var kept = new List<long>();
        for (long id = 1; id <= 100; id++)
        {
            copies.Add("dev", Stored(id), clientWasEmpty: id == 1);
            kept.Add(id);

            // Acknowledged mostly in order, now and then one ahead of its turn.
            if (id % 3 == 0)
            {
                var acknowledged = id % 9 == 0 ? kept[^1] : kept[0];
                copies.Remove("dev", acknowledged);
                kept.Remove(acknowledged);
            }
        }

        Assert.Equal(kept, Read(copies, "dev"));
        Assert.Equal(kept.Where(id => id > 50), Read(copies, "dev", afterId: 50));
        Assert.Equal(kept.Count * CopyOfOne, copies.Bytes);
    }

    [Fact]
    public void A_copy_keeps_none_of_the_stored_message_objects_alive_and_reads_back_what_was_stored()
    {
        var copies = new OfflineCopies(1000 * CopyOfOne);
        var kept = Enumerable.Range(1, 40).Select(id => AddAndForget(copies, id)).ToList();
        GC.Collect();
        GC.WaitForPendingFinalizers();

        Assert.All(kept, references => Assert.False(references.Message.IsAlive || references.Payload.IsAlive));
        var read = ReadMessages(copies, "dev");
        Assert.Equal(Enumerable.Range(1, 40).Select(id => "m" + id), read.Payloads());
        Assert.All(read, message => Assert.Equal(("t/x", "sender", 1, false), (message.Message.Topic, message.Message.SenderClientId, message.Qos, message.Retain)));

        // Payloads share arrays, each written once: what a read handed out stays as it was while more is copied.
        var first = read[0].Message;
        for (var id = 41; id <= 400; id++)
        {
            AddAndForget(copies, id);
        }

        Assert.Equal("m1", PayloadOf(read[0]));
        Assert.Same(first.Payload, ReadMessages(copies, "dev")[0].Message.Payload);
    }

    [Fact]
    public void A_client_whose_backlog_does_not_fit_has_no_copy_until_it_has_drained()
    {
        var copies = new OfflineCopies(2 * CopyOfOne);
        copies.Add("dev", Stored(1), clientWasEmpty: true);
        copies.Add("dev", Stored(2), clientWasEmpty: false);
        copies.Add("dev", Stored(3), clientWasEmpty: false);

        Assert.Equal(0, copies.Bytes);
        Assert.False(copies.TryRead("dev", 0, long.MaxValue, 10, Now, new ArrayList(), [], out _));

        // Still holding messages: no copy, so a read cannot miss the ones before.
        copies.Add("dev", Stored(4), clientWasEmpty: false);
        Assert.False(copies.TryRead("dev", 0, long.MaxValue, 10, Now, new ArrayList(), [], out _));

        copies.Add("dev", Stored(5), clientWasEmpty: true);
        Assert.Equal([5L], Read(copies, "dev"));

        // A client that never had a copy (messages from before a restart) gets none either.
        copies.Add("old", Stored(6), clientWasEmpty: false);
        Assert.False(copies.TryRead("old", 0, long.MaxValue, 10, Now, new ArrayList(), [], out _));
    }

    [Fact]
    public void A_read_stops_at_the_last_committed_id_and_reports_expired_messages()
    {
        var copies = new OfflineCopies(10 * CopyOfOne);
        copies.Add("dev", Stored(1, expiresAtMs: Now), clientWasEmpty: true);
        copies.Add("dev", Stored(2), clientWasEmpty: false);
        copies.Add("dev", Stored(3), clientWasEmpty: false);
        var into = new ArrayList();
        var expired = new List<long>();

        Assert.True(copies.TryRead("dev", 0, upToId: 2, 10, Now, into, expired, out var added));

        Assert.Equal(1, added);
        Assert.Equal([2L], into.Cast<StoredMessage>().Select(message => message.Id));
        Assert.Equal([1L], expired);
    }

    [Fact]
    public void A_backlog_larger_than_the_budget_is_read_whole_from_the_database_in_order()
    {
        using var database = SqliteDatabase.Open(_directory.Path);
        var offline = new SqliteOfflineStore(database, _limits, copyBytes: 5 * CopyOfOne);
        var ids = Enumerable.Range(0, 20).Select(i => offline.Append("dev", "m" + (i % 10))).ToList();
        Assert.True(offline.Commit());

        Assert.Equal(ids, offline.ReadAll("dev").Select(message => message.Id));
        Assert.Equal(ids.Skip(7).Take(3), offline.ReadAll("dev", afterId: ids[6], max: 3).Select(message => message.Id));
    }

    [Fact]
    public void Reads_from_the_copies_give_what_the_database_gives_after_a_restart()
    {
        List<StoredMessage> copied;
        using (var database = SqliteDatabase.Open(_directory.Path))
        {
            var offline = new SqliteOfflineStore(database, _limits, copyBytes: 1024 * 1024);
            var ids = new List<long>();
            for (var i = 0; i < 30; i++)
            {
                var client = i % 3 == 0 ? "other" : "dev";
                ids.Add(offline.Append(client, Message("t/" + client, "m" + i, retain: i % 4 == 0), 1 + (i % 2), i % 4 == 0, i % 5 == 0 ? [i, 7] : null,
                    i == 13 ? Now - 1 : NeverExpires));
            }

            Assert.True(offline.Commit());
            offline.Remove("dev", ids[1]);
            offline.Remove("dev", ids[8]);
            copied = offline.ReadAll("dev");
            Assert.DoesNotContain(copied, message => message.Id == ids[13]);
        }

        using var reopened = SqliteDatabase.Open(_directory.Path);
        var read = new SqliteOfflineStore(reopened, _limits, copyBytes: 1024 * 1024).ReadAll("dev");

        Assert.Equal(Describe(copied), Describe(read));
    }

    [Fact]
    public void A_message_whose_commit_failed_is_not_read_from_the_copy()
    {
        var payload = new string('p', 1000);
        using var database = SqliteDatabase.Open(_directory.Path, maxBytes: 128 * 1024);
        var offline = new SqliteOfflineStore(database, _limits, copyBytes: 1024 * 1024);
        var committed = new List<long>();
        while (true)
        {
            var id = offline.Append("dev", payload);
            if (!offline.Commit())
            {
                break;
            }

            committed.Add(id);
        }

        Assert.Equal(committed, offline.ReadAll("dev").Select(message => message.Id));
    }

    [Fact]
    public void A_restart_before_acknowledged_messages_are_deleted_delivers_them_again_and_loses_none()
    {
        using var database = SqliteDatabase.Open(_directory.Path);
        var offline = new SqliteOfflineStore(database, _limits, copyBytes: 1024 * 1024);
        var ids = Enumerable.Range(0, 10).Select(i => offline.Append("dev", "m" + i)).ToList();
        Assert.True(offline.Commit());

        // Holding the database's lock keeps the deletions from committing: a kill now leaves them undone.
        lock (database.Sync)
        {
            foreach (var id in ids.Take(6))
            {
                offline.Remove("dev", id);
            }

            // What a restarted broker reads: a second connection to the same file, as the killed one left it. The core
            // sends everything kept before a restart with DUP set (its redelivery boundary is the last id kept).
            using var afterCrash = SqliteDatabase.Open(_directory.Path);
            Assert.Equal(ids, new SqliteOfflineStore(afterCrash, _limits).ReadAll("dev").Select(message => message.Id));
        }

        Assert.Equal(ids.Skip(6), offline.ReadAll("dev").Select(message => message.Id));
    }

    static StoredMessage Stored(long id, long expiresAtMs = NeverExpires) =>
        new(id, Message("t/x", "m" + (id % 10)), 1, false, null, expiresAtMs);

    /// <summary>Adds message <paramref name="id"/> (payload "m" + id, its own array) and returns weak references to what
    /// the store handed over; not inlined, so nothing of it stays on this stack.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    static (WeakReference Message, WeakReference Payload) AddAndForget(OfflineCopies copies, long id)
    {
        var stored = new StoredMessage(id, Message("t/x", "m" + id), 1, false, null, NeverExpires);
        copies.Add("dev", stored, clientWasEmpty: id == 1);
        return (new WeakReference(stored), new WeakReference(stored.Message.Payload));
    }

    static List<StoredMessage> ReadMessages(OfflineCopies copies, string clientId)
    {
        var into = new ArrayList();
        Assert.True(copies.TryRead(clientId, 0, long.MaxValue, int.MaxValue, Now, into, [], out _));
        return into.Cast<StoredMessage>().ToList();
    }

    static List<long> Read(OfflineCopies copies, string clientId, long afterId = 0)
    {
        var into = new ArrayList();
        Assert.True(copies.TryRead(clientId, afterId, long.MaxValue, int.MaxValue, Now, into, [], out var added));
        Assert.Equal(added, into.Count);
        return into.Cast<StoredMessage>().Select(message => message.Id).ToList();
    }

    static List<string> Describe(List<StoredMessage> messages) => messages.Select(message =>
        $"{message.Id} {message.Message.Topic} {PayloadOf(message)} q{message.Qos} r{message.Retain} " +
        $"[{string.Join(',', message.SubscriptionIdentifiers ?? [])}] {message.Message.SenderClientId} {message.Message.PublishedAtMs} {message.ExpiresAtMs}").ToList();

    public void Dispose() => _directory.Dispose();
}
