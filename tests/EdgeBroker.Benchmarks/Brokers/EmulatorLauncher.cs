using System.Diagnostics;
using EdgeBroker.Benchmarks.Cases;

namespace EdgeBroker.Benchmarks.Brokers;

/// <summary>
/// Starts the firmware emulator as users do (<c>dotnet EdgeBroker.Emulator.dll --port N --data-dir DIR</c>) with the
/// device's shipped settings: the relay and core the ESP32 runs, its flash log in the case's scratch directory.
/// </summary>
public sealed class EmulatorLauncher : IBrokerLauncher
{
    const string BuildCommand = "dotnet build -c Release host/EdgeBroker.Emulator";

    FileInfo? _dll;

    public BrokerKind Kind => BrokerKind.Emulator;

    public string Name => "EdgeBroker emulator";

    public string Description => _dll is null ? "EdgeBroker.Emulator" : $"EdgeBroker.Emulator ({_dll.FullName}, built {_dll.LastWriteTime:yyyy-MM-dd HH:mm})";

    public void EnsureAvailable()
    {
        var root = EdgeBrokerLauncher.FindRepositoryRoot()
                   ?? throw new BenchmarkSetupException("Cannot find the EdgeBroker repository (no EdgeBroker.sln above the harness or the current directory).");
        _dll = new FileInfo(Path.Combine(root.FullName, "host", "EdgeBroker.Emulator", "bin", "Release", "net10.0", "EdgeBroker.Emulator.dll"));
        if (!_dll.Exists)
        {
            throw new BenchmarkSetupException($"The emulator build is missing: {_dll.FullName} does not exist. Build it from the repository root with: {BuildCommand}");
        }
    }

    public ProcessStartInfo StartInfo(int port, BrokerProfile profile, DirectoryInfo scratch)
    {
        var dll = _dll ?? throw new InvalidOperationException("EnsureAvailable was not called.");
        var start = new ProcessStartInfo("dotnet");
        foreach (var argument in new[] { dll.FullName, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--data-dir", scratch.FullName, "--quiet" })
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }

    public string Describe(BrokerProfile profile) => "device defaults (edgebroker.conf empty), flash log in the scratch directory";

    public bool IsProblemLine(string line) => EdgeBrokerLauncher.IsLoggedProblem(line);
}
