using System.Text;
using EdgeBroker.Core.Offline;
using EdgeBroker.Core.Security;
using EdgeBroker.Core.Uplink;
using EdgeBroker.Firmware.Storage;
using EdgeBroker.Storage.Tests.Support;

namespace EdgeBroker.Storage.Tests.Flash;

/// <summary>
/// The flash log on a drive that commits like the ESP32's LittleFS <c>I:</c>: a file's bytes reach flash only when it
/// is closed (nanoFramework's Flush there is a C <c>fflush</c>, which LittleFS only caches), and a power cut loses
/// everything written since. Every change the store acknowledged must be there after the cut.
/// </summary>
public sealed class PowerCutTests : IDisposable
{
    const string Uplink = "cloud";

    readonly TempDirectory _directory = new();

    static UplinkEntry Entry(int sequence) =>
        new("up/seq", Encoding.UTF8.GetBytes("reading " + sequence), 1, false, "dedupe-" + sequence, Messages.Now);

    static DeviceRecord Device(string clientId) =>
        new(clientId, "GID_sensors", "thermo", new byte[16], new byte[32], false, Messages.Now);

    static FlashStore Open(LittleFsDrive drive, int compactAtDeadBytes = 32 * 1024) =>
        FlashStore.Open(drive, new FlashStoreLimits { CompactAtDeadBytes = compactAtDeadBytes }, new OfflineLimits());

    /// <summary>What the store did before it committed by closing on such a drive, kept as the reason it does: the log
    /// stays open from its creation, so the cut takes it back to the empty log the first open committed.</summary>
    [Fact]
    public void A_log_that_only_flushes_on_littlefs_loses_acknowledged_changes_at_a_power_cut()
    {
        var drive = new LittleFsDrive(_directory.Path, commitsByClosing: false);
        var store = Open(drive);
        long[] acknowledged = [store.UplinkQueue.Append(Uplink, Entry(1)), store.UplinkQueue.Append(Uplink, Entry(2))];
        store.Devices.SaveDevice(Device("GID_sensors@@@a"));
        Assert.DoesNotContain(0L, acknowledged);

        drive.CutPower();

        using var reopened = Open(new LittleFsDrive(_directory.Path, commitsByClosing: false));
        Assert.Equal(0, reopened.UplinkQueue.Count(Uplink));
        Assert.Null(reopened.Devices.FindDevice("GID_sensors@@@a"));
    }

    [Fact]
    public void Committing_by_closing_keeps_every_acknowledged_change_through_a_power_cut_and_closes_once_per_change()
    {
        var drive = new LittleFsDrive(_directory.Path, commitsByClosing: true);
        var store = Open(drive);
        int commitsBefore = drive.Commits(LogFiles.LogFileName);
        var queued = new List<long>();
        for (int i = 1; i <= 5; i++)
        {
            queued.Add(store.UplinkQueue.Append(Uplink, Entry(i)));
        }

        store.UplinkQueue.Remove(Uplink, queued[0]);
        store.Devices.SaveDevice(Device("GID_sensors@@@a"));
        long kept = store.Offline.Append("GID_sensors@@@b", "21.5");
        Assert.DoesNotContain(0L, queued);
        Assert.True(kept > 0);

        // One commit per durable change (5 appends, 1 removal, 1 device, 1 kept message), no more.
        Assert.Equal(8, drive.Commits(LogFiles.LogFileName) - commitsBefore);

        drive.CutPower();

        using var reopened = Open(new LittleFsDrive(_directory.Path, commitsByClosing: true));
        var into = new System.Collections.ArrayList();
        reopened.UplinkQueue.Read(Uplink, 0, int.MaxValue, into);
        Assert.Equal(queued.Skip(1), into.Cast<UplinkEntry>().Select(entry => entry.Sequence));
        Assert.NotNull(reopened.Devices.FindDevice("GID_sensors@@@a"));
        Assert.Equal(["21.5"], reopened.Offline.ReadAll("GID_sensors@@@b").Select(Messages.PayloadOf));

        // The sequence counter too: the next entry is never numbered like one the upstream already took.
        Assert.True(reopened.UplinkQueue.Append(Uplink, Entry(6)) > queued[^1]);
    }

    [Fact]
    public void A_compaction_on_littlefs_is_committed_before_the_old_log_is_deleted()
    {
        var drive = new LittleFsDrive(_directory.Path, commitsByClosing: true);
        var store = Open(drive, compactAtDeadBytes: 512);
        var queued = new List<long>();
        for (int i = 1; i <= 20; i++)
        {
            queued.Add(store.UplinkQueue.Append(Uplink, Entry(i)));
        }

        int logBytes = store.LogBytes;
        for (int i = 0; i < 15; i++)
        {
            store.UplinkQueue.Remove(Uplink, queued[i]);
        }

        Assert.True(store.LogBytes < logBytes, "the removals compacted the log");

        drive.CutPower();

        using var reopened = Open(new LittleFsDrive(_directory.Path, commitsByClosing: true));
        var into = new System.Collections.ArrayList();
        reopened.UplinkQueue.Read(Uplink, 0, int.MaxValue, into);
        Assert.Equal(queued.Skip(15), into.Cast<UplinkEntry>().Select(entry => entry.Sequence));
    }

    /// <summary>LittleFS reports a full drive when a file is closed (it writes the cached bytes then). The store takes
    /// that as the write failure it is: the change is refused, a compaction that cannot close its output keeps the old
    /// log, and nothing acknowledged before is lost, at the cut or after.</summary>
    [Fact]
    public void A_full_drive_reported_only_at_close_refuses_the_change_and_loses_nothing_acknowledged()
    {
        var drive = new LittleFsDrive(_directory.Path, commitsByClosing: true);
        var store = Open(drive);
        var queued = new List<long> { store.UplinkQueue.Append(Uplink, Entry(1)), store.UplinkQueue.Append(Uplink, Entry(2)) };

        drive.FailCloses = true;
        Assert.Equal(0, store.UplinkQueue.Append(Uplink, Entry(3)));

        // Still full: the next append first rewrites the log, and that output cannot be closed either.
        Assert.Equal(0, store.UplinkQueue.Append(Uplink, Entry(4)));
        Assert.True(File.Exists(_directory.File(LogFiles.LogFileName)));
        Assert.False(File.Exists(_directory.File(LogFiles.CompactionFileName)));

        drive.FailCloses = false;
        queued.Add(store.UplinkQueue.Append(Uplink, Entry(5)));
        Assert.DoesNotContain(0L, queued);

        drive.CutPower();

        using var reopened = Open(new LittleFsDrive(_directory.Path, commitsByClosing: true));
        var into = new System.Collections.ArrayList();
        reopened.UplinkQueue.Read(Uplink, 0, int.MaxValue, into);
        Assert.Equal(queued, into.Cast<UplinkEntry>().Select(entry => entry.Sequence));
        Assert.Equal(["reading 1", "reading 2", "reading 5"],
            into.Cast<UplinkEntry>().Select(entry => Encoding.UTF8.GetString(entry.Payload)));
    }

    [Fact]
    public void The_device_names_the_drives_that_commit_by_closing()
    {
        var littleFs = Path.Combine(_directory.Path, "I");
        CommitByClosing.Require(littleFs);

        Assert.True(new LogFiles(Path.Combine(littleFs, "edgebroker")).CommitsByClosing);
        Assert.False(new LogFiles(Path.Combine(_directory.Path, "D", "edgebroker")).CommitsByClosing);
    }

    public void Dispose() => _directory.Dispose();

    /// <summary>
    /// The store's directory as LittleFS: a file opened holds its own copy, which reaches the directory only when the
    /// file is closed (a created file exists, empty, from its open on); <see cref="CutPower"/> loses every open file's
    /// copy; <see cref="FailCloses"/> makes a close fail as a full drive's does, committing nothing.
    /// </summary>
    sealed class LittleFsDrive(string root, bool commitsByClosing) : LogFiles(root, commitsByClosing)
    {
        readonly Dictionary<string, int> _commits = new();
        bool _powerCut;

        public bool FailCloses { get; set; }

        public void CutPower() => _powerCut = true;

        public int Commits(string fileName) => _commits.GetValueOrDefault(fileName);

        public override Stream OpenStream(string path, FileMode mode)
        {
            Assert.False(_powerCut, "nothing runs after the power cut");
            byte[] committed;
            if (mode == FileMode.Create)
            {
                if (!File.Exists(path))
                {
                    File.WriteAllBytes(path, []);
                }

                committed = [];
            }
            else
            {
                committed = File.Exists(path) ? File.ReadAllBytes(path) : throw new FileNotFoundException("no such file", path);
            }

            return new LittleFsFile(this, path, committed);
        }

        void Commit(string path, byte[] content)
        {
            if (_powerCut)
            {
                return;
            }

            if (FailCloses)
            {
                throw new IOException("No space left on device : '" + path + "'");
            }

            File.WriteAllBytes(path, content);
            string name = Path.GetFileName(path);
            _commits[name] = Commits(name) + 1;
        }

        sealed class LittleFsFile : MemoryStream
        {
            readonly LittleFsDrive _drive;
            readonly string _path;
            bool _closed;

            public LittleFsFile(LittleFsDrive drive, string path, byte[] committed)
            {
                _drive = drive;
                _path = path;
                Write(committed);
                Position = 0;
            }

            /// <summary>fflush: the bytes stay in LittleFS's cache.</summary>
            public override void Flush()
            {
            }

            protected override void Dispose(bool disposing)
            {
                if (disposing && !_closed)
                {
                    // LittleFS frees the handle even when the commit at close fails.
                    _closed = true;
                    try
                    {
                        _drive.Commit(_path, ToArray());
                    }
                    finally
                    {
                        base.Dispose(disposing);
                    }
                }
            }
        }
    }
}
