using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace EdgeBroker.NanoFrameworkGuard.Tests.Guard;

/// <summary>
/// The reference stubs of nanoFramework packages that have no .NET counterpart (tests/NanoReferences/, one folder per
/// package, exact public signatures of the pinned version), compiled once into an in-memory assembly: device code
/// that calls them (nanoFramework.M2Mqtt's MqttClient) then binds, and each member it uses is checked against the
/// allow-list like any framework API.
/// </summary>
public static class NanoReferenceStubs
{
    static readonly Lazy<IReadOnlyList<MetadataReference>> Shared = new(Compile);

    public static IReadOnlyList<MetadataReference> All
    {
        get { return Shared.Value; }
    }

    static IReadOnlyList<MetadataReference> Compile()
    {
        string folder = Path.Combine(RepositoryPaths.Root, "tests", "NanoReferences");
        if (!Directory.Exists(folder))
        {
            return [];
        }

        var trees = Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories)
            .Where(path => !path.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"))
            .Select(path => CSharpSyntaxTree.ParseText(File.ReadAllText(path), path: path))
            .ToList();
        var compilation = CSharpCompilation.Create("NanoReferences", trees, RuntimeReferences.All,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        using var image = new MemoryStream();
        var result = compilation.Emit(image);
        if (!result.Success)
        {
            throw new InvalidOperationException("The reference stubs in " + folder + " do not compile:" + Environment.NewLine
                + string.Join(Environment.NewLine, result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        }

        return [MetadataReference.CreateFromImage(image.ToArray())];
    }
}
