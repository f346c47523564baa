using EdgeBroker.Core;
using EdgeBroker.Emulator.Uplink;
using EdgeBroker.Firmware.Pairing;
using EdgeBroker.Firmware.Relay;
using EdgeBroker.Firmware.Relay.Settings;
using EdgeBroker.Firmware.Storage;
using EdgeBroker.Firmware.Uplink;

namespace EdgeBroker.Emulator;

/// <summary>
/// The gateway firmware composed as the device composes it (<see cref="Gateway"/>: the flash store, security, routing
/// core, relay, retained messages, pairing button), with a directory standing in for the device's internal flash
/// <c>I:</c>. Program runs it; the end-to-end tests start it too, so they exercise exactly what users run.
/// </summary>
public sealed class EmulatedGateway
{
    readonly Gateway _gateway;

    EmulatedGateway(Gateway gateway, string dataDirectory)
    {
        _gateway = gateway;
        DataDirectory = dataDirectory;
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
    /// Returns null and lists the problems when a setting is invalid; throws <see cref="FlashStoreException"/> (naming
    /// the file) when the store cannot be used.
    /// </summary>
    public static EmulatedGateway? Create(string dataDirectory, Action<RelaySettings> overrides, IRelayLog log, List<string> problems)
    {
        Directory.CreateDirectory(dataDirectory);
        var settingsPath = Path.Combine(dataDirectory, SettingsFile.FileName);
        var file = SettingsFile.Parse(File.Exists(settingsPath) ? File.ReadAllText(settingsPath) : string.Empty);
        var settings = new RelaySettings();
        settings.ApplyFrom(file);
        var security = new RelaySecuritySettings();
        security.ApplyFrom(file);
        overrides(settings);
        var uplink = RelayUplinkSettings.From(file, settings);
        if (uplink?.CaFile is { } caFile && !File.Exists(Path.Combine(dataDirectory, caFile)))
        {
            problems.Add($"{settingsPath}: {RelayUplinkSettings.CaFileKey} = {caFile}: no such file in {dataDirectory}");
        }

        foreach (string problem in file.Problems)
        {
            problems.Add(settingsPath + ": " + problem);
        }

        if (!System.Net.IPAddress.TryParse(settings.Bind, out _))
        {
            problems.Add($"Bind '{settings.Bind}' is not an IP address (use 127.0.0.1 for this machine only, 0.0.0.0 for the LAN).");
        }

        if (settings.Port is < 0 or > 65535)
        {
            problems.Add($"Port {settings.Port} is not a TCP port (0-65535).");
        }

        return problems.Count > 0
            ? null
            : new EmulatedGateway(Gateway.Open(dataDirectory, settings, security, new SystemRandom(), log, uplink,
                new SocketUplinkTransport(settings.MaxPacketSize)), dataDirectory);
    }

    /// <summary>Starts listening; throws <see cref="System.Net.Sockets.SocketException"/> when the port is taken.</summary>
    public void Start() => _gateway.Start();

    /// <summary>Stops listening and closes the store.</summary>
    public void Stop() => _gateway.Stop();
}
