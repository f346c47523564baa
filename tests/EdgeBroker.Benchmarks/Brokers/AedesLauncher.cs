using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using EdgeBroker.Benchmarks.Cases;

namespace EdgeBroker.Benchmarks.Brokers;

/// <summary>
/// Starts aedes, the Node.js MQTT broker, with its defaults (<c>node aedes/server.mjs --port N</c>): the benchmark's
/// peer from another runtime. aedes comes from npm, installed beside the script by <c>aedes/setup.sh</c>, so a run
/// never depends on a global npm install. Only the load cases use it (it has no persistence of its own by default).
/// </summary>
public sealed class AedesLauncher : IBrokerLauncher
{
    const string SetupCommand = "tests/EdgeBroker.Benchmarks/aedes/setup.sh";

    DirectoryInfo? _directory;
    string? _version;

    public BrokerKind Kind => BrokerKind.Aedes;

    public string Name => "aedes";

    public string Description => _version is null ? "aedes" : $"aedes {_version} (Node.js {NodeVersion()})";

    public void EnsureAvailable()
    {
        var root = EdgeBrokerLauncher.RequireRepositoryRoot();
        _directory = new DirectoryInfo(Path.Combine(root.FullName, "tests", "EdgeBroker.Benchmarks", "aedes"));
        var package = Path.Combine(_directory.FullName, "node_modules", "aedes", "package.json");
        if (!File.Exists(package))
        {
            throw new BenchmarkSetupException($"aedes is not installed ({package} is missing). Install it from the repository root with: {SetupCommand} (needs Node.js 20+ and npm).");
        }

        using var json = JsonDocument.Parse(File.ReadAllText(package));
        _version = json.RootElement.GetProperty("version").GetString();
    }

    public ProcessStartInfo StartInfo(int port, BrokerProfile profile, DirectoryInfo scratch)
    {
        var directory = _directory ?? throw new InvalidOperationException("EnsureAvailable was not called.");
        if (profile != BrokerProfile.Shipped)
        {
            throw new BenchmarkSetupException("The aedes peer runs only with its defaults (the load cases).");
        }

        var start = new ProcessStartInfo("node") { WorkingDirectory = directory.FullName };
        foreach (var argument in new[] { Path.Combine(directory.FullName, "server.mjs"), "--port", port.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }

    public string Describe(BrokerProfile profile) => "defaults (in-memory persistence)";

    /// <summary>server.mjs prints "warn:" for a client error; Node prints uncaught errors with "Error".</summary>
    public bool IsProblemLine(string line) =>
        line.StartsWith("warn:", StringComparison.Ordinal) || line.Contains("Error", StringComparison.Ordinal);

    static string NodeVersion()
    {
        var start = new ProcessStartInfo("node", "--version") { RedirectStandardOutput = true };
        using var process = Process.Start(start);
        var version = process?.StandardOutput.ReadToEnd().Trim();
        process?.WaitForExit(5_000);
        return string.IsNullOrEmpty(version) ? "?" : version;
    }
}
