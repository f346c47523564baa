using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace EdgeBroker.NanoFrameworkGuard.Tests.DeviceBuild;

/// <summary>
/// What a compile cannot see: a member nanoFramework declares but does not implement (its body only throws
/// NotSupportedException or NotImplementedException — FileStream.SetLength, for one). The stub generator keeps that
/// throw, so the firmware's references to such members can be found in its device compilation.
/// </summary>
public static class UnimplementedCalls
{
    public static IEnumerable<string> In(CSharpCompilation compilation)
    {
        foreach (SyntaxTree tree in compilation.SyntaxTrees)
        {
            SemanticModel model = compilation.GetSemanticModel(tree);
            foreach (SyntaxNode node in tree.GetRoot().DescendantNodes().Where(n => n is SimpleNameSyntax))
            {
                ISymbol? symbol = model.GetSymbolInfo(node).Symbol;
                if (symbol != null && OnlyThrowsUnsupported(symbol))
                {
                    FileLinePositionSpan line = node.GetLocation().GetLineSpan();
                    yield return line.Path + ":" + (line.StartLinePosition.Line + 1) + ": " + symbol.ToDisplayString();
                }
            }
        }
    }

    static bool OnlyThrowsUnsupported(ISymbol symbol)
    {
        IEnumerable<SyntaxNode> declarations = symbol.OriginalDefinition.DeclaringSyntaxReferences.Select(r => r.GetSyntax());
        if (symbol is IPropertySymbol property)
        {
            declarations = new[] { property.GetMethod, property.SetMethod }
                .Where(m => m != null).SelectMany(m => m!.DeclaringSyntaxReferences.Select(r => r.GetSyntax()));
        }

        return declarations.Any(d => d is BaseMethodDeclarationSyntax or AccessorDeclarationSyntax
            && d.DescendantNodes().OfType<ThrowStatementSyntax>().Any(t => t.Expression is ObjectCreationExpressionSyntax creation
                && (creation.Type.ToString().EndsWith("NotSupportedException", StringComparison.Ordinal)
                    || creation.Type.ToString().EndsWith("NotImplementedException", StringComparison.Ordinal))));
    }
}
