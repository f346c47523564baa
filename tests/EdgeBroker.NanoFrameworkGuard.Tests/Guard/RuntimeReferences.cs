using Microsoft.CodeAnalysis;

namespace EdgeBroker.NanoFrameworkGuard.Tests.Guard;

/// <summary>
/// The assemblies of the .NET runtime this test runs on, as Roslyn metadata references, so the semantic model
/// resolves every framework symbol the firmware names (and can tell us which ones it does not find). Loaded once
/// per test run: reading ~170 assemblies is the slowest part of a check.
/// </summary>
public static class RuntimeReferences
{
    static readonly Lazy<IReadOnlyList<MetadataReference>> Shared = new(Load);

    public static IReadOnlyList<MetadataReference> All
    {
        get { return Shared.Value; }
    }

    static IReadOnlyList<MetadataReference> Load()
    {
        // The trusted platform assemblies also list the test's own dependencies (xunit, Roslyn): keep only the
        // runtime's shared framework directory, which is what firmware code compiled for .NET can see.
        string runtimeDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        string trusted = (string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!;
        return trusted.Split(Path.PathSeparator)
            .Where(path => string.Equals(Path.GetDirectoryName(path), runtimeDirectory, StringComparison.Ordinal))
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToList();
    }
}
