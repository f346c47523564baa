using System.Diagnostics;
using System.Globalization;
using EdgeBroker.Benchmarks.Cases;

namespace EdgeBroker.Benchmarks.Brokers;

/// <summary>
/// Starts the firmware emulator as users do (<c>dotnet EdgeBroker.Emulator.dll --port N --data-dir DIR</c>) from its
/// Release build, with the device's defaults: the relay and core the ESP32 runs, its flash log in the case's scratch
/// directory, which stands in for the device's I: and holds the edgebroker.conf a profile needs.
/// </summary>
public sealed class EmulatorLauncher : IBrokerLauncher
{
    /// <summary>The most clients the relay's settings allow (<c>max_clients</c>).</summary>
    public const int MaxClients = 1000;

    FileInfo? _dll;

    public BrokerKind Kind => BrokerKind.Emulator;

    public string Name => "EdgeBroker emulator";

    public string Description => ReleaseBuild.Describe("EdgeBroker.Emulator", _dll);

    public void EnsureAvailable() => _dll = ReleaseBuild.Find(Path.Combine("host", "EdgeBroker.Emulator"), "EdgeBroker.Emulator", "The emulator build");

    public ProcessStartInfo StartInfo(int port, BrokerProfile profile, DirectoryInfo scratch)
    {
        var dll = _dll ?? throw new InvalidOperationException("EnsureAvailable was not called.");
        File.WriteAllLines(Path.Combine(scratch.FullName, "edgebroker.conf"), Settings(profile));
        return ReleaseBuild.Start(dll, "--port", port.ToString(CultureInfo.InvariantCulture), "--data-dir", scratch.FullName, "--quiet");
    }

    public string Describe(BrokerProfile profile)
    {
        var settings = Settings(profile).ToList();
        return settings.Count == 0
            ? "device defaults (edgebroker.conf empty), flash log in the scratch directory"
            : "edgebroker.conf with `" + string.Join("`, `", settings) + "`, flash log in the scratch directory";
    }

    static IEnumerable<string> Settings(BrokerProfile profile)
    {
        if (profile.ManyConnections)
        {
            yield return "max_clients = " + MaxClients.ToString(CultureInfo.InvariantCulture);
            yield return "max_connections_per_source = 0";
        }

        if (profile.LargestQueues)
        {
            yield return "max_queued_messages_per_client = " + MaxQueuedMessages.ToString(CultureInfo.InvariantCulture);
            yield return "max_queued_bytes_per_client = " + MaxBytes.ToString(CultureInfo.InvariantCulture);
            yield return "max_buffer_bytes = " + MaxBytes.ToString(CultureInfo.InvariantCulture);
        }
    }

    /// <summary>The largest <c>max_queued_messages_per_client</c> the relay's settings accept.</summary>
    const int MaxQueuedMessages = 1_000_000;

    /// <summary>The largest <c>max_queued_bytes_per_client</c> and <c>max_buffer_bytes</c> the relay's settings
    /// accept: some 90,000 of a load case's messages queued at once, over three times a receiver's share of the
    /// throughput phase (a 256-byte buffer, with what the pool counts beside it, holds two).</summary>
    const int MaxBytes = 16_777_216;

    public bool IsProblemLine(string line) => EdgeBrokerLauncher.IsLoggedProblem(line);
}
