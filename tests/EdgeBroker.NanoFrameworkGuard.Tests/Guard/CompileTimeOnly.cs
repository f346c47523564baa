using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace EdgeBroker.NanoFrameworkGuard.Tests.Guard;

/// <summary>Syntax that names symbols without using them at run time, so the device need not have them.</summary>
internal static class CompileTimeOnly
{
    /// <summary>True for <c>nameof</c> itself and everything inside its argument: the compiler turns it into a
    /// string constant.</summary>
    public static bool IsInNameOf(SyntaxNode node, SemanticModel model)
    {
        foreach (InvocationExpressionSyntax invocation in node.AncestorsAndSelf().OfType<InvocationExpressionSyntax>())
        {
            if (invocation.Expression is IdentifierNameSyntax { Identifier.ValueText: "nameof" } name
                && model.GetSymbolInfo(name).Symbol == null
                && model.GetConstantValue(invocation).HasValue)
            {
                return true;
            }
        }

        return false;
    }
}
