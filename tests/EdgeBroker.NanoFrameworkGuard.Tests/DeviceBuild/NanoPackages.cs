namespace EdgeBroker.NanoFrameworkGuard.Tests.DeviceBuild;

/// <summary>
/// The library files each nanoFramework package ships (nanoframework-packages.txt, read from the packages' .nuspec
/// files): what a .nfproj HintPath may name, and the assembly name its reference stubs are compiled into.
/// </summary>
public sealed class NanoPackages
{
    public const string CoreLibrary = "nanoFramework.CoreLibrary";

    readonly Dictionary<string, string[]> _files;

    NanoPackages(Dictionary<string, string[]> files)
    {
        _files = files;
    }

    public static NanoPackages Load(string path)
    {
        var files = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (string line in File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')))
        {
            string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            files.Add(parts[0], parts.Skip(1).ToArray());
        }

        return new NanoPackages(files);
    }

    /// <summary>The files under lib/ of <paramref name="packageId"/>, empty when the list does not know it.</summary>
    public IReadOnlyList<string> LibFiles(string packageId)
    {
        return _files.TryGetValue(packageId, out string[]? files) ? files : Array.Empty<string>();
    }

    /// <summary>The assembly of the package (its first .dll), named as the device build references it.</summary>
    public string AssemblyName(string packageId)
    {
        string? dll = LibFiles(packageId).FirstOrDefault(f => f.EndsWith(".dll", StringComparison.Ordinal));
        return dll == null ? packageId : Path.GetFileNameWithoutExtension(dll);
    }
}
