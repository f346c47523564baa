using EdgeBroker.Core;
using EdgeBroker.Firmware.Pairing;
using EdgeBroker.Firmware.Relay;
using EdgeBroker.Firmware.Relay.Settings;

namespace EdgeBroker.Emulator;

/// <summary>
/// The gateway firmware composed as the device composes it — routing core, relay, retained messages, pairing window —
/// with a directory standing in for the device's internal flash <c>I:</c>. Program runs it; the end-to-end tests start
/// it too, so they exercise exactly what users run.
/// </summary>
public sealed class EmulatedGateway
{
    readonly RelayServer _server;

    EmulatedGateway(RelaySettings settings, int pairingWindowSeconds, string dataDirectory, IRelayLog log)
    {
        Settings = settings;
        DataDirectory = dataDirectory;
        _server = new RelayServer(RelayContext.Compose(settings, log));
        Pairing = new PairingWindow(pairingWindowSeconds);
    }

    public RelaySettings Settings { get; }

    public string DataDirectory { get; }

    public BrokerCore Core => _server.Context.Core;

    public RelayContext Relay => _server.Context;

    public PairingWindow Pairing { get; }

    /// <summary>The port actually listened on.</summary>
    public int Port => _server.Port;

    /// <summary>
    /// Reads <c>edgebroker.conf</c> from <paramref name="dataDirectory"/> (created when missing) the way the device reads
    /// it from <c>I:</c>, then applies <paramref name="overrides"/> (command-line flags). Returns null and lists the
    /// problems when a setting is invalid.
    /// </summary>
    public static EmulatedGateway? Create(string dataDirectory, Action<RelaySettings> overrides, IRelayLog log, List<string> problems)
    {
        Directory.CreateDirectory(dataDirectory);
        var settingsPath = Path.Combine(dataDirectory, SettingsFile.FileName);
        var file = SettingsFile.Parse(File.Exists(settingsPath) ? File.ReadAllText(settingsPath) : string.Empty);
        var settings = new RelaySettings();
        settings.ApplyFrom(file);
        int pairingSeconds = file.GetInt(PairingWindow.DurationKey, PairingWindow.DefaultDurationSeconds, 1, 3600);
        overrides(settings);
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

        return problems.Count > 0 ? null : new EmulatedGateway(settings, pairingSeconds, dataDirectory, log);
    }

    /// <summary>Starts listening; throws <see cref="System.Net.Sockets.SocketException"/> when the port is taken.</summary>
    public void Start() => _server.Start();

    public void Stop() => _server.Stop();
}
