using EdgeBroker.Core.Offline;
using EdgeBroker.Host.Storage;
using EdgeBroker.Storage.Tests.Support;

namespace EdgeBroker.Storage.Tests.Sqlite;

/// <summary>The SQLite offline store's group commit: publishers that wait at the same time share one transaction, each
/// learns whether its own messages were kept, and deletions ride with a later transaction.</summary>
public sealed class GroupCommitTests : IDisposable
{
    readonly TempDirectory _directory = new();
    readonly OfflineLimits _limits = new() { MaxMessagesPerClient = 1000, MaxBytesPerClient = long.MaxValue };

    [Fact]
    public void Publishers_waiting_while_a_commit_runs_share_the_next_transaction_and_each_is_durable()
    {
        const int Publishers = 5;
        using (var database = SqliteDatabase.Open(_directory.Path))
        {
            var offline = new SqliteOfflineStore(database, _limits);
            var committed = new bool[Publishers];
            Thread[] publishers;

            // Holding the database's lock stands in for a commit under way: every publisher queues its message and waits.
            lock (database.Sync)
            {
                publishers = Enumerable.Range(0, Publishers).Select(i => new Thread(() =>
                {
                    offline.Append("dev-" + i, "m" + i);
                    committed[i] = offline.Commit();
                })).ToArray();
                foreach (var publisher in publishers)
                {
                    publisher.Start();
                }

                SpinWait.SpinUntil(() => publishers.All(p => p.ThreadState == ThreadState.WaitSleepJoin), TimeSpan.FromSeconds(10));
            }

            foreach (var publisher in publishers)
            {
                publisher.Join();
            }

            Assert.All(committed, Assert.True);
            Assert.Equal(1, database.Writes.Batches);
            Assert.Equal(Publishers, database.Writes.Changes);
        }

        using var reopened = SqliteDatabase.Open(_directory.Path);
        var store = new SqliteOfflineStore(reopened, _limits);
        Assert.All(Enumerable.Range(0, Publishers), i => Assert.Equal(["m" + i], store.ReadAll("dev-" + i).Payloads()));
    }

    [Fact]
    public void A_deletion_waits_for_the_next_transaction_and_is_committed_with_it()
    {
        using var database = SqliteDatabase.Open(_directory.Path);
        var offline = new SqliteOfflineStore(database, _limits);
        var acknowledged = offline.Append("dev", "acknowledged");
        Assert.True(offline.Commit());

        // Under the database's lock, so the deletion's timer cannot commit it alone first.
        lock (database.Sync)
        {
            offline.Remove("dev", acknowledged);
            offline.Append("dev", "next");
        }

        Assert.True(offline.Commit());

        Assert.Equal(2, database.Writes.Batches);
        Assert.Equal(3, database.Writes.Changes);
        Assert.Equal(["next"], offline.ReadAll("dev").Payloads());
    }

    [Fact]
    public void Deletions_collected_until_a_commit_are_one_change_and_free_the_quota_once_committed()
    {
        using (var database = SqliteDatabase.Open(_directory.Path))
        {
            var offline = new SqliteOfflineStore(database, _limits);
            var ids = Enumerable.Range(0, 100).Select(i => offline.Append(i % 2 == 0 ? "dev" : "other", "m" + i)).ToList();
            Assert.True(offline.Commit());

            lock (database.Sync)
            {
                foreach (var (id, i) in ids.Select((id, i) => (id, i)))
                {
                    offline.Remove(i % 2 == 0 ? "dev" : "other", id);
                }
            }

            Assert.Equal(0, offline.Count("dev"));
            Assert.Equal(0, offline.Count("other"));
            Assert.Equal(2, database.Writes.Batches);
            Assert.Equal(101, database.Writes.Changes);
        }

        using var reopened = SqliteDatabase.Open(_directory.Path);
        var store = new SqliteOfflineStore(reopened, _limits);
        Assert.Empty(store.ReadAll("dev"));
        Assert.Empty(store.ReadAll("other"));
    }

    [Fact]
    public void Runs_of_consecutive_acknowledged_ids_and_scattered_ones_delete_exactly_the_acknowledged_rows()
    {
        var dev = new List<long>();
        var other = new List<long>();
        List<long> acknowledged;
        using (var database = SqliteDatabase.Open(_directory.Path))
        {
            var offline = new SqliteOfflineStore(database, _limits);
            for (var i = 0; i < 60; i++)
            {
                // 20 for dev, then 20 alternating between the two clients, then 20 more for dev.
                var client = i >= 20 && i < 40 && i % 2 == 1 ? "other" : "dev";
                (client == "dev" ? dev : other).Add(offline.Append(client, "m" + i));
            }

            Assert.True(offline.Commit());

            // dev acknowledges its first 15 in order (a run), every other one of the interleaved part (scattered), then
            // 12 of its last 20 with a gap, the 3 after the gap in reverse order (scattered again).
            acknowledged = dev.Take(15).Concat(dev.Skip(20).Take(10).Where((_, i) => i % 2 == 0))
                .Concat(dev.Skip(30).Take(9)).Concat(dev.Skip(40).Take(3).Reverse()).ToList();
            lock (database.Sync)
            {
                foreach (var id in acknowledged)
                {
                    offline.Remove("dev", id);
                }
            }

            Assert.Equal(dev.Except(acknowledged), offline.ReadAll("dev").Select(message => message.Id));
            Assert.Equal(other, offline.ReadAll("other").Select(message => message.Id));
            Assert.Equal(dev.Count - acknowledged.Count, offline.Count("dev"));
        }

        using var reopened = SqliteDatabase.Open(_directory.Path);
        var store = new SqliteOfflineStore(reopened, _limits);
        Assert.Equal(other, store.ReadAll("other").Select(message => message.Id));
        Assert.Equal(dev.Except(acknowledged), store.ReadAll("dev").Select(message => message.Id));
    }

    [Fact]
    public void A_message_acknowledged_before_its_insert_is_committed_is_deleted_by_the_same_transaction()
    {
        using (var database = SqliteDatabase.Open(_directory.Path))
        {
            var offline = new SqliteOfflineStore(database, _limits);
            var first = offline.Append("dev", "first");
            Assert.True(offline.Commit());

            // The deletions' batch is queued before the second message's insert; the receiver gets that message before
            // its commit (as the core sends it) and acknowledges it into the same batch.
            lock (database.Sync)
            {
                offline.Remove("dev", first);
                var second = offline.Append("dev", "second");
                offline.Remove("dev", second);
            }

            Assert.True(offline.Commit());
            Assert.Equal(2, database.Writes.Batches);
            Assert.Equal(0, offline.Count("dev"));
            Assert.Empty(offline.ReadAll("dev"));
        }

        using var reopened = SqliteDatabase.Open(_directory.Path);
        var store = new SqliteOfflineStore(reopened, _limits);
        Assert.Empty(store.ReadAll("dev"));
        Assert.Equal(0, store.Count("dev"));
    }

    [Fact]
    public void A_deletion_nobody_follows_is_committed_within_the_delay()
    {
        using (var database = SqliteDatabase.Open(_directory.Path))
        {
            var offline = new SqliteOfflineStore(database, _limits);
            var id = offline.Append("dev", "acknowledged");
            Assert.True(offline.Commit());
            offline.Remove("dev", id);
            Assert.True(SpinWait.SpinUntil(() => database.Writes.Changes == 2, TimeSpan.FromSeconds(10)));
        }

        using var reopened = SqliteDatabase.Open(_directory.Path);
        Assert.Empty(new SqliteOfflineStore(reopened, _limits).ReadAll("dev"));
    }

    [Fact]
    public async Task Appends_handed_over_while_a_commit_runs_share_the_next_transaction_and_settle_without_anyone_waiting()
    {
        using (var database = SqliteDatabase.Open(_directory.Path))
        {
            var offline = new SqliteOfflineStore(database, _limits);
            var pending = new List<GroupCommit.Pending>();

            // Holding the database's lock stands in for a commit under way: one publisher hands over message after message.
            lock (database.Sync)
            {
                for (var i = 0; i < 20; i++)
                {
                    offline.Append("dev", "m" + i);
                    pending.Add((GroupCommit.Pending)offline.CommitLater()!);
                }

                Assert.DoesNotContain(pending, p => p.IsSettled);
            }

            await Task.WhenAll(pending.Select(p => p.WhenSettled(CancellationToken.None))).WaitAsync(TimeSpan.FromSeconds(10));
            Assert.All(pending, p => Assert.True(p.Committed));
            Assert.Equal(1, database.Writes.Batches);
            Assert.Null(offline.CommitLater());
        }

        using var reopened = SqliteDatabase.Open(_directory.Path);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => "m" + i), new SqliteOfflineStore(reopened, _limits).ReadAll("dev").Payloads());
    }

    [Fact]
    public void A_thread_with_nothing_appended_commits_nothing()
    {
        using var database = SqliteDatabase.Open(_directory.Path);
        Assert.True(new SqliteOfflineStore(database, _limits).Commit());
        Assert.Equal(0, database.Writes.Batches);
    }

    public void Dispose() => _directory.Dispose();
}
