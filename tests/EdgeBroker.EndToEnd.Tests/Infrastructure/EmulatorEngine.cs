using EdgeBroker.Emulator;
using EdgeBroker.Firmware.Relay;
using EdgeBroker.Firmware.Relay.Settings;

namespace EdgeBroker.EndToEnd.Tests.Infrastructure;

/// <summary>
/// The firmware emulator (the device's relay and core on the PC, with the device's defaults and limits), built exactly
/// as its program builds it, listening on a free loopback port with a fresh data directory.
/// </summary>
public sealed class EmulatorEngine : BrokerEngine
{
    public override string Name => Engines.Emulator;

    /// <summary>Settings use the device's configuration-file keys (<c>max_clients</c>, …), as in edgebroker.conf.</summary>
    public override Task<RunningBroker> StartAsync(IDictionary<string, string?>? settings = null)
    {
        var dataDirectory = Directory.CreateTempSubdirectory("edgebroker-emulator-").FullName;
        if (settings is { Count: > 0 })
        {
            File.WriteAllLines(Path.Combine(dataDirectory, SettingsFile.FileName),
                settings.Select(setting => setting.Key + " = " + setting.Value));
        }

        var problems = new List<string>();
        var gateway = EmulatedGateway.Create(dataDirectory, relay =>
        {
            relay.Port = 0;
            relay.Bind = "127.0.0.1";
        }, new SilentLog(), problems);
        Assert.Empty(problems);
        gateway!.Start();
        return Task.FromResult<RunningBroker>(new RunningEmulator(gateway, dataDirectory));
    }

    sealed class RunningEmulator(EmulatedGateway gateway, string dataDirectory) : RunningBroker
    {
        public override int Port => gateway.Port;

        public override bool IsConnected(string clientId) => gateway.Core.Sessions.Find(clientId)?.IsOnline == true;

        public override ValueTask DisposeAsync()
        {
            gateway.Stop();
            Directory.Delete(dataDirectory, recursive: true);
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>Relay log lines would only clutter test output; EDGEBROKER_TEST_LOGLEVEL=Information shows them.</summary>
    sealed class SilentLog : IRelayLog
    {
        static readonly bool Verbose = Environment.GetEnvironmentVariable("EDGEBROKER_TEST_LOGLEVEL") == "Information";

        public void Info(string message)
        {
            if (Verbose)
            {
                Console.WriteLine("emulator: " + message);
            }
        }

        public void Warning(string message) => Info(message);
    }
}
