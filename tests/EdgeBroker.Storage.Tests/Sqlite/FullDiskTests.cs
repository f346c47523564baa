using EdgeBroker.Core.Offline;
using EdgeBroker.Host.Storage;
using EdgeBroker.Storage.Tests.Support;

namespace EdgeBroker.Storage.Tests.Sqlite;

/// <summary>The database on a disk that fills up. A real full disk needs a small file system (the reviewer's 2 MB tmpfs,
/// root only: <c>s7_tiny_fs.py</c>); here the disk's gauge is the test's and the failing write comes from the size limit,
/// so what is checked is what the database does about it: the reserve file given up, the database held to its file,
/// deletions written, messages taken again once acknowledged ones are gone, and the reserve made again once there is
/// room.</summary>
public sealed class FullDiskTests : IDisposable
{
    readonly TempDirectory _directory = new();
    long _free = 100L * 1024 * 1024;

    string Reserve => _directory.File(SqliteDatabase.ReserveFileName);

    [Fact]
    public void The_database_its_log_and_the_reserve_stay_within_the_limit()
    {
        const long Limit = 1_000_000;
        var limits = new OfflineLimits { MaxMessagesPerClient = 100_000, MaxBytesPerClient = long.MaxValue };
        var payload = new string('p', 1000);
        long largest = 0;
        using (var database = SqliteDatabase.Open(_directory.Path, maxBytes: Limit, freeBytes: _ => _free))
        {
            var offline = new SqliteOfflineStore(database, limits);
            for (var i = 0; i < 3000; i++)
            {
                offline.Append("dev", payload);
                offline.Commit();
                largest = Math.Max(largest, Directory.GetFiles(_directory.Path).Sum(file => new FileInfo(file).Length));
            }

            Assert.True(File.Exists(Reserve));
        }

        // The shared-memory index (32 KB) and a transaction beyond the log's bound are on top.
        Assert.InRange(largest, Limit * 3 / 4, Limit + 64 * 1024);
    }

    [Fact]
    public void On_a_full_disk_the_reserve_is_given_up_deletions_are_written_and_messages_are_taken_again()
    {
        var limits = new OfflineLimits { MaxMessagesPerClient = 100_000, MaxBytesPerClient = long.MaxValue };
        var payload = new string('p', 1000);
        var ids = new List<long>();
        using var database = SqliteDatabase.Open(_directory.Path, maxBytes: 512 * 1024, freeBytes: _ => _free);
        Assert.Equal(64 * 1024, new FileInfo(Reserve).Length);
        var offline = new SqliteOfflineStore(database, limits);
        _free = 0;
        while (true)
        {
            var id = offline.Append("dev", payload);
            if (!offline.Commit())
            {
                break;
            }

            ids.Add(id);
        }

        Assert.False(File.Exists(Reserve));
        Assert.True(database.IsFrozen);
        Assert.Equal(0, new FileInfo(_directory.File(SqliteDatabase.FileName + "-wal")).Length);

        foreach (var id in ids)
        {
            offline.Remove("dev", id);
        }

        offline.Append("dev", payload);
        Assert.True(offline.Commit());
        Assert.Equal(1, offline.Count("dev"));

        // Room again (an operator freed space, or the disk was never the problem): the reserve comes back within a
        // second of commits, and the database may grow to its limit again.
        _free = 100L * 1024 * 1024;
        var until = DateTime.UtcNow.AddSeconds(5);
        while (database.IsFrozen && DateTime.UtcNow < until)
        {
            offline.Append("dev", payload);
            Assert.True(offline.Commit());
            Thread.Sleep(50);
        }

        Assert.False(database.IsFrozen);
        Assert.Equal(64 * 1024, new FileInfo(Reserve).Length);
    }

    [Fact]
    public void On_a_full_disk_a_cleared_session_is_cleared_and_its_deleted_rows_make_room()
    {
        var limits = new OfflineLimits { MaxMessagesPerClient = 100_000, MaxBytesPerClient = long.MaxValue };
        var payload = new string('p', 1000);
        using var database = SqliteDatabase.Open(_directory.Path, maxBytes: 512 * 1024, freeBytes: _ => _free);
        var offline = new SqliteOfflineStore(database, limits);
        _free = 0;
        do
        {
            offline.Append("dev", payload);
        }
        while (offline.Commit());

        Assert.True(database.IsFrozen);
        Assert.False(offline.Append("other", payload) > 0 && offline.Commit());

        // The clear is one small row, written into the frozen database; its rows are deleted a part at a time after it,
        // and their pages take new messages.
        offline.Discard("dev");
        Assert.Equal(0, offline.Count("dev"));
        Assert.Empty(offline.ReadAll("dev"));
        Assert.True(SpinWait.SpinUntil(() => offline.Append("other", payload) > 0 && offline.Commit(), TimeSpan.FromSeconds(10)));
        Assert.True(SpinWait.SpinUntil(() => database.Scalar("SELECT COUNT(*) FROM offline_messages WHERE client_id = 'dev'") == 0,
            TimeSpan.FromSeconds(10)));
        Assert.Empty(offline.ReadAll("dev"));
        Assert.True(database.IsFrozen);
    }

    [Fact]
    public void A_start_keeps_a_reserve_of_the_right_length_and_writes_one_that_is_missing_or_not()
    {
        SqliteDatabase.Open(_directory.Path, maxBytes: 512 * 1024, freeBytes: _ => _free).Dispose();
        Assert.Equal(64 * 1024, new FileInfo(Reserve).Length);

        // Kept: a mark in it survives the next start (a reserve written anew is zeros).
        Mark(Reserve);
        SqliteDatabase.Open(_directory.Path, maxBytes: 512 * 1024, freeBytes: _ => _free).Dispose();
        Assert.Equal(0xEB, File.ReadAllBytes(Reserve)[0]);

        // Cut short (a write that did not finish), missing, or of another size than this start works out: written.
        using (var reserve = new FileStream(Reserve, FileMode.Open))
        {
            reserve.SetLength(1000);
        }

        SqliteDatabase.Open(_directory.Path, maxBytes: 512 * 1024, freeBytes: _ => _free).Dispose();
        Assert.Equal(new byte[64 * 1024], File.ReadAllBytes(Reserve));
        File.Delete(Reserve);
        SqliteDatabase.Open(_directory.Path, maxBytes: 512 * 1024, freeBytes: _ => _free).Dispose();
        Assert.Equal(64 * 1024, new FileInfo(Reserve).Length);
        Mark(Reserve);
        SqliteDatabase.Open(_directory.Path, maxBytes: 1024 * 1024, freeBytes: _ => _free).Dispose();
        Assert.Equal(new byte[128 * 1024], File.ReadAllBytes(Reserve));
    }

    [Fact]
    public void Without_a_limit_the_reserve_is_sized_alike_whether_or_not_the_last_run_left_it()
    {
        // A small disk: the log's bound, and the reserve, follow the free space, which the reserve itself takes.
        _free = 4L * 1024 * 1024;
        SqliteDatabase.Open(_directory.Path, freeBytes: _ => _free).Dispose();
        var length = new FileInfo(Reserve).Length;
        Assert.Equal(2 * (_free / 16), length);

        _free -= length;
        Mark(Reserve);
        SqliteDatabase.Open(_directory.Path, freeBytes: _ => _free).Dispose();
        Assert.Equal(length, new FileInfo(Reserve).Length);
        Assert.Equal(0xEB, File.ReadAllBytes(Reserve)[0]);
    }

    static void Mark(string path)
    {
        using var file = new FileStream(path, FileMode.Open);
        file.WriteByte(0xEB);
    }

    public void Dispose() => _directory.Dispose();
}
