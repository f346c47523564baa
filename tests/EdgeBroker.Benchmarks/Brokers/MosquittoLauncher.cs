using System.Diagnostics;
using System.Globalization;
using EdgeBroker.Benchmarks.Cases;

namespace EdgeBroker.Benchmarks.Brokers;

/// <summary>
/// Starts mosquitto with its defaults and only <c>-p PORT</c> (which makes mosquitto 2.x listen on localhost and allow
/// anonymous clients): the baseline is mosquitto as people run it, not a tuned one. The durable cases write a
/// mosquitto.conf with the same listener and only the settings they change (persistence, queue limit).
/// </summary>
public sealed class MosquittoLauncher(string? configuredPath) : IBrokerLauncher
{
    const string ConfigFileName = "mosquitto.conf";

    string? _executable;
    string? _version;

    public BrokerKind Kind => BrokerKind.Mosquitto;

    public string Name => "mosquitto";

    public string Description => _version ?? "mosquitto";

    /// <summary>The mosquitto executable (after <see cref="EnsureAvailable"/>).</summary>
    public string Executable => _executable ?? throw new InvalidOperationException("EnsureAvailable was not called.");

    public void EnsureAvailable()
    {
        _executable = configuredPath ?? FindOnPath("mosquitto") ?? FindOnPath("mosquitto", "/usr/sbin", "/usr/local/sbin");
        if (_executable is null || !File.Exists(_executable))
        {
            throw new BenchmarkSetupException(
                $"mosquitto was not found{(configuredPath is null ? " on PATH (or in /usr/sbin)" : $" at {configuredPath}")}. " +
                "Install it (Debian/Ubuntu: sudo apt-get install mosquitto) or pass --mosquitto /path/to/mosquitto.");
        }

        _version = ReadVersion(_executable);
    }

    public ProcessStartInfo StartInfo(int port, BrokerProfile profile, DirectoryInfo scratch)
    {
        var start = new ProcessStartInfo(_executable ?? throw new InvalidOperationException("EnsureAvailable was not called."));
        if (profile == BrokerProfile.Shipped)
        {
            start.ArgumentList.Add("-p");
            start.ArgumentList.Add(port.ToString(CultureInfo.InvariantCulture));
            return start;
        }

        // What -p PORT means (a localhost listener, anonymous clients allowed), plus the profile's settings.
        var file = Path.Combine(scratch.FullName, ConfigFileName);
        var lines = new List<string> { $"listener {port.ToString(CultureInfo.InvariantCulture)} 127.0.0.1", "allow_anonymous true" };
        lines.AddRange(Settings(profile, scratch.FullName + Path.DirectorySeparatorChar));
        File.WriteAllLines(file, lines);
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(file);
        return start;
    }

    public string Describe(BrokerProfile profile) =>
        profile == BrokerProfile.Shipped ? "defaults (-p PORT)" : "-c " + ConfigFileName + " with `" + string.Join("`, `", Settings(profile, "<scratch>/")) + "`";

    /// <summary>mosquitto.conf lines for what the profile changes. mosquitto has no offline batching to turn off.</summary>
    static IEnumerable<string> Settings(BrokerProfile profile, string persistenceLocation)
    {
        if (profile.Durable)
        {
            yield return "persistence true";
            yield return "persistence_location " + persistenceLocation;
        }

        if (profile.MessagesKeptPerClient is { } kept)
        {
            yield return "max_queued_messages " + kept.ToString(CultureInfo.InvariantCulture);
        }
    }

    /// <summary>mosquitto logs everything at notice level; the lines that matter for a benchmark are errors,
    /// warnings and "Outgoing messages are being dropped" (its queue limit discarding messages).</summary>
    public bool IsProblemLine(string line) =>
        line.Contains("Error", StringComparison.OrdinalIgnoreCase)
        || line.Contains("Warning", StringComparison.OrdinalIgnoreCase)
        || line.Contains("dropped", StringComparison.OrdinalIgnoreCase);

    static string? FindOnPath(string name, params string[] extraDirectories)
    {
        var directories = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(extraDirectories);
        return directories.Select(directory => Path.Combine(directory, name)).FirstOrDefault(File.Exists);
    }

    /// <summary>"mosquitto version 2.0.11" from the first line of <c>mosquitto -h</c> (which exits non-zero).</summary>
    static string ReadVersion(string executable)
    {
        var start = new ProcessStartInfo(executable, "-h") { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start);
        if (process is null)
        {
            return "mosquitto";
        }

        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit(5_000);
        var firstLine = (stdout.Result + "\n" + stderr.Result)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .FirstOrDefault(line => line.StartsWith("mosquitto version", StringComparison.OrdinalIgnoreCase));
        return firstLine?.Replace(" version", string.Empty, StringComparison.OrdinalIgnoreCase) ?? "mosquitto";
    }
}
