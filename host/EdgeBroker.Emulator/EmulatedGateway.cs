using EdgeBroker.Core;
using EdgeBroker.Core.Security;
using EdgeBroker.Emulator.Uplink;
using EdgeBroker.Firmware.Boot;
using EdgeBroker.Firmware.Pairing;
using EdgeBroker.Firmware.Relay;
using EdgeBroker.Firmware.Relay.Settings;
using EdgeBroker.Firmware.Storage;
using EdgeBroker.Firmware.Uplink;
using EdgeBroker.Host.Storage;

namespace EdgeBroker.Emulator;

/// <summary>
/// The gateway firmware composed as the device composes it (<see cref="Gateway"/>: the flash store, security, routing
/// core, relay, retained messages, pairing button), with a directory standing in for the device's internal flash
/// <c>I:</c>. Program runs it; the end-to-end tests start it too, so they exercise exactly what users run.
/// </summary>
public sealed class EmulatedGateway
{
    readonly Gateway _gateway;
    readonly DataDirectoryLock _directoryLock;

    EmulatedGateway(Gateway gateway, string dataDirectory, DataDirectoryLock directoryLock)
    {
        _gateway = gateway;
        DataDirectory = dataDirectory;
        _directoryLock = directoryLock;
    }

    public RelaySettings Settings => _gateway.Settings;

    public string DataDirectory { get; }

    public BrokerCore Core => _gateway.Context.Core;

    public RelayContext Relay => _gateway.Context;

    /// <summary>The pairing button (a key press or <c>POST /pairing</c> in the emulator).</summary>
    public PairingControl Pairing => _gateway.Pairing;

    /// <summary>The uplink's driver (its core <see cref="Core.Uplink.Uplink"/> has the status), or null without one.</summary>
    public UplinkDriver? Uplink => _gateway.Uplink;

    /// <summary>The port actually listened on.</summary>
    public int Port => _gateway.Port;

    /// <summary>
    /// Reads <c>edgebroker.conf</c> from <paramref name="dataDirectory"/> (created when missing) the way the device reads
    /// it from <c>I:</c>, then applies <paramref name="overrides"/> (command-line flags), and opens the store there.
    /// Holds the directory (<see cref="DataDirectoryLock"/>) until <see cref="Stop"/>: a device has one firmware on its
    /// flash, and two emulators on one directory would each deliver what it stores.
    /// Returns null and lists the problems when a setting is invalid; throws <see cref="FlashStoreException"/> (naming
    /// the directory or file) when the directory cannot be used or is in use, or the store cannot be used.
    /// </summary>
    public static EmulatedGateway? Create(string dataDirectory, Action<RelaySettings> overrides, IRelayLog log, List<string> problems)
    {
        var settings = ReadSettings(Path.Combine(dataDirectory, SettingsFile.FileName), overrides, problems);
        if (problems.Count > 0)
        {
            return null;
        }

        if (!DataDirectoryLock.TryTake(dataDirectory, out var directoryLock, out var problem))
        {
            throw new FlashStoreException(problem);
        }

        try
        {
            return new EmulatedGateway(Gateway.Open(dataDirectory, dataDirectory, settings.Relay, settings.Security, new SystemRandom(), log, settings.Uplink,
                new SocketUplinkTransport(settings.Relay.MaxPacketSize)), dataDirectory, directoryLock);
        }
        catch
        {
            directoryLock.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The settings <paramref name="settingsPath"/> (an <c>edgebroker.conf</c>; absent means all defaults) gives, with
    /// <paramref name="overrides"/> applied, as the gateway would run with them. Every problem — a bad value, an
    /// unknown key with its line and the nearest known key — is added to <paramref name="problems"/>, naming the file.
    /// </summary>
    public static GatewaySettings ReadSettings(string settingsPath, Action<RelaySettings> overrides, List<string> problems)
    {
        var file = SettingsFile.Parse(File.Exists(settingsPath) ? File.ReadAllText(settingsPath) : string.Empty);
        var relay = new RelaySettings();

        // The emulator serves this machine unless edgebroker.conf's bind (or --bind, an override) says otherwise; the
        // device's default is its LAN. Set before the file is read, so config check prints what the emulator listens on.
        relay.Bind = "127.0.0.1";
        relay.ApplyFrom(file);
        var security = new RelaySecuritySettings();
        security.ApplyFrom(file);
        overrides(relay);
        var uplink = RelayUplinkSettings.From(file, relay);
        var dataDirectory = Path.GetDirectoryName(Path.GetFullPath(settingsPath))!;
        if (uplink?.CaFile is { } caFile && !File.Exists(Path.Combine(dataDirectory, caFile)))
        {
            problems.Add($"{settingsPath}: {RelayUplinkSettings.CaFileKey} = {caFile}: no such file in {dataDirectory}");
        }

        // The device's own keys (network, pins, SD card) belong in the same file; the emulator reads them only to
        // check them.
        var device = DeviceSettings.From(file);
        file.CheckUnknownKeys();
        foreach (string problem in file.Problems)
        {
            problems.Add(settingsPath + ": " + problem);
        }

        if (!System.Net.IPAddress.TryParse(relay.Bind, out _))
        {
            problems.Add($"Bind '{relay.Bind}' is not an IP address (use 127.0.0.1 for this machine only, 0.0.0.0 for the LAN).");
        }

        if (relay.Port is < 0 or > 65535)
        {
            problems.Add($"Port {relay.Port} is not a TCP port (0-65535).");
        }

        return new GatewaySettings(relay, security, uplink, device);
    }

    /// <summary>Starts listening; throws <see cref="System.Net.Sockets.SocketException"/> when the port is taken.</summary>
    public void Start() => _gateway.Start();

    /// <summary>Stops listening, closes the store and lets the data directory go.</summary>
    public void Stop()
    {
        _gateway.Stop();
        _directoryLock.Dispose();
    }
}

/// <summary>Everything edgebroker.conf sets, by the class that reads it.</summary>
/// <remarks><see cref="Uplink"/> is null when the file sets no <c>uplink</c>.</remarks>
public sealed record GatewaySettings(RelaySettings Relay, RelaySecuritySettings Security, RelayUplinkSettings? Uplink, DeviceSettings Device)
{
    /// <summary>What <c>config check</c> warns about without refusing: access keys with short secrets (the core's
    /// <see cref="AccessKeyCheck"/>, which the gateway's start-up logs too, on the device as in the emulator), and an
    /// <c>mqtts://</c> uplink without a CA file, which only the device cannot verify (<see cref="DeviceTrustCheck"/>, logged
    /// at the device's boot).</summary>
    public IEnumerable<string> Warnings() =>
        Security.AccessKeys.Cast<AccessKey>().Select(key => AccessKeyCheck.WeakSecretWarning(key.Id, key.Secret))
            .Append(DeviceTrustCheck.Warning(Uplink!)).OfType<string>();
}
