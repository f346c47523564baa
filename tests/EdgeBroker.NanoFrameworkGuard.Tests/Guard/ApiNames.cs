using Microsoft.CodeAnalysis;

namespace EdgeBroker.NanoFrameworkGuard.Tests.Guard;

/// <summary>
/// Writes a framework symbol the way the allow-list file names it: fully qualified CLR type names
/// (<c>System.Int32</c>, not <c>int</c>), methods with their parameter types, constructors as <c>.ctor</c>,
/// properties, fields and events by name, indexers as <c>this[...]</c>.
/// </summary>
public static class ApiNames
{
    static readonly SymbolDisplayFormat TypeFormat = new(
        globalNamespaceStyle: SymbolDisplayGlobalNamespaceStyle.Omitted,
        typeQualificationStyle: SymbolDisplayTypeQualificationStyle.NameAndContainingTypesAndNamespaces,
        genericsOptions: SymbolDisplayGenericsOptions.IncludeTypeParameters);

    public static string Of(ISymbol symbol)
    {
        switch (symbol)
        {
            case ITypeSymbol type:
                return OfType(type);
            case IMethodSymbol method:
                // Constructors are named ".ctor" by Roslyn already, operators "op_Equality" and so on.
                return OfType(method.ContainingType) + "." + method.Name + "(" + Parameters(method.Parameters) + ")";
            case IPropertySymbol { IsIndexer: true } indexer:
                return OfType(indexer.ContainingType) + ".this[" + Parameters(indexer.Parameters) + "]";
            default:
                return OfType(symbol.ContainingType) + "." + symbol.Name;
        }
    }

    /// <summary>The symbol's name without a parameter list: what a name-only match (code that does not resolve
    /// against .NET) can compare.</summary>
    public static string WithoutSignature(ISymbol symbol)
    {
        if (symbol is ITypeSymbol type)
        {
            return OfType(type);
        }

        return OfType(symbol.ContainingType) + "." + (symbol is IPropertySymbol { IsIndexer: true } ? "this" : symbol.Name);
    }

    public static string OfType(ITypeSymbol type)
    {
        return type.ToDisplayString(TypeFormat);
    }

    static string Parameters(IEnumerable<IParameterSymbol> parameters)
    {
        return string.Join(", ", parameters.Select(p => RefPrefix(p.RefKind) + OfType(p.Type)));
    }

    static string RefPrefix(RefKind kind)
    {
        switch (kind)
        {
            case RefKind.Ref:
                return "ref ";
            case RefKind.Out:
                return "out ";
            case RefKind.In:
            case RefKind.RefReadOnlyParameter:
                return "in ";
            default:
                return string.Empty;
        }
    }
}
