using EdgeBroker.NanoFrameworkGuard.Tests.DeviceBuild;
using EdgeBroker.NanoFrameworkGuard.Tests.Guard;

namespace EdgeBroker.NanoFrameworkGuard.Tests;

/// <summary>
/// Each .nfproj must load and build in Visual Studio with the nanoFramework extension: the shape of the extension's
/// project templates (nanoframework/nf-Visual-Studio-extension, CSharp.BlankApplication/NFApp.nfproj), and package
/// references that resolve where NuGet restores packages.config projects — packages/ beside EdgeBroker.sln — to a
/// file the package ships.
/// </summary>
public class NanoProjectShapeTests
{
    const string DefaultProps = "$(NanoFrameworkProjectSystemPath)NFProjectSystem.Default.props";
    const string Props = "$(NanoFrameworkProjectSystemPath)NFProjectSystem.props";
    const string CSharpTargets = "$(NanoFrameworkProjectSystemPath)NFProjectSystem.CSharp.targets";

    static readonly NanoPackages Packages = NanoPackages.Load(NanoReferenceAssemblies.PackagesFile);

    public static TheoryData<string> Projects()
    {
        return new TheoryData<string>(NanoProjectFile.All(RepositoryPaths.Root).Select(p => Path.GetRelativePath(RepositoryPaths.Root, p.Path)));
    }

    [Fact]
    public void The_three_device_projects_are_checked()
    {
        Assert.Equal(3, NanoProjectFile.All(RepositoryPaths.Root).Count);
    }

    [Theory]
    [MemberData(nameof(Projects))]
    public void Imports_the_project_system_in_the_templates_order(string nfproj)
    {
        List<string> outline = NanoProjectFile.Load(Path.Combine(RepositoryPaths.Root, nfproj)).Outline.ToList();

        int defaultProps = outline.IndexOf("Import " + DefaultProps);
        int props = outline.IndexOf("Import " + Props);
        int targets = outline.IndexOf("Import " + CSharpTargets);
        int fallback = outline.FindIndex(e => e.StartsWith("Import ", StringComparison.Ordinal) && e.EndsWith("nfproj.props", StringComparison.Ordinal));
        Assert.True(defaultProps >= 0 && props >= 0 && targets >= 0, nfproj + " lacks an import of the nanoFramework project system: " + string.Join(" | ", outline));
        Assert.True(fallback >= 0 && fallback < defaultProps, nfproj + ": nfproj.props (the fallback targets) must come before the project system");

        // Default.props, then the project's properties, then NFProjectSystem.props, then its items, the targets last.
        int firstProperties = outline.FindIndex(defaultProps, e => e == "PropertyGroup");
        int lastItems = outline.FindLastIndex(e => e == "ItemGroup");
        Assert.True(defaultProps < firstProperties && firstProperties < props, nfproj + ": properties belong between NFProjectSystem.Default.props and NFProjectSystem.props");
        Assert.True(props < lastItems && lastItems < targets, nfproj + ": items belong between NFProjectSystem.props and NFProjectSystem.CSharp.targets");
        Assert.True(outline.Where(e => e.StartsWith("Import ", StringComparison.Ordinal)).Last() == "Import " + CSharpTargets,
            nfproj + ": NFProjectSystem.CSharp.targets must be the last import");
    }

    [Theory]
    [MemberData(nameof(Projects))]
    public void Every_HintPath_is_a_file_its_package_ships_in_the_solutions_packages_folder(string nfproj)
    {
        NanoProjectFile project = NanoProjectFile.Load(Path.Combine(RepositoryPaths.Root, nfproj));
        string packagesFolder = Path.Combine(RepositoryPaths.Root, "packages");
        var wrong = new List<string>();
        foreach (NanoReference reference in project.References)
        {
            string target = Path.GetFullPath(Path.Combine(project.Directory, reference.HintPath.Replace('\\', Path.DirectorySeparatorChar)));
            string[] parts = Path.GetRelativePath(packagesFolder, target).Split(Path.DirectorySeparatorChar);
            NanoPackage? package = parts.Length == 3 && parts[1] == "lib"
                ? project.PackagesConfig.FirstOrDefault(p => p.Id + "." + p.Version == parts[0])
                : null;
            if (package == null)
            {
                wrong.Add(reference.Include + ": " + reference.HintPath + " is not packages/{id}.{version}/lib/{file} of an entry of packages.config");
            }
            else if (!Packages.LibFiles(package.Id).Contains(parts[2]))
            {
                wrong.Add(reference.Include + ": " + package.Id + " ships lib/" + string.Join(", lib/", Packages.LibFiles(package.Id)) + ", not lib/" + parts[2]);
            }
        }

        Assert.True(wrong.Count == 0, nfproj + ":" + Environment.NewLine + string.Join(Environment.NewLine, wrong));
    }

    [Theory]
    [MemberData(nameof(Projects))]
    public void Every_package_is_referenced_and_every_reference_is_a_package(string nfproj)
    {
        NanoProjectFile project = NanoProjectFile.Load(Path.Combine(RepositoryPaths.Root, nfproj));
        var referenced = project.References.Select(r => NanoProjectFile.PackageOf(r.HintPath)?.PackageFolder).ToHashSet(StringComparer.Ordinal);
        var configured = project.PackagesConfig.Select(p => p.Id + "." + p.Version).ToHashSet(StringComparer.Ordinal);

        Assert.Empty(configured.Except(referenced!));
        Assert.Empty(referenced.Except(configured));
    }

    [Fact]
    public void Projects_agree_on_package_versions()
    {
        var versions = NanoProjectFile.All(RepositoryPaths.Root).SelectMany(p => p.PackagesConfig)
            .GroupBy(p => p.Id, StringComparer.Ordinal)
            .Where(g => g.Select(p => p.Version).Distinct().Count() > 1)
            .Select(g => g.Key + ": " + string.Join(", ", g.Select(p => p.Version).Distinct()));

        Assert.Empty(versions);
    }

    [Fact]
    public void CoreLibrary_ships_the_mscorlib_the_projects_reference()
    {
        // The one package restored here: its real contents confirm the list of shipped files.
        foreach (string file in Packages.LibFiles(NanoPackages.CoreLibrary))
        {
            Assert.True(File.Exists(Path.Combine(NanoReferenceAssemblies.CoreLibraryDirectory, file)), file);
        }
    }

    [Fact]
    public void Every_stub_folder_is_a_package_a_device_project_uses()
    {
        var used = NanoProjectFile.All(RepositoryPaths.Root).SelectMany(p => p.PackagesConfig).Select(p => p.Id).ToHashSet(StringComparer.Ordinal);

        string[] strays = Directory.EnumerateDirectories(NanoReferenceAssemblies.StubsDirectory).Select(Path.GetFileName)
            .Where(id => !used.Contains(id!)).ToArray()!;

        Assert.Empty(strays);
    }
}
