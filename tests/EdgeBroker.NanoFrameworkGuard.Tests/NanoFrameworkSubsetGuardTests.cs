using EdgeBroker.NanoFrameworkGuard.Tests.Guard;

namespace EdgeBroker.NanoFrameworkGuard.Tests;

/// <summary>
/// The firmware must stay inside the .NET nanoFramework 1.x subset: this compiles every firmware source with Roslyn
/// against .NET and fails on constructs the device cannot run (generics, async, LINQ, …) and on framework APIs that
/// nanoFramework's real mscorlib and the reference stubs do not declare (NanoFrameworkCompileTests builds the same
/// sources against those assemblies).
/// </summary>
public class NanoFrameworkSubsetGuardTests
{
    [Fact]
    public void Firmware_sources_exist()
    {
        // A guard that finds no files passes vacuously: make sure it is looking at the real firmware.
        IReadOnlyList<SourceFile> sources = RepositoryPaths.FirmwareSources();

        foreach (string folder in new[] { "firmware/EdgeBroker.Core/", "firmware/EdgeBroker.Firmware/Relay/", "firmware/EdgeBroker.Firmware/Device/" })
        {
            Assert.Contains(sources, source => source.DisplayPath.StartsWith(folder, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Firmware_uses_only_the_nanoFramework_subset()
    {
        var guard = new NanoFrameworkSubsetGuard(AllowList.ForFirmware(RepositoryPaths.AllowListFile));

        IReadOnlyList<SubsetViolation> violations = guard.Check(RepositoryPaths.FirmwareSources());

        if (violations.Count > 0)
        {
            Assert.Fail(
                violations.Count + " use(s) of constructs or APIs outside nanoFramework 1.x. Rewrite them with what "
                + "nanoFramework has. What nanoFramework's mscorlib and the reference stubs (tests/NanoReferences) declare is "
                + "allowed already; only a name .NET binds differently from nanoFramework belongs in "
                + Path.GetFileName(RepositoryPaths.AllowListFile) + ":" + Environment.NewLine
                + string.Join(Environment.NewLine, violations));
        }
    }
}
