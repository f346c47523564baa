using System.Diagnostics;
using System.Globalization;
using EdgeBroker.Benchmarks.Cases;

namespace EdgeBroker.Benchmarks.Brokers;

/// <summary>
/// Starts a plain MQTTnet 5.2 server (tests/EdgeBroker.Benchmarks.MqttNetServer, no EdgeBroker code) from its Release
/// build: the row that tells what MQTTnet costs by itself from what the host adds on top of it. Load cases only.
/// </summary>
public sealed class MqttNetServerLauncher : IBrokerLauncher
{
    const string BuildCommand = "dotnet build -c Release tests/EdgeBroker.Benchmarks.MqttNetServer";

    FileInfo? _dll;

    public BrokerKind Kind => BrokerKind.MqttNetServer;

    public string Name => "MQTTnet server";

    public string Description => _dll is null ? "plain MQTTnet 5.2 server" : $"plain MQTTnet 5.2 server ({_dll.FullName}, built {_dll.LastWriteTime:yyyy-MM-dd HH:mm})";

    public void EnsureAvailable()
    {
        var root = EdgeBrokerLauncher.RequireRepositoryRoot();
        _dll = new FileInfo(Path.Combine(root.FullName, "tests", "EdgeBroker.Benchmarks.MqttNetServer", "bin", "Release", "net10.0", "EdgeBroker.Benchmarks.MqttNetServer.dll"));
        if (!_dll.Exists)
        {
            throw new BenchmarkSetupException($"The plain MQTTnet server build is missing: {_dll.FullName} does not exist. Build it from the repository root with: {BuildCommand}");
        }
    }

    public ProcessStartInfo StartInfo(int port, BrokerProfile profile, DirectoryInfo scratch)
    {
        var dll = _dll ?? throw new InvalidOperationException("EnsureAvailable was not called.");
        if (profile != BrokerProfile.Shipped)
        {
            throw new BenchmarkSetupException("The plain MQTTnet server runs only with its defaults (the load cases).");
        }

        var start = new ProcessStartInfo("dotnet");
        foreach (var argument in new[] { dll.FullName, "--port", port.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }

    public string Describe(BrokerProfile profile) => "MQTTnet defaults, no interceptors, no logger";

    /// <summary>The program logs nothing itself; anything on stderr is an unhandled exception.</summary>
    public bool IsProblemLine(string line) => line.Contains("Unhandled exception", StringComparison.OrdinalIgnoreCase);
}
