using System.Collections;
using System.Text;
using EdgeBroker.Core.Offline;
using EdgeBroker.Core.Uplink;
using EdgeBroker.Firmware.Storage;
using EdgeBroker.Storage.Tests.Support;

namespace EdgeBroker.Storage.Tests.Flash;

/// <summary>The flash log on a drive smaller than its budget (a reviewer's 2 MB drive under an 8 MB
/// <c>flash_store_bytes</c>): the drive fills, the queue drains, and the store takes messages again by itself — the
/// compaction that drops the acknowledged entries gets its room from the reserve file.</summary>
public sealed class FullDriveTests : IDisposable
{
    const string Uplink = "cloud";
    const int DriveBytes = 64 * 1024;

    readonly TempDirectory _directory = new();

    static UplinkEntry Entry(int sequence) =>
        new("up/seq", Encoding.UTF8.GetBytes(sequence + ":" + new string('x', 1000)), 1, false, "dedupe-" + sequence, 1_750_000_000_000);

    FlashStore Open(SmallDrive drive) =>
        FlashStore.Open(drive, new FlashStoreLimits { MaxLogBytes = 1024 * 1024, CompactAtDeadBytes = 512 * 1024, CompactionReserveBytes = 4096 },
            new OfflineLimits());

    [Fact]
    public void A_drive_the_log_filled_takes_messages_again_once_the_queue_drained_and_nothing_acknowledged_is_lost()
    {
        var drive = new SmallDrive(_directory.Path, DriveBytes);
        using (var store = Open(drive))
        {
            Assert.Equal(4096, new FileInfo(_directory.File(LogFiles.ReserveFileName)).Length);
            var queue = store.UplinkQueue;
            var accepted = Fill(queue);

            // Full: the drive, not the budget, refused; what was accepted is all there.
            Assert.InRange(accepted.Count, 40, 64);
            Assert.Equal(0, queue.Append(Uplink, Entry(1000)));
            Assert.Equal(accepted.Count, queue.Count(Uplink));

            // The upstream takes the queue: every removal is forgotten even while the log cannot be rewritten.
            var into = new ArrayList();
            queue.Read(Uplink, 0, int.MaxValue, into);
            Assert.Equal(accepted, into.Cast<UplinkEntry>().Select(entry => entry.Sequence));
            foreach (var sequence in accepted)
            {
                queue.Remove(Uplink, sequence);
            }

            Assert.Equal(0, queue.Count(Uplink));

            // Taken again, well beyond what the reserve alone would hold; the reserve is back.
            var after = new List<long>();
            for (var i = 0; i < 20; i++)
            {
                after.Add(queue.Append(Uplink, Entry(2000 + i)));
            }

            Assert.DoesNotContain(0L, after);
            Assert.True(File.Exists(_directory.File(LogFiles.ReserveFileName)));
            Assert.InRange(drive.UsedBytes(), 0, DriveBytes);
        }

        // And after a restart exactly the 20 new entries are queued: the drained ones were written as removed.
        using var reopened = Open(new SmallDrive(_directory.Path, DriveBytes));
        Assert.Equal(20, reopened.UplinkQueue.Count(Uplink));
    }

    [Fact]
    public void A_drain_on_a_full_drive_tries_the_compaction_again_only_once_it_can_succeed()
    {
        var drive = new SmallDrive(_directory.Path, DriveBytes);
        using var store = Open(drive);
        var queue = store.UplinkQueue;
        var accepted = Fill(queue);

        // Every removal wants the log rewritten (an append failed); before, each one tried, writing what the drive took
        // of the live state — the reserve's room — and deleting it again.
        var attempts = new List<int>();
        foreach (var sequence in accepted)
        {
            var before = drive.CompactionsStarted;
            queue.Remove(Uplink, sequence);
            attempts.Add(drive.CompactionsStarted - before);
        }

        // The first removal's compaction gives up the reserve and tries again; the next one tried is the one that
        // fits the room those found, and succeeds.
        Assert.Equal(2, attempts[0]);
        Assert.Equal(3, attempts.Sum());
        Assert.True(queue.Append(Uplink, Entry(2000)) > 0);
        Assert.True(File.Exists(_directory.File(LogFiles.ReserveFileName)));
    }

    [Fact]
    public void Without_the_reserve_the_full_drive_stays_refused_until_space_is_freed()
    {
        var drive = new SmallDrive(_directory.Path, DriveBytes);
        using var store = Open(drive);
        var queue = store.UplinkQueue;
        var accepted = Fill(queue);

        // What the reserve is for: its room taken by something else (here: the test), the log cannot be rewritten
        // however little of it is live, until that space is freed.
        File.Delete(_directory.File(LogFiles.ReserveFileName));
        drive.Fill(4096);
        foreach (var sequence in accepted)
        {
            queue.Remove(Uplink, sequence);
        }

        Assert.Equal(0, queue.Append(Uplink, Entry(5000)));

        // Refused without a compaction each time: nothing the store knows of changed. Room freed outside the store
        // cannot be seen, so one is tried once RecordLog.CompactionRetryAfterWrites writes (the removals above among
        // them) wanted one since the last failed.
        drive.Fill(0);
        var started = drive.CompactionsStarted;
        var refused = 0;
        while (queue.Append(Uplink, Entry(5001)) == 0)
        {
            refused++;
            Assert.True(refused < RecordLog.CompactionRetryAfterWrites);
        }

        Assert.InRange(refused, 1, RecordLog.CompactionRetryAfterWrites - 1);
        Assert.Equal(1, drive.CompactionsStarted - started);
    }

    /// <summary>Queues entries until the store refuses one; returns the sequences it accepted.</summary>
    static List<long> Fill(IUplinkQueueStore queue)
    {
        var accepted = new List<long>();
        for (var i = 0; queue.Append(Uplink, Entry(i)) is var sequence and > 0; i++)
        {
            accepted.Add(sequence);
        }

        return accepted;
    }

    public void Dispose() => _directory.Dispose();

    /// <summary>The store's directory as a drive of <c>capacity</c> bytes: a write that would take the files in it
    /// (and what <see cref="Fill"/> says something else took) beyond that fails as a full drive does.</summary>
    sealed class SmallDrive : LogFiles
    {
        readonly string _root;
        readonly long _capacity;
        long _taken;

        public SmallDrive(string root, long capacity)
            : base(root)
        {
            _root = root;
            _capacity = capacity;
        }

        public void Fill(long bytes) => _taken = bytes;

        /// <summary>How many compactions began writing their new log.</summary>
        public int CompactionsStarted { get; private set; }

        public long UsedBytes() => Directory.GetFiles(_root).Sum(file => new FileInfo(file).Length) + _taken;

        bool Takes(long growth) => UsedBytes() + growth <= _capacity;

        public override Stream OpenStream(string path, FileMode mode)
        {
            if (path == CompactionPath && mode == FileMode.Create)
            {
                CompactionsStarted++;
            }

            return new DriveStream(this, new FileStream(path, mode, FileAccess.ReadWrite));
        }

        sealed class DriveStream(SmallDrive drive, FileStream file) : Stream
        {
            public override bool CanRead => true;
            public override bool CanSeek => true;
            public override bool CanWrite => true;
            public override long Length => file.Length;

            public override long Position
            {
                get => file.Position;
                set => file.Position = value;
            }

            public override void Write(byte[] buffer, int offset, int count)
            {
                var growth = Math.Max(0, file.Position + count - file.Length);
                if (!drive.Takes(growth))
                {
                    throw new IOException("No space left on device : '" + file.Name + "'");
                }

                file.Write(buffer, offset, count);
                file.Flush();
            }

            public override void Flush() => file.Flush();
            public override int Read(byte[] buffer, int offset, int count) => file.Read(buffer, offset, count);
            public override long Seek(long offset, SeekOrigin origin) => file.Seek(offset, origin);
            public override void SetLength(long value) => file.SetLength(value);

            protected override void Dispose(bool disposing)
            {
                if (disposing)
                {
                    file.Dispose();
                }

                base.Dispose(disposing);
            }
        }
    }
}
