using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace EdgeBroker.NanoFrameworkGuard.Tests.DeviceBuild;

/// <summary>
/// What the device build compiles against, offline: nanoFramework's real mscorlib (the nanoFramework.CoreLibrary
/// package restored by this test project) and, for each folder of tests/NanoReferences, the package's reference
/// stubs compiled into one assembly named as the package's dll. Built once per test run.
/// </summary>
public sealed class NanoReferenceAssemblies
{
    static readonly Lazy<NanoReferenceAssemblies> Shared = new(Build);

    NanoReferenceAssemblies(MetadataReference mscorlib, IReadOnlyDictionary<string, CSharpCompilation> stubs, IReadOnlyList<string> problems)
    {
        Mscorlib = mscorlib;
        Stubs = stubs;
        Problems = problems;
    }

    public static NanoReferenceAssemblies Instance
    {
        get { return Shared.Value; }
    }

    /// <summary>The device build's language: the nanoFramework project system's LangVersion (NFProjectSystem.Default.props).</summary>
    public static CSharpParseOptions ParseOptions { get; } = new CSharpParseOptions(LanguageVersion.CSharp9)
        .WithPreprocessorSymbols("NANOFRAMEWORK_1_0", "DEBUG", "TRACE");

    public MetadataReference Mscorlib { get; }

    /// <summary>Each stub folder's compilation, by package id.</summary>
    public IReadOnlyDictionary<string, CSharpCompilation> Stubs { get; }

    /// <summary>Stub folders that did not compile, with their errors.</summary>
    public IReadOnlyList<string> Problems { get; }

    public static string StubsDirectory
    {
        get { return Path.Combine(Guard.RepositoryPaths.Root, "tests", "NanoReferences"); }
    }

    public static string PackagesFile
    {
        get { return Path.Combine(Guard.RepositoryPaths.Root, "tests", "EdgeBroker.NanoFrameworkGuard.Tests", "nanoframework-packages.txt"); }
    }

    /// <summary>The restored nanoFramework.CoreLibrary package's lib/ folder.</summary>
    public static string CoreLibraryDirectory
    {
        get
        {
            string packageRoot = typeof(NanoReferenceAssemblies).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .Single(a => a.Key == "NuGetPackageRoot").Value!;
            string version = NanoProjectFile.Load(Path.Combine(Guard.RepositoryPaths.FirmwareDirectory, "EdgeBroker.Core", "EdgeBroker.Core.nfproj"))
                .PackagesConfig.Single(p => p.Id == NanoPackages.CoreLibrary).Version;
            return Path.Combine(packageRoot, NanoPackages.CoreLibrary.ToLowerInvariant(), version, "lib");
        }
    }

    /// <summary>The reference of <paramref name="packageId"/>, or null when there is no stub folder for it.</summary>
    public MetadataReference? For(string packageId)
    {
        if (packageId == NanoPackages.CoreLibrary)
        {
            return Mscorlib;
        }

        return Stubs.TryGetValue(packageId, out CSharpCompilation? stub) ? stub.ToMetadataReference() : null;
    }

    public IEnumerable<MetadataReference> All
    {
        get { return new[] { Mscorlib }.Concat(Stubs.Values.Select(s => (MetadataReference)s.ToMetadataReference())); }
    }

    static NanoReferenceAssemblies Build()
    {
        MetadataReference mscorlib = MetadataReference.CreateFromFile(Path.Combine(CoreLibraryDirectory, "mscorlib.dll"));
        NanoPackages packages = NanoPackages.Load(PackagesFile);

        // A stub assembly references those of the packages it depends on; rather than keep that graph here, build in
        // rounds, each folder as soon as it compiles against what is built so far.
        var pending = Directory.EnumerateDirectories(StubsDirectory).OrderBy(d => d, StringComparer.Ordinal)
            .ToDictionary(d => Path.GetFileName(d), StubTrees, StringComparer.Ordinal);
        var built = new Dictionary<string, CSharpCompilation>(StringComparer.Ordinal);
        var errors = new Dictionary<string, string>(StringComparer.Ordinal);
        bool progress = true;
        while (pending.Count > 0 && progress)
        {
            progress = false;
            foreach ((string id, IReadOnlyList<SyntaxTree> trees) in pending.ToList())
            {
                CSharpCompilation compilation = CSharpCompilation.Create(
                    packages.AssemblyName(id), trees,
                    new[] { mscorlib }.Concat(built.Values.Select(b => (MetadataReference)b.ToMetadataReference())),
                    new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true));
                Diagnostic[] failures = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
                if (failures.Length == 0)
                {
                    built.Add(id, compilation);
                    pending.Remove(id);
                    progress = true;
                }
                else
                {
                    errors[id] = string.Join(Environment.NewLine, failures.Take(10).Select(f => "  " + f));
                }
            }
        }

        return new NanoReferenceAssemblies(mscorlib, built, pending.Keys.Select(id => id + ":" + Environment.NewLine + errors[id]).ToList());
    }

    static IReadOnlyList<SyntaxTree> StubTrees(string folder)
    {
        return Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories).OrderBy(f => f, StringComparer.Ordinal)
            .Select(f => CSharpSyntaxTree.ParseText(File.ReadAllText(f), ParseOptions, f))
            .ToList();
    }
}
