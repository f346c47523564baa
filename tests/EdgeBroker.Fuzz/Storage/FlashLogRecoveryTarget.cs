using System.Text;
using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Security;
using EdgeBroker.Core.Sessions;
using EdgeBroker.Firmware.Relay.Settings;
using EdgeBroker.Firmware.Storage;

namespace EdgeBroker.Fuzz.Storage;

/// <summary>
/// (c) The flash log's recovery reader: the input is the log file the device finds at start, opened with the device's
/// limits as the gateway does. Opening either succeeds (a torn end cut off) or throws <see cref="FlashStoreException"/>
/// (damage, named with the file, nothing changed). A log that opened must then take a new entry and open again: recovery
/// must never leave a log that the next start refuses. Anything else is a finding. The first input byte picks how the
/// rest becomes the file: even, as it is (what a crash or a failing flash leaves, mostly refused by a checksum); odd,
/// sealed by <see cref="LogSealer"/> (what a bug in a section's encoder would write: wrong content behind right
/// checksums).
/// </summary>
sealed class FlashLogRecoveryTarget : FuzzTarget
{
    static readonly RelaySettings Device = new();

    /// <summary>Where each input becomes a log file: FUZZ_SCRATCH (run.sh makes it on tmpfs and removes it after the run),
    /// else a folder in the temporary directory.</summary>
    readonly string _directory = Environment.GetEnvironmentVariable("FUZZ_SCRATCH")
        ?? Path.Combine(Path.GetTempPath(), "edgebroker-fuzz-" + Environment.ProcessId);

    public override string Name => "flash-log";

    public override string[] InstrumentedAssemblies => ["EdgeBroker.Relay.dll", "EdgeBroker.Core.dll"];

    public override void Execute(byte[] input)
    {
        if (input.Length == 0)
        {
            return;
        }

        byte[] log = input[1..];
        if ((input[0] & 1) == 1)
        {
            log = LogSealer.Seal(log);
        }

        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true); // left by a run that was killed
        }

        Directory.CreateDirectory(_directory);
        try
        {
            OpenAppendAndReopen(log);
        }
        finally
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    void OpenAppendAndReopen(byte[] log)
    {
        File.WriteAllBytes(Path.Combine(_directory, "edgebroker.log"), log);
        FlashStore store;
        try
        {
            store = Open(_directory);
        }
        catch (FlashStoreException)
        {
            return;
        }

        using (store)
        {
            store.Offline.Append("after-recovery", new RoutedMessage("sensors/after", [1], 1, false), 1, false, null, 0);
        }

        try
        {
            Open(_directory).Dispose();
        }
        catch (FlashStoreException e)
        {
            throw new InvalidOperationException("a log that recovery accepted and appended to is refused at the next start", e);
        }
    }

    public override void WriteSeeds(string directory)
    {
        Directory.CreateDirectory(directory);
        var scratch = Directory.CreateTempSubdirectory("edgebroker-fuzz-seeds-");
        try
        {
            byte[] log = WriteLogOfEveryKind(scratch.FullName, out int lastEntryStart);
            WriteSeed(directory, "log-empty", WriteEmptyLog(scratch.CreateSubdirectory("empty").FullName), sealedToo: false);
            WriteSeed(directory, "log-valid", log, sealedToo: true);
            foreach (int kept in new[] { 1, 9, 20 })
            {
                WriteSeed(directory, $"log-torn-{kept}", log[..(lastEntryStart + kept)], sealedToo: false);
            }

            WriteSeed(directory, "log-torn-crc", [.. log[..^1], (byte)(log[^1] ^ 0x01)], sealedToo: false);
            WriteSeed(directory, "log-erased-tail", [.. log, .. Enumerable.Repeat((byte)0xFF, 24)], sealedToo: false);
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }

    /// <summary>A seed taken as it is (first byte 0) and, where sealing keeps it apart from the others, sealed (1).</summary>
    static void WriteSeed(string directory, string name, byte[] log, bool sealedToo)
    {
        File.WriteAllBytes(Path.Combine(directory, name), [0, .. log]);
        if (sealedToo)
        {
            File.WriteAllBytes(Path.Combine(directory, name + "-sealed"), [1, .. log]);
        }
    }

    static FlashStore Open(string directory) => FlashStore.Open(directory, Device.ToFlashStoreLimits(), Device.ToOfflineLimits());

    /// <summary>A log with an entry of each kind the store writes (sessions, subscriptions and their removal, offline
    /// messages and their removal, retained messages and their removal, a paired device), small enough for afl-fuzz.</summary>
    static byte[] WriteLogOfEveryKind(string directory, out int lastEntryStart)
    {
        using (var store = Open(directory))
        {
            store.Sessions.SaveSession("GID_a@@@dev", 3600, 0);
            store.Sessions.SaveSubscription("GID_a@@@dev", new SubscriptionRecord("sensors/+/t", 1, true, false, 7));
            store.Sessions.SaveSubscription("GID_a@@@dev", new SubscriptionRecord("gone/#", 0, false, false, 0));
            store.Sessions.DeleteSubscription("GID_a@@@dev", "gone/#");
            store.Sessions.SaveSession("old", 60, 1);
            store.Sessions.DeleteSession("old");
            long first = store.Offline.Append("GID_a@@@dev", new RoutedMessage("sensors/1/t", Encoding.UTF8.GetBytes("21.5"), 1, false), 1, false, [7], 0);
            store.Offline.Append("GID_a@@@dev", new RoutedMessage("sensors/2/t", Encoding.UTF8.GetBytes("19"), 1, true), 1, true, null, long.MaxValue);
            store.Offline.Remove("GID_a@@@dev", first);
            store.Retained.SaveRetained(new RoutedMessage("status/dev", Encoding.UTF8.GetBytes("online"), 1, true));
            store.Retained.SaveRetained(new RoutedMessage("status/old", Encoding.UTF8.GetBytes("x"), 0, true));
            store.Retained.DeleteRetained("status/old");
            store.Devices.SaveDevice(new DeviceRecord("GID_a@@@dev", "GID_a", "kitchen", [1, 2, 3, 4], [5, 6, 7, 8], false, 1));
            lastEntryStart = store.LogBytes;
            store.Offline.Append("GID_a@@@dev", new RoutedMessage("sensors/3/t", Encoding.UTF8.GetBytes("the last entry"), 1, false), 1, false, null, 0);
        }

        return File.ReadAllBytes(Path.Combine(directory, "edgebroker.log"));
    }

    /// <summary>The log a new store starts with: its header alone.</summary>
    static byte[] WriteEmptyLog(string directory)
    {
        Open(directory).Dispose();
        return File.ReadAllBytes(Path.Combine(directory, "edgebroker.log"));
    }
}
