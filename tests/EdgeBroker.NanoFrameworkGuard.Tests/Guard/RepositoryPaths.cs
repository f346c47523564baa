namespace EdgeBroker.NanoFrameworkGuard.Tests.Guard;

/// <summary>
/// Where the guard finds what it checks. The test reads the firmware sources as plain files (it references no
/// project), so it locates the repository root by walking up from its own output directory.
/// </summary>
public static class RepositoryPaths
{
    /// <summary>nfproj.props always exists at the root; EdgeBroker.sln may not exist yet, but counts when it does.</summary>
    static readonly string[] RootMarkers = { "nfproj.props", "EdgeBroker.sln" };

    public static string Root { get; } = FindRoot(AppContext.BaseDirectory);

    public static string FirmwareDirectory
    {
        get { return Path.Combine(Root, "firmware"); }
    }

    /// <summary>The allow-list is kept in the source tree beside the tests (not copied to the output), so an edit
    /// takes effect on the next run without a rebuild.</summary>
    public static string AllowListFile
    {
        get { return Path.Combine(Root, "tests", "EdgeBroker.NanoFrameworkGuard.Tests", "nanoframework-1.x-api.txt"); }
    }

    /// <summary>Every .cs file under firmware/, build output excluded, each named by its path from the root.</summary>
    public static IReadOnlyList<SourceFile> FirmwareSources()
    {
        return Directory.EnumerateFiles(FirmwareDirectory, "*.cs", SearchOption.AllDirectories)
            .Where(path => !IsBuildOutput(path))
            .OrderBy(path => path, StringComparer.Ordinal)
            .Select(path => new SourceFile(RelativeToRoot(path), File.ReadAllText(path)))
            .ToList();
    }

    static string FindRoot(string start)
    {
        for (DirectoryInfo? directory = new DirectoryInfo(start); directory != null; directory = directory.Parent)
        {
            if (RootMarkers.Any(marker => File.Exists(Path.Combine(directory.FullName, marker))))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException(
            "No repository root (a directory holding " + string.Join(" or ", RootMarkers) + ") above " + start);
    }

    static bool IsBuildOutput(string path)
    {
        string[] parts = Path.GetRelativePath(FirmwareDirectory, path).Split(Path.DirectorySeparatorChar);
        return parts.Any(part => part == "bin" || part == "obj");
    }

    static string RelativeToRoot(string path)
    {
        return Path.GetRelativePath(Root, path).Replace(Path.DirectorySeparatorChar, '/');
    }
}
