using EdgeBroker.Core.Offline;
using EdgeBroker.Host.Storage;
using EdgeBroker.Storage.Tests.Support;
using static EdgeBroker.Storage.Tests.Support.Messages;
using SQLitePCL;
using Xunit.Abstractions;

namespace EdgeBroker.Storage.Tests.Sqlite;

/// <summary>A large backlog is deleted in transactions of at most <see cref="SqliteDatabase.DeletedRowsPerTransaction"/>
/// rows, however it went — acknowledged, expired, or cleared with its session: a transaction's pages go to the
/// write-ahead log and hold the write lock until it commits (before, a drain of 50,000 messages from memory was deleted
/// in one transaction, the log taken from its 1 MB bound to 8.5 MB; a clear or an expiry of a backlog still was).</summary>
public sealed class BoundedDeletionTests(ITestOutputHelper output) : IDisposable
{
    const int Backlog = 3000;

    /// <summary>The backlog of the log's measurements: 50,000 messages of 100 bytes, as last measured for the drain.</summary>
    const int LargeBacklog = 50_000;

    readonly TempDirectory _directory = new();
    readonly OfflineLimits _limits = new() { MaxMessagesPerClient = 100_000, MaxBytesPerClient = long.MaxValue };

    [Fact]
    public void A_backlog_acknowledged_faster_than_commits_run_is_deleted_in_bounded_transactions()
    {
        using var database = SqliteDatabase.Open(_directory.Path);
        using var offline = new SqliteOfflineStore(database, _limits, copyBytes: 32 * 1024 * 1024);
        var ids = Store(offline, "dev");
        using var deletions = new DeletionsPerTransaction(database);

        // The database's lock stands in for commits that fall behind: every acknowledgement is collected before one
        // runs (before, all of them joined one change, whose one run of ids was later deleted in one transaction).
        lock (database.Sync)
        {
            Assert.Equal(ids, offline.ReadAll("dev").Select(message => message.Id));
            foreach (var id in ids)
            {
                offline.Remove("dev", id);
            }
        }

        Assert.Equal(0, offline.Count("dev"));
        Assert.True(SpinWait.SpinUntil(() => database.OfflineRows() == 0, TimeSpan.FromSeconds(10)));
        Assert.Equal(Backlog, deletions.Total);
        Assert.InRange(deletions.Largest, 1, SqliteDatabase.DeletedRowsPerTransaction);
    }

    [Fact]
    public void Acknowledged_messages_that_are_no_run_are_deleted_in_bounded_transactions()
    {
        using var database = SqliteDatabase.Open(_directory.Path);
        using var offline = new SqliteOfflineStore(database, _limits, copyBytes: 32 * 1024 * 1024);

        // Two backlogs stored at once: each client's ids are every other one, so no run, each deleted by its id.
        var ids = new List<long>();
        for (var i = 0; i < Backlog; i++)
        {
            ids.Add(offline.Append("dev", "m" + i));
            offline.Append("other", "o" + i);
        }

        Assert.True(offline.Commit());
        using var deletions = new DeletionsPerTransaction(database);
        lock (database.Sync)
        {
            foreach (var id in ids)
            {
                offline.Remove("dev", id);
            }
        }

        Assert.Equal(0, offline.Count("dev"));
        Assert.True(SpinWait.SpinUntil(() => database.OfflineRows() == Backlog, TimeSpan.FromSeconds(10)));
        Assert.Equal(Backlog, deletions.Total);
        Assert.InRange(deletions.Largest, 1, SqliteDatabase.DeletedRowsPerTransaction);
        Assert.Equal(Backlog, offline.Count("other"));
    }

    [Fact]
    public void A_long_run_left_by_a_stop_is_deleted_a_part_at_a_time_at_the_next_start()
    {
        // Acknowledged up to the last but ten.
        var ids = StoreWithALongRun(lastUnacknowledged: 10);
        using var reopened = SqliteDatabase.Open(_directory.Path);
        using var deletions = new DeletionsPerTransaction(reopened);
        using var restarted = new SqliteOfflineStore(reopened, _limits);
        Assert.Equal(ids.TakeLast(10), restarted.ReadAll("dev").Select(message => message.Id));
        Assert.Equal(10, restarted.Count("dev"));
        Assert.Equal(Backlog - 10, deletions.Total);
        Assert.InRange(deletions.Largest, 1, SqliteDatabase.DeletedRowsPerTransaction);
        Assert.Equal(0L, reopened.Scalar("SELECT COUNT(*) FROM offline_acknowledged"));
    }

    [Fact]
    public void A_run_deleted_in_part_keeps_what_is_left_of_it_across_a_restart()
    {
        var ids = StoreWithALongRun(lastUnacknowledged: 0);

        // The start's purge stops after its first part: SQLite refuses the next commit, as a crash would leave it.
        using (var database = SqliteDatabase.Open(_directory.Path))
        {
            using (var deletions = new DeletionsPerTransaction(database, commits: 1))
            {
                Assert.Throws<Microsoft.Data.Sqlite.SqliteException>(() => new SqliteOfflineStore(database, _limits));
            }

            Assert.Equal(Backlog - SqliteDatabase.DeletedRowsPerTransaction, database.OfflineRows());
            Assert.Equal(ids[SqliteDatabase.DeletedRowsPerTransaction],
                database.Scalar("SELECT first FROM offline_acknowledged WHERE client_id = 'dev'"));
        }

        using var reopened = SqliteDatabase.Open(_directory.Path);
        using var restarted = new SqliteOfflineStore(reopened, _limits);
        Assert.Empty(restarted.ReadAll("dev"));
        Assert.Equal(0L, reopened.OfflineRows());
        Assert.Equal(0L, reopened.Scalar("SELECT COUNT(*) FROM offline_acknowledged"));
    }

    [Fact]
    public void A_cleared_session_of_50000_messages_is_deleted_in_bounded_transactions_and_others_keep_theirs()
    {
        using var database = SqliteDatabase.Open(_directory.Path);
        using var offline = new SqliteOfflineStore(database, _limits, copyBytes: 32 * 1024 * 1024);
        StoreLarge(offline, "dev", NeverExpires, alongside: "other");
        using var log = new LogPeak(_directory);
        using var deletions = new DeletionsPerTransaction(database);
        using var stall = new BystanderCommits(offline);

        offline.Discard("dev");

        Assert.Equal(0, offline.Count("dev"));
        Assert.Empty(offline.ReadAll("dev"));
        Assert.True(Eventually(() => RowsOf(database, "dev") == 0));
        Report("clear", deletions, log, stall);
        Assert.Equal(LargeBacklog, deletions.Total);
        Assert.InRange(deletions.Largest, 1, SqliteDatabase.DeletedRowsPerTransaction);
        Assert.InRange(log.Peak, 0, 1_200_000);
        Assert.Equal(LargeBacklog / 10, offline.ReadAll("other").Count);
        Assert.Equal(0L, database.Scalar("SELECT COUNT(*) FROM offline_acknowledged"));
    }

    /// <param name="copyBytes">32 MB: the expired messages are met in the in-memory copy; 0: in SQLite.</param>
    [Theory]
    [InlineData(32 * 1024 * 1024)]
    [InlineData(0)]
    public void An_expired_backlog_of_50000_messages_is_deleted_in_bounded_transactions(long copyBytes)
    {
        using var database = SqliteDatabase.Open(_directory.Path);
        using var offline = new SqliteOfflineStore(database, _limits, copyBytes);
        StoreLarge(offline, "dev", expiresAtMs: Now - 1, alongside: "other");
        var kept = offline.Append("dev", "still valid");
        Assert.True(offline.Commit());
        using var log = new LogPeak(_directory);
        using var deletions = new DeletionsPerTransaction(database);
        using var stall = new BystanderCommits(offline);

        Assert.Equal([kept], offline.ReadAll("dev").Select(message => message.Id));

        Assert.Equal(1, offline.Count("dev"));
        Assert.True(Eventually(() => RowsOf(database, "dev") == 1));
        Report(copyBytes > 0 ? "expiry met in the copy" : "expiry met in SQLite", deletions, log, stall);
        Assert.Equal(LargeBacklog, deletions.Total);
        Assert.InRange(deletions.Largest, 1, SqliteDatabase.DeletedRowsPerTransaction);
        Assert.InRange(log.Peak, 0, 1_200_000);
        Assert.Equal([kept], offline.ReadAll("dev").Select(message => message.Id));
        Assert.Equal(LargeBacklog / 10, offline.Count("other"));
    }

    /// <summary>Stores <see cref="LargeBacklog"/> messages of 100 bytes for <paramref name="clientId"/>, a tenth as many
    /// for <paramref name="alongside"/> between them (so the client's ids are no single run), 128 a commit.</summary>
    static void StoreLarge(SqliteOfflineStore offline, string clientId, long expiresAtMs, string alongside)
    {
        var payload = new string('p', 100);
        for (var i = 0; i < LargeBacklog; i++)
        {
            offline.Append(clientId, payload, expiresAtMs: expiresAtMs);
            if (i % 10 == 0)
            {
                offline.Append(alongside, payload);
            }

            if (i % 128 == 127)
            {
                Assert.True(offline.Commit());
            }
        }

        Assert.True(offline.Commit());
    }

    /// <summary>The client's rows, counted up to 2 (a count of all would hold the database's lock as long as a
    /// part's deletion).</summary>
    static long RowsOf(SqliteDatabase database, string clientId) =>
        database.Scalar($"SELECT COUNT(*) FROM (SELECT 1 FROM offline_messages WHERE client_id = '{clientId}' LIMIT 2)");

    /// <summary>Looks every 10 ms, so the looking takes the database's lock from the bystander no more than it must.</summary>
    static bool Eventually(Func<bool> condition)
    {
        var until = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            if (DateTime.UtcNow > until)
            {
                return false;
            }

            Thread.Sleep(10);
        }

        return true;
    }

    void Report(string what, DeletionsPerTransaction deletions, LogPeak log, BystanderCommits stall) =>
        output.WriteLine($"{what} of {LargeBacklog}: {deletions.Total} rows deleted, at most {deletions.Largest} a transaction; " +
                         $"write-ahead log {log.Start} B before, peak {log.Peak} B; another client's longest commit meanwhile " +
                         $"{stall.Longest.TotalMilliseconds:F1} ms of {stall.Commits}");

    /// <summary>Stores the backlog for "dev" and leaves it stopped with one run of acknowledged ids as an earlier
    /// version recorded it, whatever its length: all of them but the last <paramref name="lastUnacknowledged"/>.
    /// Returns the ids.</summary>
    List<long> StoreWithALongRun(int lastUnacknowledged)
    {
        using var database = SqliteDatabase.Open(_directory.Path);
        using var offline = new SqliteOfflineStore(database, _limits);
        var ids = Store(offline, "dev");
        database.Execute("INSERT INTO offline_acknowledged (client_id, first, last) VALUES ('dev', $first, $last)",
            ("$first", ids[0]), ("$last", ids[^(lastUnacknowledged + 1)]));
        return ids;
    }

    List<long> Store(SqliteOfflineStore offline, string clientId)
    {
        var ids = Enumerable.Range(0, Backlog).Select(i => offline.Append(clientId, "m" + i)).ToList();
        Assert.True(offline.Commit());
        return ids;
    }

    public void Dispose() => _directory.Dispose();

    /// <summary>Another client ("bystander") storing a message and waiting for its commit, one after another on a thread
    /// of its own while it lives: how long the deletion holds the writer from everyone else.</summary>
    sealed class BystanderCommits : IDisposable
    {
        readonly Thread _thread;
        volatile bool _stopped;
        long _longestTicks;
        int _commits;

        public BystanderCommits(SqliteOfflineStore offline)
        {
            _thread = new Thread(() =>
            {
                while (!_stopped)
                {
                    var started = System.Diagnostics.Stopwatch.GetTimestamp();
                    offline.Append("bystander", "b");
                    Assert.True(offline.Commit());
                    var took = System.Diagnostics.Stopwatch.GetElapsedTime(started).Ticks;
                    Interlocked.Exchange(ref _longestTicks, Math.Max(Interlocked.Read(ref _longestTicks), took));
                    Interlocked.Increment(ref _commits);
                    Thread.Sleep(1);
                }
            }) { IsBackground = true };
            _thread.Start();

            // Committing already when the deletion starts.
            Assert.True(SpinWait.SpinUntil(() => Commits >= 5, TimeSpan.FromSeconds(10)));
            Interlocked.Exchange(ref _longestTicks, 0);
        }

        public TimeSpan Longest => TimeSpan.FromTicks(Interlocked.Read(ref _longestTicks));

        public int Commits => Volatile.Read(ref _commits);

        public void Dispose()
        {
            _stopped = true;
            _thread.Join();
        }
    }

    /// <summary>The write-ahead log's largest size while it lives, sampled every millisecond on a thread of its own (as
    /// the drain's log was measured), and its size when it started.</summary>
    sealed class LogPeak : IDisposable
    {
        readonly string _path;
        readonly Thread _sampler;
        volatile bool _stopped;
        long _peak;

        public LogPeak(TempDirectory directory)
        {
            _path = directory.File(SqliteDatabase.FileName + "-wal");
            Start = Size();
            _sampler = new Thread(() =>
            {
                while (!_stopped)
                {
                    Interlocked.Exchange(ref _peak, Math.Max(Interlocked.Read(ref _peak), Size()));
                    Thread.Sleep(1);
                }
            }) { IsBackground = true };
            _sampler.Start();
        }

        public long Start { get; }

        /// <summary>The largest size seen until now (the sampler goes on until disposed).</summary>
        public long Peak => Interlocked.Read(ref _peak);

        long Size()
        {
            try
            {
                return new FileInfo(_path).Length;
            }
            catch (FileNotFoundException)
            {
                return 0;
            }
        }

        public void Dispose()
        {
            _stopped = true;
            _sampler.Join();
        }
    }

    /// <summary>Counts the offline messages' rows each committed transaction deleted, through SQLite's update and commit
    /// hooks on the database's connection (they run on the thread that writes, under the database's lock); with
    /// <c>commits</c>, refuses every commit of a deletion after that many.</summary>
    sealed class DeletionsPerTransaction : IDisposable
    {
        readonly SqliteDatabase _database;
        readonly sqlite3 _handle;
        readonly int _commits;
        int _open;
        int _largest;
        int _total;
        int _committed;

        public DeletionsPerTransaction(SqliteDatabase database, int commits = int.MaxValue)
        {
            _database = database;
            _commits = commits;
            lock (database.Sync)
            {
                using var command = database.Command("SELECT 1");
                _handle = command.Connection!.Handle!;
                raw.sqlite3_update_hook(_handle, OnChange, null);
                raw.sqlite3_commit_hook(_handle, OnCommit, null);
                raw.sqlite3_rollback_hook(_handle, _ => _open = 0, null);
            }
        }

        /// <summary>The most rows one transaction deleted.</summary>
        public int Largest => Volatile.Read(ref _largest);

        /// <summary>The rows all committed transactions deleted.</summary>
        public int Total => Volatile.Read(ref _total);

        void OnChange(object user, int type, utf8z database, utf8z table, long rowid)
        {
            if (type == raw.SQLITE_DELETE && table.utf8_to_string() == "offline_messages")
            {
                _open++;
            }
        }

        int OnCommit(object user)
        {
            if (_open > 0 && _committed++ >= _commits)
            {
                _open = 0;
                return 1;
            }

            Volatile.Write(ref _largest, Math.Max(_largest, _open));
            Interlocked.Add(ref _total, _open);
            _open = 0;
            return 0;
        }

        public void Dispose()
        {
            lock (_database.Sync)
            {
                raw.sqlite3_update_hook(_handle, (delegate_update)null!, null);
                raw.sqlite3_commit_hook(_handle, null, null);
                raw.sqlite3_rollback_hook(_handle, null, null);
            }
        }
    }
}
