using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace EdgeBroker.NanoFrameworkGuard.Tests.Guard;

/// <summary>
/// A name the .NET compilation could not bind, and the fully qualified names it may stand for. When it is a member
/// of an expression whose type is unknown too (<c>controller.OpenPin(...).Toggle()</c>), nothing qualifies it:
/// <see cref="PossibleNames"/> is empty and only the member name itself can be compared.
/// </summary>
internal readonly record struct UnresolvedName(SimpleNameSyntax Node, IReadOnlyList<string> PossibleNames)
{
    public bool IsMemberOfUnknownType
    {
        get { return PossibleNames.Count == 0; }
    }
}

/// <summary>
/// Finds names that do not resolve against .NET — in practice nanoFramework-only APIs in device code
/// (System.Device.Gpio, nanoFramework.Networking, …) — and works out which fully qualified names each could
/// mean, from the using directives and from what stands left of the dot. Without nanoFramework's assemblies the
/// overload cannot be known, so these are matched against the allow-list by name only.
/// </summary>
internal static class UnresolvedNames
{
    public static IEnumerable<UnresolvedName> In(SyntaxTree tree, SemanticModel model)
    {
        foreach (SimpleNameSyntax name in tree.GetRoot().DescendantNodes().OfType<SimpleNameSyntax>())
        {
            if (!IsUnresolved(name, model)
                || IsNotAReference(name)
                || IsLeftOfUnresolvedName(name, model)
                || CompileTimeOnly.IsInNameOf(name, model))
            {
                continue;
            }

            yield return new UnresolvedName(name, PossibleNames(name, model).Distinct(StringComparer.Ordinal).ToList());
        }
    }

    /// <summary>Not bound, and not the firmware's own method either: a call to one of those fails to bind only
    /// because an argument is a device-only API (<c>BoardLimits.DefaultMaxClients(SystemInfo.TargetName)</c>), which
    /// is reported by itself.</summary>
    static bool IsUnresolved(SimpleNameSyntax name, SemanticModel model)
    {
        SymbolInfo info = model.GetSymbolInfo(name);
        return info.Symbol == null
            && (info.CandidateSymbols.IsEmpty
                || !info.CandidateSymbols.All(c => SymbolEqualityComparer.Default.Equals(c.ContainingAssembly, model.Compilation.Assembly)));
    }

    /// <summary>Names that never bind to a framework symbol: <c>var</c>, argument names, and the member names in
    /// object initializers and attribute arguments (which bind through their parents).</summary>
    static bool IsNotAReference(SimpleNameSyntax name)
    {
        return name is IdentifierNameSyntax { IsVar: true }
            || name.Parent is NameColonSyntax
            || name.Parent is NameEqualsSyntax;
    }

    /// <summary>In <c>A.B.C</c> with all three unresolved only <c>C</c> is reported, named in full.</summary>
    static bool IsLeftOfUnresolvedName(SimpleNameSyntax name, SemanticModel model)
    {
        // The dotted name this one ends: "A.B" for B, "A" for A.
        SyntaxNode dotted = name.Parent switch
        {
            QualifiedNameSyntax qualified when qualified.Right == name => qualified,
            MemberAccessExpressionSyntax access when access.Name == name => access,
            _ => name,
        };

        switch (dotted.Parent)
        {
            case MemberAccessExpressionSyntax access when access.Expression == dotted:
                return IsUnresolved(access.Name, model);
            case QualifiedNameSyntax qualified when qualified.Left == dotted:
                return IsUnresolved(qualified.Right, model);
            default:
                return false;
        }
    }

    static IEnumerable<string> PossibleNames(SimpleNameSyntax name, SemanticModel model)
    {
        // Overload resolution may have failed on a known member (an argument of unknown type): take its name.
        var candidates = model.GetSymbolInfo(name).CandidateSymbols;
        if (!candidates.IsEmpty)
        {
            return candidates.Select(ApiNames.WithoutSignature);
        }

        string identifier = name.Identifier.ValueText;
        ExpressionSyntax? receiver = Receiver(name);
        if (receiver == null)
        {
            return ExpandedByUsings(identifier, name);
        }

        return QualifiersOf(receiver, model).Select(qualifier => qualifier + "." + identifier);
    }

    /// <summary>What stands left of the dot: <c>A</c> in <c>A.B</c> and in <c>A?.B</c>.</summary>
    static ExpressionSyntax? Receiver(SimpleNameSyntax name)
    {
        switch (name.Parent)
        {
            case MemberAccessExpressionSyntax access when access.Name == name:
                return access.Expression;
            case QualifiedNameSyntax qualified when qualified.Right == name:
                return qualified.Left;
            case MemberBindingExpressionSyntax binding when binding.Name == name:
                return binding.FirstAncestorOrSelf<ConditionalAccessExpressionSyntax>()?.Expression;
            default:
                return null;
        }
    }

    static IEnumerable<string> QualifiersOf(ExpressionSyntax receiver, SemanticModel model)
    {
        ISymbol? symbol = model.GetSymbolInfo(receiver).Symbol;
        if (symbol is INamespaceSymbol @namespace)
        {
            return new[] { @namespace.ToDisplayString() };
        }

        if (symbol is ITypeSymbol { TypeKind: not TypeKind.Error } type)
        {
            return new[] { ApiNames.OfType(type) };
        }

        if (symbol == null && RightmostName(receiver) is SimpleNameSyntax unresolvedReceiver
            && IsUnresolved(unresolvedReceiver, model))
        {
            return PossibleNames(unresolvedReceiver, model);
        }

        // An expression (a local, a call, …): qualify by its type. An unresolved type is known by its short name at
        // best; the result of an unresolved call not even by that.
        ITypeSymbol? receiverType = model.GetTypeInfo(receiver).Type;
        if (receiverType == null || receiverType.Name.Length == 0)
        {
            return Array.Empty<string>();
        }

        return receiverType.TypeKind == TypeKind.Error
            ? ExpandedByUsings(receiverType.Name, receiver)
            : new[] { ApiNames.OfType(receiverType) };
    }

    /// <summary>The last name of a dotted name: <c>C</c> in <c>A.B.C</c>.</summary>
    static SimpleNameSyntax? RightmostName(ExpressionSyntax expression)
    {
        switch (expression)
        {
            case SimpleNameSyntax simple:
                return simple;
            case QualifiedNameSyntax qualified:
                return qualified.Right;
            case MemberAccessExpressionSyntax access:
                return access.Name;
            case AliasQualifiedNameSyntax aliased:
                return aliased.Name;
            default:
                return null;
        }
    }

    /// <summary>The name as written, and as each <c>using</c> in scope would complete it (not inside a using
    /// directive, whose names are complete already).</summary>
    static IEnumerable<string> ExpandedByUsings(string identifier, SyntaxNode location)
    {
        yield return identifier;
        if (location.FirstAncestorOrSelf<UsingDirectiveSyntax>() != null)
        {
            yield break;
        }

        foreach (SyntaxNode scope in location.Ancestors())
        {
            SyntaxList<UsingDirectiveSyntax> usings = scope switch
            {
                CompilationUnitSyntax unit => unit.Usings,
                BaseNamespaceDeclarationSyntax declaration => declaration.Usings,
                _ => default,
            };

            foreach (UsingDirectiveSyntax directive in usings)
            {
                if (directive.Alias == null && directive.Name != null)
                {
                    yield return directive.Name.ToString() + "." + identifier;
                }
            }
        }
    }
}
