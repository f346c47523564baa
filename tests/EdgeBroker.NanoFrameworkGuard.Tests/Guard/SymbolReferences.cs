using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace EdgeBroker.NanoFrameworkGuard.Tests.Guard;

/// <summary>A symbol the code depends on, with the syntax that depends on it (for the file and line).</summary>
internal readonly record struct SymbolReference(SyntaxNode Node, ISymbol Symbol);

/// <summary>
/// Every symbol one syntax tree depends on — not only those it names. Besides what each node binds to, that
/// includes the types of all expressions (so <c>var</c> cannot hide a type), user-defined conversions, the
/// enumerator members behind <c>foreach</c>, the <c>Add</c> behind collection initializers and the members that
/// <c>override</c> declarations rely on. All of them must exist on the device.
/// </summary>
internal static class SymbolReferences
{
    public static IEnumerable<SymbolReference> In(SyntaxTree tree, SemanticModel model)
    {
        foreach (SyntaxNode node in tree.GetRoot().DescendantNodes())
        {
            if (CompileTimeOnly.IsInNameOf(node, model))
            {
                continue;
            }

            ISymbol? bound = model.GetSymbolInfo(node).Symbol;
            if (bound != null)
            {
                yield return new SymbolReference(node, bound);
            }

            if (node is ExpressionSyntax expression)
            {
                foreach (ISymbol implied in ImpliedByExpression(expression, model))
                {
                    yield return new SymbolReference(node, implied);
                }
            }

            foreach (ISymbol implied in ImpliedByStatementOrDeclaration(node, model))
            {
                yield return new SymbolReference(node, implied);
            }
        }
    }

    static IEnumerable<ISymbol> ImpliedByExpression(ExpressionSyntax expression, SemanticModel model)
    {
        TypeInfo types = model.GetTypeInfo(expression);
        if (types.Type != null)
        {
            yield return types.Type;
        }

        if (types.ConvertedType != null && !SymbolEqualityComparer.Default.Equals(types.Type, types.ConvertedType))
        {
            yield return types.ConvertedType;
        }

        IMethodSymbol? conversion = model.GetConversion(expression).MethodSymbol;
        if (conversion != null)
        {
            yield return conversion;
        }

        if (expression.Parent is InitializerExpressionSyntax initializer
            && initializer.IsKind(SyntaxKind.CollectionInitializerExpression))
        {
            ISymbol? add = model.GetCollectionInitializerSymbolInfo(expression).Symbol;
            if (add != null)
            {
                yield return add;
            }
        }
    }

    static IEnumerable<ISymbol> ImpliedByStatementOrDeclaration(SyntaxNode node, SemanticModel model)
    {
        switch (node)
        {
            case CommonForEachStatementSyntax forEach:
                // Arrays and strings are lowered to an indexed loop: no enumerator is used.
                ITypeSymbol? collection = model.GetTypeInfo(forEach.Expression).Type;
                if (collection is IArrayTypeSymbol || collection?.SpecialType == SpecialType.System_String)
                {
                    break;
                }

                ForEachStatementInfo info = model.GetForEachStatementInfo(forEach);
                foreach (ISymbol? member in new ISymbol?[] { info.GetEnumeratorMethod, info.MoveNextMethod, info.CurrentProperty, info.DisposeMethod })
                {
                    if (member != null)
                    {
                        yield return member;
                    }
                }

                break;

            case MethodDeclarationSyntax or PropertyDeclarationSyntax or EventDeclarationSyntax or IndexerDeclarationSyntax:
                ISymbol? overridden = Overridden(model.GetDeclaredSymbol(node));
                if (overridden != null)
                {
                    yield return overridden;
                }

                break;
        }
    }

    static ISymbol? Overridden(ISymbol? declared)
    {
        switch (declared)
        {
            case IMethodSymbol method:
                return method.OverriddenMethod;
            case IPropertySymbol property:
                return property.OverriddenProperty;
            case IEventSymbol @event:
                return @event.OverriddenEvent;
            default:
                return null;
        }
    }
}
