using System.Text.RegularExpressions;
using System.Xml.Linq;
using EdgeBroker.NanoFrameworkGuard.Tests.DeviceBuild;
using EdgeBroker.NanoFrameworkGuard.Tests.Guard;

namespace EdgeBroker.NanoFrameworkGuard.Tests;

/// <summary>
/// firmware/EdgeBroker.Firmware.sln, the solution for building and deploying the firmware without the .NET 10 projects
/// (VS Code's nanoFramework extension runs nuget restore and mono's msbuild on a whole solution and looks for
/// application projects one folder below it: nf-VSCodeExtension src/dotnet.ts, findExeProjects). Its packages must
/// land where the HintPaths point, packages/ beside EdgeBroker.sln, which NuGet does through repositoryPath.
/// </summary>
public partial class FirmwareSolutionTests
{
    static readonly string FirmwareSolution = Path.Combine(RepositoryPaths.Root, "firmware", "EdgeBroker.Firmware.sln");

    [Fact]
    public void The_firmware_solution_holds_every_nanoFramework_project_and_nothing_else()
    {
        string directory = Path.GetDirectoryName(FirmwareSolution)!;
        var inSolution = ProjectLine().Matches(File.ReadAllText(FirmwareSolution))
            .Select(m => Path.GetFullPath(Path.Combine(directory, m.Groups[1].Value.Replace('\\', Path.DirectorySeparatorChar))))
            .Order(StringComparer.Ordinal);
        var nanoProjects = NanoProjectFile.All(RepositoryPaths.Root).Select(p => Path.GetFullPath(p.Path)).Order(StringComparer.Ordinal);

        Assert.Equal(nanoProjects, inSolution);
    }

    [Fact]
    public void The_application_project_is_one_folder_below_the_firmware_solution()
    {
        string application = Path.Combine(Path.GetDirectoryName(FirmwareSolution)!, "EdgeBroker.Firmware", "EdgeBroker.Firmware.nfproj");

        Assert.Contains("<OutputType>Exe</OutputType>", File.ReadAllText(application));
    }

    [Fact]
    public void Packages_restore_beside_EdgeBroker_sln_whichever_solution_is_restored()
    {
        XDocument config = XDocument.Load(Path.Combine(RepositoryPaths.Root, "nuget.config"));
        string? repositoryPath = config.Root?.Element("config")?.Elements("add")
            .SingleOrDefault(e => (string?)e.Attribute("key") == "repositoryPath")?.Attribute("value")?.Value;

        // Relative to nuget.config, which sits beside EdgeBroker.sln: the folder the HintPaths name (NanoProjectShapeTests).
        Assert.Equal("packages", repositoryPath);
        Assert.True(File.Exists(Path.Combine(RepositoryPaths.Root, "EdgeBroker.sln")));
    }

    [GeneratedRegex("""^Project\("\{11A8DD76-328B-46DF-9F39-F559912D0360\}"\) = "[^"]+", "([^"]+\.nfproj)", """, RegexOptions.Multiline)]
    private static partial Regex ProjectLine();
}
