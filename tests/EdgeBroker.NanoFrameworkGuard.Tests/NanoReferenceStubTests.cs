using System.Text.RegularExpressions;
using EdgeBroker.NanoFrameworkGuard.Tests.DeviceBuild;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace EdgeBroker.NanoFrameworkGuard.Tests;

/// <summary>
/// The reference stubs stand in for nanoFramework's assemblies, so they may say no more than the real ones: each
/// file cites the sources it was taken from, and no body does anything but throw.
/// </summary>
public partial class NanoReferenceStubTests
{
    public static TheoryData<string> StubFiles()
    {
        return new TheoryData<string>(Directory.EnumerateFiles(NanoReferenceAssemblies.StubsDirectory, "*.cs", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(NanoReferenceAssemblies.StubsDirectory, f)).Order(StringComparer.Ordinal));
    }

    /// <summary>A comment before the code that names a repository (owner/name) and a tag or version.</summary>
    [GeneratedRegex(@"^//.*\b[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+\b.*\bv?\d+\.\d+", RegexOptions.Multiline)]
    private static partial Regex SourceCitation();

    [Theory]
    [MemberData(nameof(StubFiles))]
    public void Stub_cites_its_source_and_only_throws(string file)
    {
        string text = File.ReadAllText(Path.Combine(NanoReferenceAssemblies.StubsDirectory, file));
        SyntaxNode root = CSharpSyntaxTree.ParseText(text, NanoReferenceAssemblies.ParseOptions).GetRoot();
        string header = text.Substring(0, root.GetFirstToken().SpanStart);

        Assert.True(SourceCitation().IsMatch(header), file + " does not start with a comment citing the repository and tag it was taken from");
        string[] bodies = root.DescendantNodes()
            .Select(n => n switch
            {
                BaseMethodDeclarationSyntax m => (SyntaxNode?)m.Body ?? m.ExpressionBody,
                AccessorDeclarationSyntax a => (SyntaxNode?)a.Body ?? a.ExpressionBody,
                _ => null,
            })
            .Where(b => b != null && !OnlyThrows(b))
            .Select(b => b!.GetLocation().GetLineSpan().StartLinePosition.Line + 1 + ": " + b)
            .ToArray();
        Assert.True(bodies.Length == 0, file + " has bodies that do more than throw:" + Environment.NewLine + string.Join(Environment.NewLine, bodies));
    }

    static bool OnlyThrows(SyntaxNode body)
    {
        return body switch
        {
            BlockSyntax block => block.Statements.Count == 1 && block.Statements[0] is ThrowStatementSyntax,
            ArrowExpressionClauseSyntax arrow => arrow.Expression is ThrowExpressionSyntax,
            _ => false,
        };
    }
}
