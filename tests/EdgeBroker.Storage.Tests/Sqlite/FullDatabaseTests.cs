using EdgeBroker.Core.Offline;
using EdgeBroker.Host.Storage;
using EdgeBroker.Storage.Tests.Support;

namespace EdgeBroker.Storage.Tests.Sqlite;

/// <summary>A database at its size limit (EdgeBroker:MaxDatabaseBytes, SQLite's max_page_count — what a full disk does
/// too): a commit fails (<see cref="IOfflineStore.Commit"/> is false) and keeps nothing of its batch, what the database
/// held stays, and it takes messages again once acknowledged ones are removed.</summary>
public sealed class FullDatabaseTests : IDisposable
{
    readonly TempDirectory _directory = new();

    [Fact]
    public void A_full_database_refuses_appends_keeps_what_it_holds_and_takes_messages_again_once_some_are_removed()
    {
        var limits = new OfflineLimits { MaxMessagesPerClient = 100_000, MaxBytesPerClient = long.MaxValue };
        var payload = new string('p', 1000);
        var ids = new List<long>();
        using (var database = SqliteDatabase.Open(_directory.Path, maxBytes: 256 * 1024))
        {
            var offline = new SqliteOfflineStore(database, limits);
            while (true)
            {
                var id = offline.Append("dev", payload);
                Assert.True(id > 0);
                if (!offline.Commit())
                {
                    break;
                }

                ids.Add(id);
            }

            Assert.InRange(ids.Count, 10, 200);
            Assert.True(offline.Append("other", payload) > 0);
            Assert.False(offline.Commit());
            Assert.Equal(ids.Count, offline.Count("dev"));
            Assert.Equal(0, offline.Count("other"));

            for (var i = 0; i < 10; i++)
            {
                offline.Remove("dev", ids[i]);
            }

            Assert.True(offline.Append("other", payload) > 0);
            Assert.True(offline.Commit());
        }

        using var reopened = SqliteDatabase.Open(_directory.Path);
        var store = new SqliteOfflineStore(reopened, limits);
        Assert.Equal(ids.Skip(10), store.ReadAll("dev").Select(message => message.Id));
        Assert.Equal(1, store.Count("other"));
    }

    /// <summary>max_page_count bounds the database file only; the write-ahead log is held to a quarter of the limit, so
    /// a disk sized for the limit does not fill with the log (a reviewer's 2 MB disk did, under a 1 MB limit).</summary>
    [Fact]
    public void The_write_ahead_log_stays_within_a_quarter_of_the_limit()
    {
        const long Limit = 1_000_000;
        var limits = new OfflineLimits { MaxMessagesPerClient = 100_000, MaxBytesPerClient = long.MaxValue };
        var payload = new string('p', 1000);
        var wal = Path.Combine(_directory.Path, SqliteDatabase.FileName + "-wal");
        long largestWal = 0;
        using (var database = SqliteDatabase.Open(_directory.Path, maxBytes: Limit))
        {
            var offline = new SqliteOfflineStore(database, limits);
            for (var i = 0; i < 3000; i++)
            {
                offline.Append("dev", payload);
                offline.Commit();
                largestWal = Math.Max(largestWal, new FileInfo(wal).Length);
            }
        }

        Assert.InRange(largestWal, 1, Limit / 4 + 64 * 1024);
    }

    [Fact]
    public async Task A_commit_handed_over_to_a_full_database_settles_as_not_committed_and_keeps_nothing()
    {
        var limits = new OfflineLimits { MaxMessagesPerClient = 100_000, MaxBytesPerClient = long.MaxValue };
        var payload = new string('p', 1000);
        using var database = SqliteDatabase.Open(_directory.Path, maxBytes: 256 * 1024);
        var offline = new SqliteOfflineStore(database, limits);
        GroupCommit.Pending pending;
        do
        {
            offline.Append("dev", payload);
            pending = (GroupCommit.Pending)offline.CommitLater()!;
            await pending.WhenSettled(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        }
        while (pending.Committed);

        var kept = offline.Count("dev");
        Assert.InRange(kept, 10, 200);
        Assert.Equal(kept, offline.ReadAll("dev").Count);
    }

    public void Dispose() => _directory.Dispose();
}
