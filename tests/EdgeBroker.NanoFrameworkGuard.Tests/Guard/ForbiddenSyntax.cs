using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace EdgeBroker.NanoFrameworkGuard.Tests.Guard;

/// <summary>
/// Language constructs nanoFramework 1.x cannot run, recognised from syntax alone. This also covers code that does
/// not bind against .NET (device-only APIs), where the symbol rules see nothing.
/// </summary>
internal static class ForbiddenSyntax
{
    public static void Check(SyntaxTree tree, ViolationCollector violations)
    {
        SyntaxNode root = tree.GetRoot();
        foreach (SyntaxNode node in root.DescendantNodes())
        {
            CheckNode(node, violations);
        }

        foreach (SyntaxToken token in root.DescendantTokens())
        {
            CheckKeyword(token, violations);
        }
    }

    static void CheckNode(SyntaxNode node, ViolationCollector violations)
    {
        switch (node)
        {
            case TypeParameterListSyntax typeParameters:
                violations.Add(node, SubsetRule.Generics, "generic declaration " + DeclaredName(typeParameters) + typeParameters);
                break;
            case GenericNameSyntax generic:
                violations.Add(node, SubsetRule.Generics, "generic " + generic);
                break;
            case AnonymousObjectCreationExpressionSyntax:
                violations.Add(node, SubsetRule.Generics, "anonymous type (compiled to a generic class)");
                break;
            case QueryExpressionSyntax:
                violations.Add(node, SubsetRule.Linq, "query expression");
                break;
            case UsingDirectiveSyntax { Name: not null } directive when IsLinqNamespace(directive.Name.ToString()):
                violations.Add(node, SubsetRule.Linq, "using " + directive.Name);
                break;
            case RecordDeclarationSyntax record:
                violations.Add(node, SubsetRule.Records, "record " + record.Identifier.ValueText);
                break;
            case TupleTypeSyntax or TupleExpressionSyntax:
                violations.Add(node, SubsetRule.Tuples, "tuple " + node);
                break;
            case PointerTypeSyntax or FunctionPointerTypeSyntax:
                violations.Add(node, SubsetRule.Unsafe, "pointer type " + node);
                break;
            case PrefixUnaryExpressionSyntax unary when unary.IsKind(SyntaxKind.AddressOfExpression):
                violations.Add(node, SubsetRule.Unsafe, "address-of " + node);
                break;
        }
    }

    static void CheckKeyword(SyntaxToken token, ViolationCollector violations)
    {
        SyntaxNode? node = token.Parent;
        if (node == null)
        {
            return;
        }

        // Contextual keywords (async, await, yield) have these kinds only where they act as keywords.
        switch (token.Kind())
        {
            case SyntaxKind.AsyncKeyword:
            case SyntaxKind.AwaitKeyword:
                violations.Add(node, SubsetRule.AsyncAwait, token.ValueText);
                break;
            case SyntaxKind.YieldKeyword:
                violations.Add(node, SubsetRule.Iterators, "yield");
                break;
            case SyntaxKind.StackAllocKeyword:
                violations.Add(node, SubsetRule.Stackalloc, "stackalloc");
                break;
            case SyntaxKind.UnsafeKeyword:
            case SyntaxKind.FixedKeyword:
                violations.Add(node, SubsetRule.Unsafe, token.ValueText);
                break;
        }
    }

    /// <summary>The name of the type, method, delegate or local function that declares type parameters.</summary>
    static string DeclaredName(TypeParameterListSyntax typeParameters)
    {
        switch (typeParameters.Parent)
        {
            case BaseTypeDeclarationSyntax type:
                return type.Identifier.ValueText;
            case MethodDeclarationSyntax method:
                return method.Identifier.ValueText;
            case DelegateDeclarationSyntax @delegate:
                return @delegate.Identifier.ValueText;
            case LocalFunctionStatementSyntax function:
                return function.Identifier.ValueText;
            default:
                return string.Empty;
        }
    }

    static bool IsLinqNamespace(string name)
    {
        return name == "System.Linq" || name.StartsWith("System.Linq.", StringComparison.Ordinal);
    }
}
