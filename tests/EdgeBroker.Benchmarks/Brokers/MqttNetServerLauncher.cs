using System.Diagnostics;
using System.Globalization;
using EdgeBroker.Benchmarks.Cases;

namespace EdgeBroker.Benchmarks.Brokers;

/// <summary>
/// Starts a plain MQTTnet 5.2 server (tests/EdgeBroker.Benchmarks.MqttNetServer, no EdgeBroker code) from its Release
/// build: the row that tells what MQTTnet costs by itself from what the host adds on top of it. Load and idle cases
/// (it has no per-address connection limit, so many clients change nothing).
/// </summary>
public sealed class MqttNetServerLauncher : IBrokerLauncher
{
    FileInfo? _dll;

    public BrokerKind Kind => BrokerKind.MqttNetServer;

    public string Name => "MQTTnet server";

    public string Description => ReleaseBuild.Describe("plain MQTTnet 5.2 server", _dll);

    public void EnsureAvailable() =>
        _dll = ReleaseBuild.Find(Path.Combine("tests", "EdgeBroker.Benchmarks.MqttNetServer"), "EdgeBroker.Benchmarks.MqttNetServer", "The plain MQTTnet server build");

    public ProcessStartInfo StartInfo(int port, BrokerProfile profile, DirectoryInfo scratch)
    {
        var dll = _dll ?? throw new InvalidOperationException("EnsureAvailable was not called.");
        if (profile != BrokerProfile.Shipped && profile != BrokerProfile.ManyClients)
        {
            throw new BenchmarkSetupException("The plain MQTTnet server runs only with its defaults (the load and idle cases).");
        }

        return ReleaseBuild.Start(dll, "--port", port.ToString(CultureInfo.InvariantCulture));
    }

    public string Describe(BrokerProfile profile) => "MQTTnet defaults, no interceptors, no logger";

    /// <summary>The program logs nothing itself; anything on stderr is an unhandled exception.</summary>
    public bool IsProblemLine(string line) => line.Contains("Unhandled exception", StringComparison.OrdinalIgnoreCase);
}
