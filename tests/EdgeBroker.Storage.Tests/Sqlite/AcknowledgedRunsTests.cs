using EdgeBroker.Core.Offline;
using EdgeBroker.Host.Storage;
using EdgeBroker.Storage.Tests.Support;

namespace EdgeBroker.Storage.Tests.Sqlite;

/// <summary>Runs of acknowledged messages: committed as acknowledged with the next batch, like any deletion, their rows
/// deleted later — and neither a read nor a restart in between gives back anything acknowledged.</summary>
public sealed class AcknowledgedRunsTests : IDisposable
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

            // dev's read deletes dev's acknowledged rows first; other's wait for the purge.
            Assert.Equal(dev.Skip(12), offline.ReadAll("dev").Select(message => message.Id));
            Assert.Equal(28L, database.OfflineRows());
            Assert.Equal(other.Skip(10), offline.ReadAll("other").Select(message => message.Id));
            Assert.Equal(18L, database.OfflineRows());
        }
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
