using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace EdgeBroker.NanoFrameworkGuard.Tests.Guard;

/// <summary>
/// Checks C# sources against the nanoFramework 1.x subset: compiles them with Roslyn against the running .NET
/// runtime and reports, by file and line, forbidden constructs (generics, async, LINQ, records, Span, …) and every
/// framework type or member that is not on the allow-list.
/// </summary>
/// <remarks>
/// The sources are compiled once, with <c>NANOFRAMEWORK_1_0</c> defined — exactly the code the device compiles:
/// portable code plus device-only <c>#if NANOFRAMEWORK_1_0</c> blocks, and not the <c>#else</c> / <c>#if !NANOFRAMEWORK_1_0</c>
/// stand-ins that exist for .NET only (those may use anything). A second pass without the symbol would only
/// re-check the same portable lines, plus the .NET-only ones that must not be checked.
/// </remarks>
public sealed class NanoFrameworkSubsetGuard
{
    public const string DeviceSymbol = "NANOFRAMEWORK_1_0";

    static readonly CSharpParseOptions DeviceParseOptions = new CSharpParseOptions(LanguageVersion.Latest)
        .WithPreprocessorSymbols(DeviceSymbol);

    readonly AllowList _allowList;

    public NanoFrameworkSubsetGuard(AllowList allowList)
    {
        _allowList = allowList;
    }

    public IReadOnlyList<SubsetViolation> Check(IEnumerable<SourceFile> sources)
    {
        List<SyntaxTree> trees = sources
            .Select(source => CSharpSyntaxTree.ParseText(source.Text, DeviceParseOptions, source.DisplayPath))
            .ToList();

        // One compilation for all firmware projects, so references between them (app → Core) resolve; nullable
        // off and no implicit usings, as in the .nfproj builds. Unsafe code is allowed only so that it binds and
        // is reported by the Unsafe rule rather than hidden behind a compiler error.
        CSharpCompilation compilation = CSharpCompilation.Create(
            "FirmwareUnderGuard",
            trees,
            RuntimeReferences.All,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true));

        var violations = new ViolationCollector();
        var apis = new FrameworkApiCheck(compilation.Assembly, _allowList);
        foreach (SyntaxTree tree in trees)
        {
            SemanticModel model = compilation.GetSemanticModel(tree);
            ForbiddenSyntax.Check(tree, violations);
            CheckReferencedSymbols(tree, model, apis, violations);
            CheckUnresolvedNames(tree, model, violations);
        }

        return violations.ToSortedList();
    }

    static void CheckReferencedSymbols(
        SyntaxTree tree, SemanticModel model, FrameworkApiCheck apis, ViolationCollector violations)
    {
        foreach (SymbolReference reference in SymbolReferences.In(tree, model))
        {
            // A forbidden construct is reported as such; asking the allow-list about List<T> too would only repeat it.
            var forbidden = ForbiddenSymbols.Classify(reference.Symbol);
            if (forbidden != null)
            {
                violations.Add(reference.Node, forbidden.Value.Rule, forbidden.Value.Detail);
                continue;
            }

            ISymbol? api = apis.FrameworkApi(reference.Symbol);
            if (api != null && !apis.IsAllowed(api))
            {
                violations.Add(reference.Node, SubsetRule.ApiNotAllowed, ApiNames.Of(api) + " is not on the nanoFramework allow-list");
            }
        }
    }

    void CheckUnresolvedNames(SyntaxTree tree, SemanticModel model, ViolationCollector violations)
    {
        foreach (UnresolvedName unresolved in UnresolvedNames.In(tree, model))
        {
            string member = unresolved.Node.Identifier.ValueText;
            if (unresolved.IsMemberOfUnknownType)
            {
                if (!_allowList.AllowsMemberName(member))
                {
                    violations.Add(unresolved.Node, SubsetRule.UnresolvedApiNotAllowed,
                        "'" + member + "' (member of an expression of unknown type) does not resolve against .NET and no "
                        + "allow-list entry has a member of that name");
                }
            }
            else if (!unresolved.PossibleNames.Any(_allowList.AllowsName))
            {
                violations.Add(unresolved.Node, SubsetRule.UnresolvedApiNotAllowed,
                    "'" + member + "' does not resolve against .NET and none of [" + string.Join(", ", unresolved.PossibleNames)
                    + "] is on the nanoFramework allow-list");
            }
        }
    }
}
