using Microsoft.CodeAnalysis;

namespace EdgeBroker.NanoFrameworkGuard.Tests.Guard;

/// <summary>
/// Decides whether a referenced symbol comes from the framework (not from the firmware sources) and, if so,
/// whether the allow-list has it — in the form nanoFramework's compiler would bind to.
/// </summary>
internal sealed class FrameworkApiCheck
{
    readonly IAssemblySymbol _firmware;
    readonly AllowList _allowList;

    public FrameworkApiCheck(IAssemblySymbol firmware, AllowList allowList)
    {
        _firmware = firmware;
        _allowList = allowList;
    }

    /// <summary>The framework API <paramref name="symbol"/> stands for, or null when there is nothing to check:
    /// firmware's own symbols, locals, namespaces, built-in operators.</summary>
    public ISymbol? FrameworkApi(ISymbol symbol)
    {
        switch (symbol)
        {
            case IAliasSymbol alias:
                return FrameworkApi(alias.Target);
            case INamespaceSymbol or ILocalSymbol or IParameterSymbol or ITypeParameterSymbol or ILabelSymbol
                or IRangeVariableSymbol or IDiscardSymbol or IPreprocessingSymbol:
                return null;
            case IArrayTypeSymbol array:
                return FrameworkApi(array.ElementType);
            case ITypeSymbol { TypeKind: TypeKind.Error or TypeKind.Dynamic or TypeKind.Pointer or TypeKind.FunctionPointer }:
                return null;
            case IMethodSymbol { MethodKind: MethodKind.BuiltinOperator }:
                return null;
            case IMethodSymbol { ReducedFrom: not null } extension:
                return FrameworkApi(extension.ReducedFrom);
        }

        ISymbol definition = symbol.OriginalDefinition;
        IAssemblySymbol? assembly = definition.ContainingAssembly;
        if (assembly == null || SymbolEqualityComparer.Default.Equals(assembly, _firmware))
        {
            return null;
        }

        return definition is IMethodSymbol method ? AsBoundByNanoFramework(method) : definition;
    }

    public bool IsAllowed(ISymbol frameworkApi)
    {
        return _allowList.Allows(frameworkApi);
    }

    /// <summary>
    /// Since C# 13, <c>string.Format(f, a, b, c, d)</c> and <c>string.Concat(a, b, c, d, e)</c> bind to .NET's
    /// <c>params ReadOnlySpan&lt;T&gt;</c> overloads. nanoFramework has only the <c>params T[]</c> ones, which is what
    /// its compiler binds the same call to, so that overload is what must be on the list.
    /// </summary>
    static IMethodSymbol AsBoundByNanoFramework(IMethodSymbol method)
    {
        IParameterSymbol? last = method.Parameters.LastOrDefault();
        if (last is not { IsParams: true, Type: INamedTypeSymbol { MetadataName: "ReadOnlySpan`1" } span })
        {
            return method;
        }

        ITypeSymbol element = span.TypeArguments[0];
        foreach (IMethodSymbol sibling in method.ContainingType.GetMembers(method.Name).OfType<IMethodSymbol>())
        {
            if (sibling.Parameters.Length == method.Parameters.Length
                && sibling.Parameters.Last() is { IsParams: true, Type: IArrayTypeSymbol array }
                && SymbolEqualityComparer.Default.Equals(array.ElementType, element)
                && sibling.Parameters.Take(method.Parameters.Length - 1).Select(p => p.Type)
                    .SequenceEqual(method.Parameters.Take(method.Parameters.Length - 1).Select(p => p.Type), SymbolEqualityComparer.Default))
            {
                return sibling;
            }
        }

        return method;
    }
}
