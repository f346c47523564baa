using EdgeBroker.Core.Offline;
using EdgeBroker.Host.Storage;
using EdgeBroker.Storage.Tests.Support;
using static EdgeBroker.Storage.Tests.Support.Messages;

namespace EdgeBroker.Storage.Tests.Sqlite;

/// <summary>Runs of gone messages — acknowledged, expired, or cleared with the session: committed at once, their rows
/// deleted later — and neither a read nor a restart in between gives back anything of them, nor do they take anything
/// stored after them.</summary>
public sealed class DeletionRunsTests : IDisposable
{
    readonly TempDirectory _directory = new();
    readonly OfflineLimits _limits = new() { MaxMessagesPerClient = 1000, MaxBytesPerClient = long.MaxValue };

    [Fact]
    public void A_run_is_committed_as_acknowledged_at_once_and_its_rows_are_deleted_within_the_delay()
    {
        using var database = SqliteDatabase.Open(_directory.Path);
        var offline = new SqliteOfflineStore(database, _limits, copyBytes: 1024 * 1024);
        var ids = StoreThenAcknowledgeARun(database, offline, stored: 30, acknowledged: 20, whileLocked: _ =>
        {
            // Committed as acknowledged (the quota has them gone), the rows still there until the purge.
            Assert.Equal(30L, database.OfflineRows());
            Assert.Equal(1L, database.Scalar("SELECT COUNT(*) FROM offline_acknowledged"));
        });

        Assert.Equal(ids.Skip(20), offline.ReadAll("dev").Select(message => message.Id));
        Assert.True(SpinWait.SpinUntil(() => database.OfflineRows() == 10, TimeSpan.FromSeconds(10)));
        Assert.Equal(0L, database.Scalar("SELECT COUNT(*) FROM offline_acknowledged"));
        Assert.Equal(ids.Skip(20), offline.ReadAll("dev").Select(message => message.Id));
    }

    [Fact]
    public void A_restart_before_the_rows_are_deleted_gives_back_nothing_acknowledged_and_deletes_them()
    {
        using var database = SqliteDatabase.Open(_directory.Path);
        var offline = new SqliteOfflineStore(database, _limits, copyBytes: 1024 * 1024);

        // The database's lock keeps this connection's purge from running: a kill now leaves the rows and the runs.
        StoreThenAcknowledgeARun(database, offline, stored: 40, acknowledged: 25, whileLocked: ids =>
        {
            Assert.Equal(40L, database.OfflineRows());

            using var afterCrash = SqliteDatabase.Open(_directory.Path);
            var restarted = new SqliteOfflineStore(afterCrash, _limits);
            Assert.Equal(ids.Skip(25), restarted.ReadAll("dev").Select(message => message.Id));
            Assert.Equal(15, restarted.Count("dev"));
            Assert.Equal(15L, afterCrash.OfflineRows());
            Assert.Equal(0L, afterCrash.Scalar("SELECT COUNT(*) FROM offline_acknowledged"));
            Assert.True(restarted.Append("dev", "next") > ids[^1]);
        });
    }

    [Fact]
    public void A_disposed_store_deletes_no_more_rows_and_the_next_store_deletes_what_waited()
    {
        using var database = SqliteDatabase.Open(_directory.Path);
        var offline = new SqliteOfflineStore(database, _limits, copyBytes: 1024 * 1024);
        var ids = StoreThenAcknowledgeARun(database, offline, stored: 30, acknowledged: 20, whileLocked: _ => offline.Dispose());

        // Three times the purge's idle delay (100 ms): a live timer would have deleted the rows by now.
        Thread.Sleep(300);
        Assert.Equal(30L, database.OfflineRows());
        Assert.Equal(1L, database.Scalar("SELECT COUNT(*) FROM offline_acknowledged"));

        var next = new SqliteOfflineStore(database, _limits);
        Assert.Equal(10L, database.OfflineRows());
        Assert.Equal(ids.Skip(20), next.ReadAll("dev").Select(message => message.Id));
        next.Dispose();
    }

    [Fact]
    public void A_client_read_from_the_database_gets_nothing_of_its_runs_and_others_keep_theirs()
    {
        using var database = SqliteDatabase.Open(_directory.Path);
        var offline = new SqliteOfflineStore(database, _limits);
        var dev = Enumerable.Range(0, 20).Select(i => offline.Append("dev", "d" + i)).ToList();
        var other = Enumerable.Range(0, 20).Select(i => offline.Append("other", "o" + i)).ToList();
        Assert.True(offline.Commit());

        lock (database.Sync)
        {
            foreach (var id in dev.Take(12).Concat(other.Take(10)))
            {
                offline.Remove(dev.Contains(id) ? "dev" : "other", id);
            }

            Assert.Equal(8, offline.Count("dev"));

            // The reads skip the runs' rows, which wait for the purge: a read deletes nothing, so it holds the writer no
            // longer than it reads.
            Assert.Equal(dev.Skip(12), offline.ReadAll("dev").Select(message => message.Id));
            Assert.Equal(other.Skip(10), offline.ReadAll("other").Select(message => message.Id));
            Assert.Equal(40L, database.OfflineRows());
        }

        Assert.True(SpinWait.SpinUntil(() => database.OfflineRows() == 18, TimeSpan.FromSeconds(10)));
        Assert.Equal(dev.Skip(12), offline.ReadAll("dev").Select(message => message.Id));
        Assert.Equal(other.Skip(10), offline.ReadAll("other").Select(message => message.Id));
    }

    [Fact]
    public void A_full_database_deletes_the_waiting_runs_rows_in_the_batch_that_needs_the_room()
    {
        var limits = new OfflineLimits { MaxMessagesPerClient = 100_000, MaxBytesPerClient = long.MaxValue };
        var payload = new string('p', 1000);
        using var database = SqliteDatabase.Open(_directory.Path, maxBytes: 256 * 1024);
        var offline = new SqliteOfflineStore(database, limits);
        var first = Enumerable.Range(0, 30).Select(_ => offline.Append("dev", payload)).ToList();
        Assert.True(offline.Commit());

        // The database's lock keeps the purge from running: the run's rows still take their room.
        lock (database.Sync)
        {
            foreach (var id in first.Take(20))
            {
                offline.Remove("dev", id);
            }

            Assert.Equal(10, offline.Count("dev"));
            Assert.Equal(30L, database.OfflineRows());

            var more = 0;
            while (true)
            {
                offline.Append("other", payload);
                if (!offline.Commit())
                {
                    break;
                }

                more++;
            }

            // Full: one more acknowledgement, and the next batch deletes every waiting row before its insert, which
            // needs more room than that acknowledged message's row alone frees.
            offline.Remove("dev", first[25]);
            Assert.True(offline.Append("other", new string('q', 8000)) > 0);
            Assert.True(offline.Commit());
            Assert.Equal(9, offline.Count("dev"));
            Assert.Equal(9L + more + 1, database.OfflineRows());
            Assert.Equal(0L, database.Scalar("SELECT COUNT(*) FROM offline_acknowledged"));
        }
    }

    /// <param name="copyBytes">1 MB: the new session's messages are read from the in-memory copy; 0: from SQLite.</param>
    [Theory]
    [InlineData(1024 * 1024)]
    [InlineData(0)]
    public void A_session_cleared_and_back_before_its_rows_are_deleted_gets_only_what_was_stored_after_the_clear(long copyBytes)
    {
        using var database = SqliteDatabase.Open(_directory.Path);
        var offline = new SqliteOfflineStore(database, _limits, copyBytes);
        var old = Enumerable.Range(0, 300).Select(i => offline.Append(i % 3 == 0 ? "other" : "dev", "old" + i)).ToList();
        Assert.True(offline.Commit());

        // The database's lock keeps the purge from running: the clear is still in progress while the client is back.
        lock (database.Sync)
        {
            offline.Discard("dev");
            Assert.Equal(300L, database.OfflineRows());
            Assert.Equal(0, offline.Count("dev"));
            Assert.Empty(offline.ReadAll("dev"));

            var fresh = Enumerable.Range(0, 5).Select(i => offline.Append("dev", "new" + i)).ToList();
            Assert.True(offline.Commit());
            Assert.Equal(fresh, offline.ReadAll("dev").Select(message => message.Id));
            Assert.Equal(5, offline.Count("dev"));

            // The old session's acknowledgement that comes late finds its message gone with the clear: the new session's
            // quota is not charged for it.
            offline.Remove("dev", old[1]);
            Assert.Equal(5, offline.Count("dev"));
        }

        Assert.True(SpinWait.SpinUntil(() => database.OfflineRows() == 100 + 5, TimeSpan.FromSeconds(10)));
        Assert.Equal(["new0", "new1", "new2", "new3", "new4"], offline.ReadAll("dev").Payloads());
        Assert.Equal(5, offline.Count("dev"));
        Assert.Equal(100, offline.ReadAll("other").Count);
        Assert.Equal(0L, database.Scalar("SELECT COUNT(*) FROM offline_acknowledged"));
    }

    [Fact]
    public void A_restart_during_a_clear_gives_back_none_of_the_cleared_messages_and_keeps_those_stored_after_it()
    {
        using var database = SqliteDatabase.Open(_directory.Path);
        var offline = new SqliteOfflineStore(database, _limits, copyBytes: 1024 * 1024);
        foreach (var i in Enumerable.Range(0, 200))
        {
            offline.Append("dev", "old" + i);
        }

        Assert.True(offline.Commit());

        // The database's lock keeps the purge from running: a kill now leaves the clear's run and every row.
        lock (database.Sync)
        {
            offline.Discard("dev");
            var fresh = offline.Append("dev", "new");
            Assert.True(offline.Commit());

            using var afterCrash = SqliteDatabase.Open(_directory.Path);
            var restarted = new SqliteOfflineStore(afterCrash, _limits);
            Assert.Equal([fresh], restarted.ReadAll("dev").Select(message => message.Id));
            Assert.Equal(1, restarted.Count("dev"));
            Assert.Equal(1L, afterCrash.OfflineRows());
            Assert.Equal(0L, afterCrash.Scalar("SELECT COUNT(*) FROM offline_acknowledged"));
        }
    }

    [Fact]
    public void Expired_messages_between_live_ones_are_runs_of_their_own_and_the_live_ones_stay()
    {
        using var database = SqliteDatabase.Open(_directory.Path);
        var offline = new SqliteOfflineStore(database, _limits);
        var ids = Enumerable.Range(0, 30).Select(i => offline.Append(i % 2 == 0 ? "dev" : "other", "m" + i,
            expiresAtMs: i % 10 == 8 ? NeverExpires : Now - 1)).ToList();
        Assert.True(offline.Commit());
        var live = ids.Where((_, i) => i % 10 == 8).ToList();

        lock (database.Sync)
        {
            Assert.Equal(live, offline.ReadAll("dev").Select(message => message.Id));
            Assert.Equal(3, offline.Count("dev"));
            Assert.Equal(3L, database.Scalar("SELECT COUNT(*) FROM offline_acknowledged"));
        }

        Assert.True(SpinWait.SpinUntil(() => database.OfflineRows() == 15 + 3, TimeSpan.FromSeconds(10)));
        Assert.Equal(live, offline.ReadAll("dev").Select(message => message.Id));
        Assert.Equal(15, offline.Count("other"));
    }

    /// <summary>Stores <paramref name="stored"/> messages for "dev", then acknowledges the first
    /// <paramref name="acknowledged"/> — one run, committed as acknowledged — and runs <paramref name="whileLocked"/>
    /// with the ids still under the database's lock, so the purge's timer cannot run before it; returns the ids.</summary>
    static List<long> StoreThenAcknowledgeARun(SqliteDatabase database, SqliteOfflineStore offline, int stored, int acknowledged,
        Action<List<long>> whileLocked)
    {
        var ids = Enumerable.Range(0, stored).Select(i => offline.Append("dev", "m" + i)).ToList();
        Assert.True(offline.Commit());
        lock (database.Sync)
        {
            foreach (var id in ids.Take(acknowledged))
            {
                offline.Remove("dev", id);
            }

            Assert.Equal(stored - acknowledged, offline.Count("dev"));
            whileLocked(ids);
        }

        return ids;
    }

    public void Dispose() => _directory.Dispose();
}
