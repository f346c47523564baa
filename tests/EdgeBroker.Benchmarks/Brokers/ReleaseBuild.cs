using System.Diagnostics;

namespace EdgeBroker.Benchmarks.Brokers;

/// <summary>A .NET broker of this repository that the harness runs from its Release build as a separate process
/// (<c>dotnet X.dll ARGS</c>), so its CPU time and memory are its own.</summary>
static class ReleaseBuild
{
    /// <summary>bin/Release/net10.0/<paramref name="assemblyName"/>.dll of the project in
    /// <paramref name="projectDirectory"/> (relative to the repository root); throws saying how to build it when it is
    /// missing.</summary>
    public static FileInfo Find(string projectDirectory, string assemblyName, string what)
    {
        var root = EdgeBrokerLauncher.RequireRepositoryRoot();
        var dll = new FileInfo(Path.Combine(root.FullName, projectDirectory, "bin", "Release", "net10.0", assemblyName + ".dll"));
        if (!dll.Exists)
        {
            throw new BenchmarkSetupException($"{what} is missing: {dll.FullName} does not exist. Build it from the repository root with: dotnet build -c Release {projectDirectory}");
        }

        return dll;
    }

    public static ProcessStartInfo Start(FileInfo dll, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet");
        start.ArgumentList.Add(dll.FullName);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }

    public static string Describe(string name, FileInfo? dll) => dll is null ? name : $"{name} ({dll.FullName}, built {dll.LastWriteTime:yyyy-MM-dd HH:mm})";
}
