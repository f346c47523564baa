namespace EdgeBroker.EndToEnd.Tests.Infrastructure;

/// <summary>The engines the shared suite runs against. Tests take the engine's name (serializable theory data, so each
/// engine shows up as its own test case) and start it with <see cref="StartAsync"/>.</summary>
public static class Engines
{
    public const string Host = "host";

    /// <summary>The firmware emulator: the device's relay and core on the PC (MQTT 3.1.1 only, QoS at most 1 out).</summary>
    public const string Emulator = "emulator";

    public static IReadOnlyList<string> Names => [Host, Emulator];

    /// <summary>Every engine, for features all engines support.</summary>
    public static TheoryData<string> All => new() { Host, Emulator };

    /// <summary>Engines that speak MQTT 5. Host only: the firmware relay serves MQTT 3.1.1 (a device-sized codec), and
    /// answers an MQTT 5 CONNECT with 0x01, unacceptable protocol version.</summary>
    public static TheoryData<string> WithMqtt5 => new() { Host };

    /// <summary>Engines that emit presence events (connect, disconnect, tcpclean on <c>$SYS/presence/…</c>). The
    /// online-status HTTP API is the host's only: the tests that use it start the host directly.</summary>
    public static TheoryData<string> WithPresence => new() { Host, Emulator };

    /// <summary>Engines whose offline pacing, message lifetime and quota the tests can set (EdgeBroker:OfflineBatchSize,
    /// OfflineBatchIntervalSeconds, OfflineMessageTtlHours, MaxOfflineMessagesPerClient; the emulator maps them to its
    /// configuration-file keys).</summary>
    public static TheoryData<string> WithTunableOffline => new() { Host, Emulator };

    /// <summary>Engines whose store survives a restart on the same data directory (<see cref="HostEngine.DataDirKey"/>):
    /// SQLite on the host, the flash log in the emulator's data directory.</summary>
    public static TheoryData<string> Durable => new() { Host, Emulator };

    /// <summary>Engines that authenticate clients and enforce access rules from a JSON configuration file
    /// (<see cref="StartWithConfigAsync"/>): the host's EdgeBroker:Security. The firmware relay joins once its settings
    /// file carries the same keys.</summary>
    public static TheoryData<string> WithSecurity => new() { Host };

    /// <summary>Engines that enforce the device limits (client count, packet size, …): the firmware's.</summary>
    public static TheoryData<string> WithDeviceLimits => new() { Emulator };

    /// <summary>The highest QoS the engine delivers at and grants: 2 on the host; 1 on the firmware, which completes
    /// a publisher's QoS 2 handshake but delivers at most at QoS 1.</summary>
    public static int MaxQos(string engine) => engine == Emulator ? 1 : 2;

    /// <summary>Clients connected at once with the engine's default settings: the device's <c>max_clients</c> on the
    /// firmware; the host sets no limit of its own.</summary>
    public static int MaxClients(string engine) => engine == Emulator ? new EdgeBroker.Firmware.Relay.Settings.RelaySettings().MaxClients : int.MaxValue;

    public static Task<RunningBroker> StartAsync(string engine, IDictionary<string, string?>? settings = null) => engine switch
    {
        Host => new HostEngine().StartAsync(settings),
        Emulator => new EmulatorEngine().StartAsync(settings),
        _ => throw new ArgumentOutOfRangeException(nameof(engine), engine, "unknown engine"),
    };

    /// <summary>Starts <paramref name="engine"/> with <paramref name="json"/> as its configuration file (the host's
    /// <c>--config</c> layout), plus <paramref name="settings"/>.</summary>
    public static async Task<RunningBroker> StartWithConfigAsync(string engine, string json, IDictionary<string, string?>? settings = null)
    {
        if (engine != Host)
        {
            throw new ArgumentOutOfRangeException(nameof(engine), engine, "only the host reads a JSON configuration file");
        }

        var file = new FileInfo(Path.Combine(Path.GetTempPath(), $"edgebroker-config-{Guid.NewGuid():N}.json"));
        await File.WriteAllTextAsync(file.FullName, json);
        try
        {
            return await new HostEngine().StartAsync(settings, file);
        }
        finally
        {
            // Read once while the host is built.
            file.Delete();
        }
    }
}
