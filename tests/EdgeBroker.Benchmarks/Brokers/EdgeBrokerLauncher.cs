using System.Diagnostics;
using System.Text.Json.Nodes;
using EdgeBroker.Benchmarks.Cases;

namespace EdgeBroker.Benchmarks.Brokers;

/// <summary>
/// Starts the host broker as users do (<c>dotnet EdgeBroker.Host.dll --port N</c>, plus <c>--http-port 0</c>) with its
/// shipped appsettings.json: a separate process, so its CPU time can be read from /proc and it does not share a GC or thread
/// pool with the load clients. A durable case adds <c>--data-dir</c>, and a stored-backlog case a <c>--config</c> file
/// with the few settings it changes.
/// </summary>
public sealed class EdgeBrokerLauncher(FileInfo? configuredDll) : IBrokerLauncher
{
    const string BuildCommand = "dotnet build -c Release host/EdgeBroker.Host";
    const string DataDirectoryName = "data";
    const string SettingsFileName = "bench-settings.json";

    /// <summary>Stored bytes allowed per kept message: well above a case's topic and 64-byte payload.</summary>
    const long BytesKeptPerMessage = 1024;

    FileInfo? _dll;
    string? _sourceVersion;

    public BrokerKind Kind => BrokerKind.EdgeBroker;

    public string Name => "EdgeBroker";

    public string Description => _dll is null
        ? "EdgeBroker.Host"
        : $"EdgeBroker.Host ({_dll.FullName}, built {_dll.LastWriteTime:yyyy-MM-dd HH:mm}{(_sourceVersion is null ? string.Empty : ", sources " + _sourceVersion)})";

    /// <summary>The build measured, once <see cref="EnsureAvailable"/> found it.</summary>
    public FileInfo Dll => _dll ?? throw new InvalidOperationException("EnsureAvailable was not called.");

    /// <summary>Things worth knowing that do not stop the run (a build older than its sources).</summary>
    public List<string> Warnings { get; } = [];

    public void EnsureAvailable()
    {
        var repositoryRoot = FindRepositoryRoot();
        _dll = configuredDll ?? (repositoryRoot is null
            ? null
            : new FileInfo(Path.Combine(repositoryRoot.FullName, "host", "EdgeBroker.Host", "bin", "Release", "net10.0", "EdgeBroker.Host.dll")));
        if (_dll is null)
        {
            throw new BenchmarkSetupException(
                "Cannot find the EdgeBroker repository (no EdgeBroker.sln above the harness or the current directory). " +
                "Pass --edgebroker-dll /path/to/EdgeBroker.Host.dll.");
        }

        if (!_dll.Exists)
        {
            throw new BenchmarkSetupException(
                $"The EdgeBroker build is missing: {_dll.FullName} does not exist. Build it from the repository root with: {BuildCommand}");
        }

        if (repositoryRoot is not null && configuredDll is null)
        {
            WarnIfStale(repositoryRoot, _dll);
            _sourceVersion = SourceVersion(repositoryRoot);
            if (_sourceVersion is not null && Warnings.Count > 0)
            {
                // The checkout's commit says nothing reliable about a build older than its sources.
                _sourceVersion += " (the build is older than these sources)";
            }
        }
    }

    public ProcessStartInfo StartInfo(int port, BrokerProfile profile, DirectoryInfo scratch)
    {
        var dll = _dll ?? throw new InvalidOperationException("EnsureAvailable was not called.");
        var start = new ProcessStartInfo("dotnet");
        start.ArgumentList.Add(dll.FullName);
        start.ArgumentList.Add("--port");
        start.ArgumentList.Add(port.ToString(System.Globalization.CultureInfo.InvariantCulture));

        // The HTTP API is not measured; its default port (8080) may be taken on a shared machine (another broker, a
        // test run), and the broker exits when it cannot listen there.
        start.ArgumentList.Add("--http-port");
        start.ArgumentList.Add("0");
        if (profile.Durable)
        {
            // Explicit, although ./data in the scratch directory is the default too: the durable cases must never
            // run on a store that --in-memory or a changed default took away.
            start.ArgumentList.Add("--data-dir");
            start.ArgumentList.Add(Path.Combine(scratch.FullName, DataDirectoryName));
        }

        if (SettingsFor(profile) is { } settings)
        {
            var file = Path.Combine(scratch.FullName, SettingsFileName);
            File.WriteAllText(file, settings.ToJsonString());
            start.ArgumentList.Add("--config");
            start.ArgumentList.Add(file);
        }

        return start;
    }

    public string Describe(BrokerProfile profile)
    {
        var flags = profile.Durable ? $"--data-dir <scratch>/{DataDirectoryName} (SQLite, WAL)" : "shipped settings";
        return SettingsFor(profile) is { } settings ? $"{flags}, --config {SettingsFileName} = `{settings.ToJsonString()}`" : flags;
    }

    /// <summary>The settings file a profile needs beyond the shipped appsettings.json, or null.</summary>
    static JsonObject? SettingsFor(BrokerProfile profile)
    {
        var section = new JsonObject();
        if (profile.MessagesKeptPerClient is { } kept)
        {
            section["MaxOfflineMessagesPerClient"] = kept;

            // The byte quota too (its default, 16 MiB, holds ~209,000 of the cases' messages): like mosquitto's
            // max_queued_bytes, left unlimited by its launcher, it must not be what a case measures.
            section["MaxOfflineBytesPerClient"] = kept * BytesKeptPerMessage;
        }

        if (!profile.OfflineBatching)
        {
            section["OfflineBatchSize"] = 0;
        }

        if (profile.SynchronousFull)
        {
            section["SqliteSynchronous"] = "Full";
        }

        if (profile.ManyConnections)
        {
            section["Connections"] = new JsonObject { ["MaxConnectionsPerSource"] = 0 };
        }

        return section.Count == 0 ? null : new JsonObject { ["EdgeBroker"] = section };
    }

    /// <summary>The simple console logger prefixes levels with "warn:", "fail:" and "crit:"; an unhandled exception
    /// goes to stderr.</summary>
    public bool IsProblemLine(string line) => IsLoggedProblem(line);

    /// <summary>Also the emulator's format (its console log writes "HH:mm:ss.fff warn: …").</summary>
    internal static bool IsLoggedProblem(string line) =>
        line.Contains(" warn: ", StringComparison.Ordinal)
        || line.Contains(" fail: ", StringComparison.Ordinal)
        || line.Contains(" crit: ", StringComparison.Ordinal)
        || line.Contains("Unhandled exception", StringComparison.OrdinalIgnoreCase);

    /// <summary>Benchmarking an old build silently would measure the wrong code: warn when any source file of the
    /// host or the core is newer than the DLL.</summary>
    void WarnIfStale(DirectoryInfo root, FileInfo dll)
    {
        var sourceDirectories = new[] { Path.Combine(root.FullName, "host"), Path.Combine(root.FullName, "firmware", "EdgeBroker.Core") };
        var newest = sourceDirectories
            .Where(Directory.Exists)
            .SelectMany(directory => Directory.EnumerateFiles(directory, "*.*", SearchOption.AllDirectories))
            .Where(path => (path.EndsWith(".cs", StringComparison.Ordinal) || path.EndsWith(".csproj", StringComparison.Ordinal))
                           && !path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                           && !path.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(path => new FileInfo(path))
            .MaxBy(file => file.LastWriteTimeUtc);
        if (newest is not null && newest.LastWriteTimeUtc > dll.LastWriteTimeUtc)
        {
            Warnings.Add($"{newest.FullName} is newer than {dll.Name}: the build may be stale. Rebuild with: {BuildCommand}");
        }
    }

    /// <summary>"commit abc1234" plus whether host/ or firmware/ had uncommitted changes, so a report says which code
    /// it measured; null when git is not available.</summary>
    static string? SourceVersion(DirectoryInfo root)
    {
        var commit = Git(root, "rev-parse", "--short", "HEAD");
        if (string.IsNullOrWhiteSpace(commit))
        {
            return null;
        }

        var changes = Git(root, "status", "--porcelain", "--", "host", "firmware");
        return "commit " + commit.Trim() + (string.IsNullOrWhiteSpace(changes) ? string.Empty : " + uncommitted changes in host/ or firmware/");
    }

    static string? Git(DirectoryInfo root, params string[] arguments)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = root.FullName, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            using var process = Process.Start(start);
            if (process is null)
            {
                return null;
            }

            var output = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            return process.WaitForExit(5_000) && process.ExitCode == 0 ? output.Result : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // git is not installed: the report just does not name the commit.
        }
    }

    /// <summary><see cref="FindRepositoryRoot"/> for the brokers that are only found inside the repository (their
    /// builds or scripts live there): a run without it cannot start them.</summary>
    internal static DirectoryInfo RequireRepositoryRoot() =>
        FindRepositoryRoot() ?? throw new BenchmarkSetupException("Cannot find the EdgeBroker repository (no EdgeBroker.sln above the harness or the current directory).");

    /// <summary>The directory holding EdgeBroker.sln, looked for above the harness binary and above the current
    /// directory.</summary>
    internal static DirectoryInfo? FindRepositoryRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "EdgeBroker.sln")))
                {
                    return directory;
                }
            }
        }

        return null;
    }
}
