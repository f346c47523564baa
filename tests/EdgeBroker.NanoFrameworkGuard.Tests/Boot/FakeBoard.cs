using EdgeBroker.Core;
using EdgeBroker.Firmware.Boot;
using EdgeBroker.Firmware.Relay;

namespace EdgeBroker.NanoFrameworkGuard.Tests.Boot;

/// <summary>
/// A board for the boot to run on in a test: a file system whose volumes behave like nanoFramework's on an ESP32
/// (only <c>I:</c> until a card is mounted; asking for a missing volume throws), a network interface that answers
/// as told, a clock that only moves when the boot sleeps, and GPIO pins some of which the image has reserved.
/// </summary>
public sealed class FakeBoard : IBootStorage, INetworkLink, IBootClock, IRelayLog, IPinPart
{
    public const long ValidTimeMs = 1767225600000; // 2026-01-01T00:00:00Z
    public const long UnsetTimeMs = 5000;          // an ESP32's clock before SNTP: shortly after 1970

    readonly Dictionary<string, string> _files = new(StringComparer.Ordinal);
    readonly HashSet<string> _volumes = new(StringComparer.Ordinal) { StorageRoot.InternalFlash };

    /// <summary>Whether an SD card is in the slot (mounting then adds <c>D:</c>).</summary>
    public bool HasSdCard { get; set; }

    public int MountAttempts { get; private set; }

    public string? StoredSsid { get; set; }
    public string? StoredPassword { get; set; }

    /// <summary>Which join attempt (1-based) succeeds; 0: none does.</summary>
    public int JoinSucceedsOnAttempt { get; set; } = 1;

    /// <summary>Each join attempt: whether it was asked to store the configured credentials, and its timeout.</summary>
    public List<(bool Store, int TimeoutMs)> Joins { get; } = new();

    public long WallMs { get; set; } = ValidTimeMs;

    /// <summary>After this many sleeps SNTP "answers" and the wall clock becomes valid; -1: never.</summary>
    public int ClockSetAfterSleeps { get; set; } = -1;

    public List<int> Sleeps { get; } = new();
    public List<string> Infos { get; } = new();
    public List<string> Warnings { get; } = new();

    /// <summary>Pins a driver of the image holds: opening one throws as GpioController.OpenPin does, a bare
    /// InvalidOperationException (nanoframework/System.Device.Gpio v1.1.62 GpioController.cs:108).</summary>
    public HashSet<int> ReservedPins { get; } = new();

    /// <summary>When set, thrown for every pin (GpioPin.SetPinMode's ArgumentException for a mode the pin cannot take).</summary>
    public Exception? PinRefusal { get; set; }

    public List<int> AttachedPins { get; } = new();

    public void AddFile(string path, string text)
    {
        _files[path] = text;
    }

    public string? ReadText(string path)
    {
        RequireVolume(path);
        return _files.TryGetValue(path, out string? text) ? text : null;
    }

    public void MountSdCard(DeviceSettings settings)
    {
        MountAttempts++;
        if (!HasSdCard)
        {
            throw new IOException("no card in the slot");
        }

        _volumes.Add(StorageRoot.SdCard);
    }

    public bool VolumeExists(string root)
    {
        RequireVolume(root);
        return true;
    }

    public string? StoredWifiSsid()
    {
        return StoredSsid;
    }

    public string? StoredWifiPassword()
    {
        return StoredPassword;
    }

    public bool Join(DeviceSettings settings, bool storeCredentials, int timeoutMilliseconds)
    {
        Joins.Add((storeCredentials, timeoutMilliseconds));
        if (storeCredentials)
        {
            StoredSsid = settings.WifiSsid;
            StoredPassword = settings.WifiPassword;
        }

        return Joins.Count == JoinSucceedsOnAttempt;
    }

    public long WallClockMs()
    {
        return WallMs;
    }

    public void Sleep(int milliseconds)
    {
        Sleeps.Add(milliseconds);
        if (Sleeps.Count == ClockSetAfterSleeps)
        {
            WallMs = ValidTimeMs;
        }
    }

    public void Info(string message)
    {
        Infos.Add(message);
    }

    public void Attach(int pin)
    {
        if (PinRefusal != null)
        {
            throw PinRefusal;
        }

        if (ReservedPins.Contains(pin))
        {
            throw new InvalidOperationException();
        }

        AttachedPins.Add(pin);
    }

    public void Warning(string message)
    {
        Warnings.Add(message);
    }

    /// <summary>nanoFramework throws for a path on a volume that is not mounted.</summary>
    void RequireVolume(string path)
    {
        if (!_volumes.Any(v => path.StartsWith(v, StringComparison.Ordinal)))
        {
            throw new IOException("volume of " + path + " not mounted");
        }
    }
}
