using System.Diagnostics;
using System.Globalization;
using EdgeBroker.Benchmarks.Cases;

namespace EdgeBroker.Benchmarks.Brokers;

/// <summary>
/// Starts the firmware emulator as users do (<c>dotnet EdgeBroker.Emulator.dll --port N --data-dir DIR</c>) from its
/// Release build, with the device's defaults; its scratch directory stands in for the device's I: and holds the
/// edgebroker.conf a profile needs.
/// </summary>
public sealed class EmulatorLauncher(FileInfo edgeBrokerDll) : IBrokerLauncher
{
    const string BuildCommand = "dotnet build -c Release host/EdgeBroker.Emulator";

    /// <summary>The most clients the relay's settings allow (<c>max_clients</c>).</summary>
    public const int MaxClients = 1000;

    FileInfo? _dll;

    public BrokerKind Kind => BrokerKind.Emulator;

    public string Name => "emulator";

    public string Description => _dll is null ? "EdgeBroker.Emulator" : $"EdgeBroker.Emulator ({_dll.FullName}, built {_dll.LastWriteTime:yyyy-MM-dd HH:mm})";

    /// <summary>Expects the emulator's Release build beside the host's: host/EdgeBroker.Emulator/bin/Release/net10.0/.</summary>
    public void EnsureAvailable()
    {
        var hostDirectory = edgeBrokerDll.Directory!;
        var releaseDirectory = Path.Combine(hostDirectory.FullName, "..", "..", "..", "..", "EdgeBroker.Emulator", "bin", "Release", "net10.0");
        _dll = new FileInfo(Path.GetFullPath(Path.Combine(releaseDirectory, "EdgeBroker.Emulator.dll")));
        if (!_dll.Exists)
        {
            throw new BenchmarkSetupException($"The emulator build is missing: {_dll.FullName} does not exist. Build it from the repository root with: {BuildCommand}");
        }
    }

    public ProcessStartInfo StartInfo(int port, BrokerProfile profile, DirectoryInfo scratch)
    {
        var dll = _dll ?? throw new InvalidOperationException("EnsureAvailable was not called.");
        File.WriteAllLines(Path.Combine(scratch.FullName, "edgebroker.conf"), Settings(profile));
        var start = new ProcessStartInfo("dotnet");
        foreach (var argument in new[] { dll.FullName, "--port", port.ToString(CultureInfo.InvariantCulture), "--data-dir", scratch.FullName, "--quiet" })
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }

    public string Describe(BrokerProfile profile) => "edgebroker.conf with `" + string.Join("`, `", Settings(profile)) + "`";

    static IEnumerable<string> Settings(BrokerProfile profile)
    {
        if (profile.ManyConnections)
        {
            yield return "max_clients = " + MaxClients.ToString(CultureInfo.InvariantCulture);
            yield return "max_connections_per_source = 0";
        }
    }

    /// <summary>The relay's console log marks warnings; --quiet leaves only them.</summary>
    public bool IsProblemLine(string line) => line.Contains("warn", StringComparison.OrdinalIgnoreCase);
}
