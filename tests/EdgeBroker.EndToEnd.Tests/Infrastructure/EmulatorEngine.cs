using System.Globalization;
using EdgeBroker.Emulator;
using EdgeBroker.Firmware.Relay;
using EdgeBroker.Firmware.Relay.Settings;

namespace EdgeBroker.EndToEnd.Tests.Infrastructure;

/// <summary>
/// The firmware emulator (the device's relay and core on the PC, with the device's defaults and limits), built exactly
/// as its program builds it, listening on a free loopback port with a fresh data directory — or the one the test
/// brings (<see cref="HostEngine.DataDirKey"/>), to restart on the same store.
/// </summary>
public sealed class EmulatorEngine : BrokerEngine
{
    /// <summary>The host settings the shared tests pass, and the configuration-file key (with the value converted)
    /// that means the same on the firmware.</summary>
    static readonly Dictionary<string, (string Key, Func<string, string> Value)> HostSettings = new()
    {
        ["EdgeBroker:MaxRetainedBytes"] = (RelaySettings.MaxRetainedBytesKey, Same),
        ["EdgeBroker:MaxWillBytes"] = (RelaySettings.MaxWillBytesKey, Same),
        ["EdgeBroker:MaxOfflineMessagesPerClient"] = (RelaySettings.MaxOfflineMessagesPerClientKey, Same),
        ["EdgeBroker:MaxOfflineBytesPerClient"] = (RelaySettings.MaxOfflineBytesPerClientKey, Same),
        ["EdgeBroker:MaxOfflineQos0Bytes"] = (RelaySettings.MaxOfflineQos0BytesKey, Same),
        ["EdgeBroker:OfflineMessageTtlHours"] = (RelaySettings.OfflineMessageTtlSecondsKey, HoursToSeconds),
        ["EdgeBroker:OfflineBatchSize"] = (RelaySettings.OfflineBatchSizeKey, Same),
        ["EdgeBroker:OfflineBatchIntervalSeconds"] = (RelaySettings.OfflineBatchIntervalSecondsKey, Same),
        ["EdgeBroker:Mqtt311SessionExpirySeconds"] = (RelaySettings.SessionExpirySecondsKey, Same),
        ["EdgeBroker:OutboundQueue:MaxMessagesPerClient"] = (RelaySettings.MaxQueuedMessagesPerClientKey, Same),
        ["EdgeBroker:OutboundQueue:MaxBytesPerClient"] = (RelaySettings.MaxQueuedBytesPerClientKey, Same),
        ["EdgeBroker:Connections:MaxPacketSize"] = (RelaySettings.MaxPacketSizeKey, Same),
        ["EdgeBroker:Connections:ConnectTimeoutSeconds"] = (RelaySettings.ConnectTimeoutSecondsKey, Same),
        ["EdgeBroker:Connections:MaxConnectionsPerSource"] = (RelaySettings.MaxConnectionsPerSourceKey, Same),
        ["EdgeBroker:Connections:ConnectionRateWindowSeconds"] = (RelaySettings.ConnectionRateWindowSecondsKey, Same),
        ["EdgeBroker:SysIntervalSeconds"] = (RelaySettings.SysIntervalKey, Same),
        ["EdgeBroker:P2PUnreachableTtlSeconds"] = (RelaySettings.P2PUnreachableTtlSecondsKey, Same),
        ["EdgeBroker:Security:MaxClientIdLength"] = (RelaySecuritySettings.MaxClientIdLengthKey, Same),
    };

    public override string Name => Engines.Emulator;

    /// <summary>Settings use the device's configuration-file keys (<c>max_clients</c>, …), as in edgebroker.conf, or the
    /// host's keys of <see cref="HostSettings"/>; any other host key fails the test rather than being ignored.</summary>
    public override Task<RunningBroker> StartAsync(IDictionary<string, string?>? settings = null) =>
        Task.FromResult<RunningBroker>(Start(settings));

    /// <summary>As <see cref="StartAsync"/>, for tests that also press the pairing button or revoke a device, the
    /// gateway's own controls.</summary>
    public static RunningEmulator Start(IDictionary<string, string?>? settings = null)
    {
        var lines = new List<string>();
        string? dataDirectory = null;
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            if (key == HostEngine.DataDirKey)
            {
                dataDirectory = value;
            }
            else if (HostSettings.TryGetValue(key, out var relay))
            {
                lines.Add(relay.Key + " = " + relay.Value(value!));
            }
            else
            {
                Assert.DoesNotContain(':', key);
                lines.Add(key + " = " + value);
            }
        }

        var ownDataDirectory = dataDirectory is null;
        dataDirectory ??= Directory.CreateTempSubdirectory("edgebroker-emulator-").FullName;
        File.WriteAllLines(Path.Combine(dataDirectory, SettingsFile.FileName), lines);

        var problems = new List<string>();
        var log = new RecordingLog();
        var gateway = EmulatedGateway.Create(dataDirectory, relay =>
        {
            relay.Port = 0;
            relay.Bind = "127.0.0.1";
        }, log, problems);
        Assert.Empty(problems);
        gateway!.Start();
        return new RunningEmulator(gateway, log, ownDataDirectory ? dataDirectory : null);
    }

    static string Same(string value) => value;

    static string HoursToSeconds(string hours) =>
        Math.Round(double.Parse(hours, CultureInfo.InvariantCulture) * 3600).ToString(CultureInfo.InvariantCulture);

    public sealed class RunningEmulator(EmulatedGateway gateway, RecordingLog log, string? ownDataDirectory) : RunningBroker
    {
        public EmulatedGateway Gateway => gateway;

        /// <summary>The log the gateway writes to, for parts of the emulator a test composes beside it (its HTTP
        /// endpoint).</summary>
        public IRelayLog Log => log;

        public override EdgeBroker.Core.BrokerCore Core => gateway.Core;

        public override IReadOnlyList<string> LoggedProblems => log.Warnings;

        public override int Port => gateway.Port;

        public override bool IsConnected(string clientId) => gateway.Core.ConnectionOf(clientId) != null;

        public override EdgeBroker.Core.Routing.RoutingCounters Counters => gateway.Core.Counters;

        public override ValueTask DisposeAsync()
        {
            gateway.Stop();
            if (ownDataDirectory is not null)
            {
                Directory.Delete(ownDataDirectory, recursive: true);
            }

            return ValueTask.CompletedTask;
        }
    }

    /// <summary>Keeps the relay's warnings for <see cref="RunningBroker.LoggedProblems"/> (the relay logs per connection
    /// and per fault, not per message); log lines would only clutter test output, EDGEBROKER_TEST_LOGLEVEL=Information
    /// shows them.</summary>
    public sealed class RecordingLog : IRelayLog
    {
        static readonly bool Verbose = Environment.GetEnvironmentVariable("EDGEBROKER_TEST_LOGLEVEL") == "Information";

        readonly System.Collections.Concurrent.ConcurrentQueue<string> _warnings = new();

        public IReadOnlyList<string> Warnings => [.. _warnings];

        public void Info(string message)
        {
            if (Verbose)
            {
                Console.WriteLine("emulator: " + message);
            }
        }

        public void Warning(string message)
        {
            _warnings.Enqueue(message);
            Info(message);
        }
    }
}
