using EdgeBroker.Core.Security;
using EdgeBroker.Storage.Tests.Support;

namespace EdgeBroker.Storage.Tests.Flash;

/// <summary>Paired devices in the flash log (the device's <see cref="IDeviceStore"/>): they answer as the core's memory
/// store does, every change is there after a restart, and compactions keep them while the log stays in its bound.</summary>
public sealed class PairedDeviceTests : FlashLogFixture
{
    static readonly byte[] Salt = Enumerable.Range(1, 16).Select(i => (byte)i).ToArray();
    static readonly byte[] Hash = Enumerable.Range(100, 20).Select(i => (byte)i).ToArray();

    IDeviceStore Devices => Store.Devices;

    static DeviceRecord Device(string clientId, string name = "thermo", bool revoked = false, long pairedAt = Messages.Now) =>
        new(clientId, "GID_sensors", name, Salt, Hash, revoked, pairedAt);

    [Fact]
    public void Devices_AnswerAsTheMemoryStore_AndComeBackAfterARestart()
    {
        var reference = new MemoryDeviceStore();
        foreach (var store in new[] { reference, Devices })
        {
            store.SaveDevice(Device("GID_sensors@@@a", "kitchen"));
            store.SaveDevice(Device("GID_sensors@@@b"));
            store.SaveDevice(Device("GID_sensors@@@a", "hall", revoked: true, pairedAt: Messages.Now + 5));
        }

        Close();

        Assert.Null(Devices.FindDevice("GID_sensors@@@nobody"));
        Assert.Equal(Describe(reference.LoadDevices()), Describe(Devices.LoadDevices()));
        var a = Devices.FindDevice("GID_sensors@@@a")!;
        Assert.Equal(("GID_sensors@@@a", "GID_sensors", "hall", true, Messages.Now + 5), (a.ClientId, a.Group, a.DisplayName, a.Revoked, a.PairedAtMs));
        Assert.Equal(Salt, a.Salt);
        Assert.Equal(Hash, a.SecretHash);
    }

    [Fact]
    public void Compactions_KeepEveryDevice_WithinTheBound()
    {
        FlashLimits.MaxLogBytes = 4096;
        FlashLimits.CompactAtDeadBytes = 2048;
        FlashLimits.SessionReserveBytes = 512;
        Devices.SaveDevice(Device("GID_sensors@@@a"));
        int largest = 0;
        for (int i = 0; i < 300; i++)
        {
            Devices.SaveDevice(Device("GID_sensors@@@b", "renamed " + i));
            long id = Offline.Append("dev", "message " + i);
            Offline.Remove("dev", id);
            largest = Math.Max(largest, Store.LogBytes);
        }

        Close();

        Assert.InRange(largest, 0, FlashLimits.MaxLogBytes);
        Assert.Equal(["GID_sensors@@@a thermo", "GID_sensors@@@b renamed 299"],
            Devices.LoadDevices().Cast<DeviceRecord>().Select(d => d.ClientId + " " + d.DisplayName).Order());
    }

    [Fact]
    public void AStoreWhoseLogHasNoRoomLeft_RefusesADeviceWithAnErrorNamingTheFile()
    {
        FlashLimits.MaxLogBytes = 1024;
        FlashLimits.SessionReserveBytes = 128;
        var error = Assert.Throws<EdgeBroker.Firmware.Storage.FlashStoreException>(() =>
        {
            for (int i = 0; i < 100; i++)
            {
                Devices.SaveDevice(Device("GID_sensors@@@device-" + i));
            }
        });

        Assert.Contains(LogPath, error.Message);
    }

    [Fact]
    public void Devices_TakeAtMostTheirShareOfTheLog_SoMessagesStillFit_AlsoAfterARestart()
    {
        FlashLimits.MaxLogBytes = 8192;
        FlashLimits.SessionReserveBytes = 512;
        FlashLimits.MaxDeviceBytes = 1024;
        int emptyLogBytes = Store.LogBytes;
        int paired = 0;
        while (Devices.HasRoomForDevice(Device("GID_sensors@@@device-" + paired)))
        {
            Devices.SaveDevice(Device("GID_sensors@@@device-" + paired));
            paired++;
        }

        int logBytes = Store.LogBytes;
        var beyond = Device("GID_sensors@@@device-" + paired);
        var error = Assert.Throws<EdgeBroker.Firmware.Storage.FlashStoreException>(() => Devices.SaveDevice(beyond));
        Close();

        // Each entry here is some 110 bytes: the share holds 9 of them, and a refusal writes nothing.
        Assert.Equal(9, paired);
        Assert.InRange(logBytes - emptyLogBytes, 1024 - 110, 1024);
        Assert.Contains("no room left for paired devices", error.Message);
        Assert.Contains(LogPath, error.Message);
        Assert.Equal(logBytes, Store.LogBytes);
        Assert.False(Devices.HasRoomForDevice(beyond));
        Assert.Equal(paired, Devices.LoadDevices().Count);
        Assert.True(Devices.HasRoomForDevice(Device("GID_sensors@@@device-0", "kitchen")));
        Devices.SaveDevice(Device("GID_sensors@@@device-0", revoked: true));
        for (int i = 0; i < 40; i++)
        {
            Assert.True(Offline.Append("dev", new string('m', 80)) > 0);
        }
    }

    [Fact]
    public void AStoreHoldingMoreDevicesThanTheShare_StillRevokesThem_ButPairsNoMore()
    {
        FlashLimits.MaxDeviceBytes = 8192;
        for (int i = 0; i < 40; i++)
        {
            Devices.SaveDevice(Device("GID_sensors@@@device-" + i));
        }

        Close();
        FlashLimits.MaxDeviceBytes = 1024;

        Devices.SaveDevice(Device("GID_sensors@@@device-7", revoked: true));
        Assert.False(Devices.HasRoomForDevice(Device("GID_sensors@@@device-new")));
        Assert.True(Devices.FindDevice("GID_sensors@@@device-7")!.Revoked);
        Assert.Equal(40, Devices.LoadDevices().Count);
    }

    [Fact]
    public void ForgettingThePairedDevices_RewritesTheLogWithoutThem_AndKeepsEverythingElse()
    {
        for (int i = 0; i < 40; i++)
        {
            Devices.SaveDevice(Device("GID_sensors@@@device-" + i));
        }

        long kept = Offline.Append("dev", "kept for an away session");
        int before = Store.LogBytes;

        Assert.Equal(40, Store.ForgetPairedDevices());
        int after = Store.LogBytes;
        Close();

        Assert.InRange(after, 0, before - 40 * 100);
        Assert.Empty(Devices.LoadDevices());
        Assert.Null(Devices.FindDevice("GID_sensors@@@device-7"));
        Assert.Equal(kept, Assert.Single(Offline.ReadAll("dev")).Id);
        Assert.Equal(0, Store.ForgetPairedDevices());
    }

    static List<string> Describe(System.Collections.ArrayList devices) =>
        devices.Cast<DeviceRecord>().Select(d => $"{d.ClientId} {d.Group} {d.DisplayName} {d.Revoked} {d.PairedAtMs}").Order().ToList();
}
