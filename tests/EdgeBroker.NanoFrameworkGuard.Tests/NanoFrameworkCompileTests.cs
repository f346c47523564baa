using EdgeBroker.NanoFrameworkGuard.Tests.DeviceBuild;
using EdgeBroker.NanoFrameworkGuard.Tests.Guard;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace EdgeBroker.NanoFrameworkGuard.Tests;

/// <summary>
/// The device build, proven without the device or Visual Studio: each firmware .nfproj compiled as the nanoFramework
/// project system compiles it, against nanoFramework's real mscorlib and the reference stubs of the other packages
/// (tests/NanoReferences). An API the firmware calls with a signature nanoFramework does not have fails here.
/// </summary>
public class NanoFrameworkCompileTests
{
    /// <summary>The firmware's projects and the on-device tests' project.</summary>
    public static TheoryData<string> DeviceProjects()
    {
        return new TheoryData<string>(NanoProjectFile.All(RepositoryPaths.Root)
            .Select(p => Path.GetRelativePath(RepositoryPaths.Root, p.Path)));
    }

    [Fact]
    public void Every_reference_stub_folder_compiles()
    {
        NanoReferenceAssemblies nano = NanoReferenceAssemblies.Instance;

        Assert.True(nano.Problems.Count == 0, "Stub folders that do not compile:" + Environment.NewLine + string.Join(Environment.NewLine, nano.Problems));
        Assert.NotEmpty(nano.Stubs);
    }

    [Theory]
    [MemberData(nameof(DeviceProjects))]
    public void Device_project_compiles_against_nanoFramework(string nfproj)
    {
        DeviceCompilation device = DeviceCompilation.Of(Path.Combine(RepositoryPaths.Root, nfproj));

        Assert.NotEmpty(device.Project.CompiledSources());
        Assert.True(device.UnresolvedReferences.Count == 0,
            "References with neither nanoFramework's assembly nor a stub folder in tests/NanoReferences: " + string.Join(", ", device.UnresolvedReferences));
        IReadOnlyList<Diagnostic> errors = device.Errors;
        Assert.True(errors.Count == 0, errors.Count + " error(s) compiling " + nfproj + " for nanoFramework:" + Environment.NewLine
            + string.Join(Environment.NewLine, errors.Take(50)));
    }

    [Fact]
    public void A_call_nanoFramework_does_not_have_fails_the_device_compile()
    {
        // .NET has both; nanoFramework's mscorlib has Console.WriteLine(string) but not (int), and no System.Linq.
        const string snippet = "public static class Sample { public static void Run() { System.Console.WriteLine(1); } "
            + "public static object Empty() { return System.Linq.Enumerable.Empty<int>(); } }";
        CSharpCompilation compilation = CSharpCompilation.Create("Sample",
            new[] { CSharpSyntaxTree.ParseText(snippet, NanoReferenceAssemblies.ParseOptions) },
            NanoReferenceAssemblies.Instance.All, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));

        string[] errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.Id).ToArray();

        Assert.Equal(new[] { "CS0234", "CS1503" }, errors.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_call_to_a_member_nanoFramework_leaves_unimplemented_is_found()
    {
        // nanoFramework.System.Net's NetworkInterface.EnableStaticIPv6Dns only throws NotImplementedException.
        const string snippet = "public static class Sample { public static void Run(System.Net.NetworkInformation.NetworkInterface ni) "
            + "{ ni.EnableStaticIPv6Dns(new string[0]); } }";
        CSharpCompilation compilation = CSharpCompilation.Create("Sample",
            new[] { CSharpSyntaxTree.ParseText(snippet, NanoReferenceAssemblies.ParseOptions, "Sample.cs") },
            NanoReferenceAssemblies.Instance.All, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));

        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        Assert.Equal(new[] { "Sample.cs:1: System.Net.NetworkInformation.NetworkInterface.EnableStaticIPv6Dns(string[])" },
            UnimplementedCalls.In(compilation));
    }

    [Fact]
    public void Every_firmware_source_is_in_a_device_project()
    {
        var compiled = new HashSet<string>(NanoProjectFile.All(RepositoryPaths.FirmwareDirectory).SelectMany(p => p.CompiledSources()), StringComparer.Ordinal);

        string[] left = RepositoryPaths.FirmwareSources()
            .Select(s => Path.Combine(RepositoryPaths.Root, s.DisplayPath.Replace('/', Path.DirectorySeparatorChar)))
            .Where(path => !compiled.Contains(path))
            .ToArray();

        Assert.True(left.Length == 0, "Firmware sources no .nfproj compiles: " + string.Join(", ", left));
    }

    [Fact]
    public void Firmware_calls_nothing_nanoFramework_leaves_unimplemented()
    {
        var calls = new List<string>();
        foreach (NanoProjectFile project in NanoProjectFile.All(RepositoryPaths.Root))
        {
            calls.AddRange(UnimplementedCalls.In(DeviceCompilation.Of(project.Path).Compilation));
        }

        Assert.True(calls.Count == 0, "Calls to members whose nanoFramework body only throws NotSupportedException or "
            + "NotImplementedException:" + Environment.NewLine + string.Join(Environment.NewLine, calls));
    }
}
