using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace EdgeBroker.NanoFrameworkGuard.Tests.DeviceBuild;

/// <summary>
/// A .nfproj compiled the way the nanoFramework project system compiles it — its Compile items, C# 9,
/// NANOFRAMEWORK_1_0, no standard library (-nostdlib: only the references it names) — against
/// <see cref="NanoReferenceAssemblies"/>; project references are compiled first and referenced the same way.
/// </summary>
public sealed class DeviceCompilation
{
    static readonly Dictionary<string, DeviceCompilation> Compiled = new(StringComparer.Ordinal);

    DeviceCompilation(NanoProjectFile project, CSharpCompilation compilation, IReadOnlyList<string> unresolved)
    {
        Project = project;
        Compilation = compilation;
        UnresolvedReferences = unresolved;
    }

    public NanoProjectFile Project { get; }

    public CSharpCompilation Compilation { get; }

    /// <summary>References of the project that have neither the real assembly nor a stub folder.</summary>
    public IReadOnlyList<string> UnresolvedReferences { get; }

    public IReadOnlyList<Diagnostic> Errors
    {
        get { return Compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList(); }
    }

    public static DeviceCompilation Of(string nfprojPath)
    {
        string key = Path.GetFullPath(nfprojPath);
        lock (Compiled)
        {
            if (!Compiled.TryGetValue(key, out DeviceCompilation? compiled))
            {
                compiled = Compile(NanoProjectFile.Load(key));
                Compiled.Add(key, compiled);
            }

            return compiled;
        }
    }

    static DeviceCompilation Compile(NanoProjectFile project)
    {
        NanoReferenceAssemblies nano = NanoReferenceAssemblies.Instance;
        var references = new List<MetadataReference>();
        var unresolved = new List<string>();
        foreach (NanoReference reference in project.References)
        {
            string? packageId = PackageId(project, reference);
            MetadataReference? metadata = packageId == null ? null : nano.For(packageId);
            if (metadata == null)
            {
                unresolved.Add(reference.Include + " (" + reference.HintPath + ")");
            }
            else
            {
                references.Add(metadata);
            }
        }

        foreach (string projectReference in project.ProjectReferences)
        {
            references.Add(Of(projectReference).Compilation.ToMetadataReference());
        }

        bool exe = project.Property("OutputType") == "Exe";
        var options = new CSharpCompilationOptions(exe ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary,
            mainTypeName: exe ? project.Property("StartupObject") : null,
            nullableContextOptions: NullableContextOptions.Disable);
        SyntaxTree[] trees = project.CompiledSources()
            .Select(path => CSharpSyntaxTree.ParseText(File.ReadAllText(path), NanoReferenceAssemblies.ParseOptions,
                Path.GetRelativePath(Guard.RepositoryPaths.Root, path).Replace('\\', '/')))
            .ToArray();
        CSharpCompilation compilation = CSharpCompilation.Create(project.Property("AssemblyName"), trees, references.Distinct(), options);
        return new DeviceCompilation(project, compilation, unresolved);
    }

    /// <summary>The packages.config entry whose folder the reference's HintPath points into.</summary>
    static string? PackageId(NanoProjectFile project, NanoReference reference)
    {
        var target = NanoProjectFile.PackageOf(reference.HintPath);
        return target == null
            ? null
            : project.PackagesConfig.Where(p => p.Id + "." + p.Version == target.Value.PackageFolder).Select(p => p.Id).FirstOrDefault();
    }
}
