using EdgeBroker.NanoFrameworkGuard.Tests.Guard;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace EdgeBroker.NanoFrameworkGuard.Tests.DeviceBuild;

/// <summary>
/// Every public type and member of nanoFramework's mscorlib and of the reference stubs, in allow-list form
/// (<see cref="ApiNames"/>): what the device compile proves exists, so the guard's allow-list need not repeat it.
/// </summary>
public static class NanoReferenceApis
{
    static readonly Lazy<IReadOnlyList<string>> Shared = new(Collect);

    public static IReadOnlyList<string> Names
    {
        get { return Shared.Value; }
    }

    static IReadOnlyList<string> Collect()
    {
        IEnumerable<MetadataReference> references = NanoReferenceAssemblies.Instance.All.ToList();
        CSharpCompilation compilation = CSharpCompilation.Create("NanoReferenceApis", references: references);
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (MetadataReference reference in references)
        {
            if (compilation.GetAssemblyOrModuleSymbol(reference) is IAssemblySymbol assembly)
            {
                AddTypes(assembly.GlobalNamespace, names);
            }
        }

        return names.ToList();
    }

    static void AddTypes(INamespaceSymbol ns, SortedSet<string> names)
    {
        foreach (INamespaceSymbol child in ns.GetNamespaceMembers())
        {
            AddTypes(child, names);
        }

        foreach (INamedTypeSymbol type in ns.GetTypeMembers())
        {
            AddType(type, names);
        }
    }

    static void AddType(INamedTypeSymbol type, SortedSet<string> names)
    {
        if (!IsVisible(type.DeclaredAccessibility))
        {
            return;
        }

        names.Add(ApiNames.OfType(type));
        foreach (ISymbol member in type.GetMembers().Where(m => IsVisible(m.DeclaredAccessibility) && !m.IsImplicitlyDeclared))
        {
            if (member is INamedTypeSymbol nested)
            {
                AddType(nested, names);
            }
            else if (member is not IMethodSymbol { AssociatedSymbol: not null })
            {
                names.Add(ApiNames.Of(member));
            }

            // `+=` on an event binds to its add accessor, which is what the guard names.
            if (member is IEventSymbol { AddMethod: not null, RemoveMethod: not null } e)
            {
                names.Add(ApiNames.Of(e.AddMethod));
                names.Add(ApiNames.Of(e.RemoveMethod));
            }
        }
    }

    static bool IsVisible(Accessibility accessibility)
    {
        return accessibility is Accessibility.Public or Accessibility.Protected or Accessibility.ProtectedOrInternal;
    }
}
