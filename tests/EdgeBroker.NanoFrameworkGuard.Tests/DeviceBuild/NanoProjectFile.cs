using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace EdgeBroker.NanoFrameworkGuard.Tests.DeviceBuild;

/// <summary>A package reference of a .nfproj: <c>&lt;Reference Include&gt;</c> with its HintPath.</summary>
public sealed record NanoReference(string Include, string HintPath);

/// <summary>An entry of the packages.config beside a .nfproj.</summary>
public sealed record NanoPackage(string Id, string Version);

/// <summary>
/// A nanoFramework project file (.nfproj, an MSBuild project in the 2003 namespace) read as data: its imports in
/// order, the sources its Compile items select, its package references and project references, and the
/// packages.config beside it.
/// </summary>
public sealed partial class NanoProjectFile
{
    static readonly XNamespace MsBuild = "http://schemas.microsoft.com/developer/msbuild/2003";

    readonly XDocument _document;

    NanoProjectFile(string path, XDocument document)
    {
        Path = path;
        _document = document;
    }

    public string Path { get; }

    public string Directory
    {
        get { return System.IO.Path.GetDirectoryName(Path)!; }
    }

    public static NanoProjectFile Load(string path)
    {
        return new NanoProjectFile(path, XDocument.Load(path));
    }

    /// <summary>Every .nfproj in the repository (build output excluded).</summary>
    public static IReadOnlyList<NanoProjectFile> All(string root)
    {
        return System.IO.Directory.EnumerateFiles(root, "*.nfproj", SearchOption.AllDirectories)
            .Where(path => !path.Split(System.IO.Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj" or "packages"))
            .OrderBy(path => path, StringComparer.Ordinal)
            .Select(Load)
            .ToList();
    }

    /// <summary>The Project attribute of every top-level Import, in order.</summary>
    public IReadOnlyList<string> Imports
    {
        get { return _document.Root!.Elements(MsBuild + "Import").Select(e => (string)e.Attribute("Project")!).ToList(); }
    }

    /// <summary>The top-level elements' names in order (Import, PropertyGroup, ItemGroup, …), imports by what they import.</summary>
    public IReadOnlyList<string> Outline
    {
        get
        {
            return _document.Root!.Elements()
                .Select(e => e.Name == MsBuild + "Import" ? "Import " + (string)e.Attribute("Project")! : e.Name.LocalName)
                .ToList();
        }
    }

    public string Property(string name)
    {
        return _document.Root!.Elements(MsBuild + "PropertyGroup").Elements(MsBuild + name).Select(e => e.Value).FirstOrDefault() ?? string.Empty;
    }

    public IReadOnlyList<NanoReference> References
    {
        get
        {
            return _document.Descendants(MsBuild + "Reference")
                .Select(e => new NanoReference((string)e.Attribute("Include")!, (string?)e.Element(MsBuild + "HintPath") ?? string.Empty))
                .ToList();
        }
    }

    /// <summary>The projects this one references, as full paths.</summary>
    public IReadOnlyList<string> ProjectReferences
    {
        get
        {
            return _document.Descendants(MsBuild + "ProjectReference")
                .Select(e => System.IO.Path.GetFullPath(System.IO.Path.Combine(Directory, ToLocal((string)e.Attribute("Include")!))))
                .ToList();
        }
    }

    public IReadOnlyList<NanoPackage> PackagesConfig
    {
        get
        {
            string config = System.IO.Path.Combine(Directory, "packages.config");
            if (!File.Exists(config))
            {
                return Array.Empty<NanoPackage>();
            }

            return XDocument.Load(config).Root!.Elements("package")
                .Select(e => new NanoPackage((string)e.Attribute("id")!, (string)e.Attribute("version")!))
                .ToList();
        }
    }

    /// <summary>The .cs files the Compile items select (MSBuild wildcards: <c>*</c>, <c>**</c>; Exclude honoured).</summary>
    public IReadOnlyList<string> CompiledSources()
    {
        string[] candidates = System.IO.Directory.EnumerateFiles(Directory, "*.cs", SearchOption.AllDirectories)
            .Select(path => System.IO.Path.GetRelativePath(Directory, path).Replace('\\', '/'))
            .ToArray();
        var selected = new SortedSet<string>(StringComparer.Ordinal);
        foreach (XElement compile in _document.Descendants(MsBuild + "Compile"))
        {
            Regex include = Glob((string)compile.Attribute("Include")!);
            Regex[] excludes = ((string?)compile.Attribute("Exclude") ?? string.Empty)
                .Split(';', StringSplitOptions.RemoveEmptyEntries).Select(Glob).ToArray();
            foreach (string candidate in candidates.Where(c => include.IsMatch(c) && !excludes.Any(x => x.IsMatch(c))))
            {
                selected.Add(System.IO.Path.Combine(Directory, candidate));
            }
        }

        return selected.ToList();
    }

    /// <summary>The package a HintPath points into (<c>…\packages\{id}.{version}\lib\{file}</c>), or null.</summary>
    public static (string PackageFolder, string File)? PackageOf(string hintPath)
    {
        Match match = HintPathForm().Match(hintPath);
        return match.Success ? (match.Groups["folder"].Value, match.Groups["file"].Value) : null;
    }

    [GeneratedRegex(@"packages\\(?<folder>[^\\]+)\\lib\\(?<file>[^\\]+)$")]
    private static partial Regex HintPathForm();

    static Regex Glob(string pattern)
    {
        string escaped = Regex.Escape(ToLocal(pattern).Replace('\\', '/'))
            .Replace(@"\*\*/", "(.*/)?")
            .Replace(@"\*\*", ".*")
            .Replace(@"\*", "[^/]*");
        return new Regex("^" + escaped + "$", RegexOptions.CultureInvariant);
    }

    static string ToLocal(string msbuildPath)
    {
        return msbuildPath.Replace('\\', System.IO.Path.DirectorySeparatorChar);
    }
}
