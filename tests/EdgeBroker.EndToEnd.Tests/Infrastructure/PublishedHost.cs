namespace EdgeBroker.EndToEnd.Tests.Infrastructure;

/// <summary>
/// The host as docs/deploy.md packages it — <c>dotnet publish host/EdgeBroker.Host -p:PublishProfile=linux-x64</c>, one
/// self-contained executable — published once per test run into <c>artifacts/test-publish/</c> with its own build
/// directories, so it never touches the build the other tests run. Publishing is incremental: about a minute and a half
/// the first time on two busy cores (restoring the runtime packs, trimming), a few seconds when nothing changed.
/// </summary>
public static class PublishedHost
{
    static readonly TimeSpan PublishTimeout = TimeSpan.FromMinutes(10);
    static readonly Lazy<Task<string>> Published = new(PublishAsync);

    /// <summary>The path of the published executable.</summary>
    public static Task<string> ExecutableAsync() => Published.Value;

    /// <summary>The arguments of <c>env</c> that run a program as on a machine without .NET: an empty environment
    /// (no DOTNET_ROOT or any other DOTNET_ variable), a PATH with nothing on it, and <paramref name="home"/> as HOME,
    /// where the single file extracts SQLite's native library on first start.</summary>
    public static string[] WithoutDotnet(string home)
    {
        var emptyPath = Directory.CreateDirectory(Path.Combine(home, "empty-path")).FullName;
        return ["-i", "HOME=" + home, "PATH=" + emptyPath];
    }

    static async Task<string> PublishAsync()
    {
        var root = RepositoryRoot();
        var output = Path.Combine(root, "artifacts", "test-publish", "linux-x64");
        // No MSBuild node or compiler server is left running after the test.
        var run = await ProcessRunner.RunAsync(PublishTimeout, "dotnet", "publish", Path.Combine(root, "host", "EdgeBroker.Host"),
            "-p:PublishProfile=linux-x64", "--artifacts-path", Path.Combine(root, "artifacts", "test-publish", "build"),
            "-p:PublishDir=" + output + Path.DirectorySeparatorChar, "-nodeReuse:false", "-p:UseSharedCompilation=false");
        if (run.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet publish -p:PublishProfile=linux-x64 failed ({run.ExitCode}): {run.Output} {run.Errors}");
        }

        return Path.Combine(output, "EdgeBroker.Host");
    }

    /// <summary>The directory holding EdgeBroker.sln, above the tests' build output.</summary>
    public static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "EdgeBroker.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"no EdgeBroker.sln above {AppContext.BaseDirectory}");
    }
}
