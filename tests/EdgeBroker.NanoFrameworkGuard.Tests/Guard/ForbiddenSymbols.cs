using Microsoft.CodeAnalysis;

namespace EdgeBroker.NanoFrameworkGuard.Tests.Guard;

/// <summary>
/// Constructs recognised from the symbols code depends on, which syntax alone misses: inferred generic method
/// calls, LINQ extension methods, <c>var</c> of a generic, Task or Span type, <c>dynamic</c>.
/// </summary>
internal static class ForbiddenSymbols
{
    /// <summary>The rule <paramref name="symbol"/> breaks, or null when it is fine for the subset (it may still be
    /// missing from nanoFramework: that is the allow-list's business).</summary>
    public static (SubsetRule Rule, string Detail)? Classify(ISymbol symbol)
    {
        switch (symbol)
        {
            case ITypeSymbol type:
                return ClassifyType(type);
            case IMethodSymbol method when IsInNamespace(method.ContainingType, "System.Linq"):
                return (SubsetRule.Linq, "LINQ method " + Short(method));
            case IMethodSymbol { IsGenericMethod: true } method:
                return (SubsetRule.Generics, "generic method " + Short(method));
            default:
                return symbol.ContainingType == null ? null : ClassifyType(symbol.ContainingType);
        }
    }

    static (SubsetRule Rule, string Detail)? ClassifyType(ITypeSymbol type)
    {
        switch (type)
        {
            case IArrayTypeSymbol array:
                return ClassifyType(array.ElementType);
            case IPointerTypeSymbol or IFunctionPointerTypeSymbol:
                return (SubsetRule.Unsafe, "pointer type " + Short(type));
            case { TypeKind: TypeKind.Dynamic }:
                return (SubsetRule.Dynamic, "dynamic");
            case { TypeKind: TypeKind.Error }:
                return null;
            case INamedTypeSymbol { IsTupleType: true }:
                return (SubsetRule.Tuples, "tuple " + Short(type));
            case INamedTypeSymbol when IsInNamespace(type, "System.Threading.Tasks"):
                return (SubsetRule.Tasks, Short(type));
            case INamedTypeSymbol named when IsSpanFamily(named):
                return (SubsetRule.Span, Short(type));
            case INamedTypeSymbol when IsInNamespace(type, "System.Linq"):
                return (SubsetRule.Linq, Short(type));
            case INamedTypeSymbol named when IsGeneric(named):
                return (SubsetRule.Generics, "generic type " + Short(type));
            default:
                return null;
        }
    }

    /// <summary>Generic itself or nested in a generic type (Dictionary&lt;K,V&gt;.KeyCollection).</summary>
    static bool IsGeneric(INamedTypeSymbol type)
    {
        for (INamedTypeSymbol? current = type; current != null; current = current.ContainingType)
        {
            if (current.IsGenericType)
            {
                return true;
            }
        }

        return false;
    }

    static bool IsSpanFamily(INamedTypeSymbol type)
    {
        switch (type.OriginalDefinition.MetadataName)
        {
            case "Span`1":
            case "ReadOnlySpan`1":
            case "Memory`1":
            case "ReadOnlyMemory`1":
                return IsInNamespace(type, "System");
            default:
                return false;
        }
    }

    static bool IsInNamespace(ITypeSymbol? type, string name)
    {
        return type?.ContainingNamespace?.ToDisplayString() == name;
    }

    static string Short(ISymbol symbol)
    {
        return symbol.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat);
    }
}
