using Microsoft.CodeAnalysis;

namespace EdgeBroker.NanoFrameworkGuard.Tests.Guard;

/// <summary>
/// Gathers findings from all rules. The syntax and symbol views of a construct often see it more than once on a
/// line — <c>List&lt;int&gt; l = new List&lt;int&gt;();</c> — so a construct rule keeps only its first finding per
/// file and line: enough to point at the fix without burying the report. Allow-list findings are kept per API,
/// because each missing API is its own entry to verify.
/// </summary>
internal sealed class ViolationCollector
{
    readonly Dictionary<(string File, int Line, SubsetRule Rule, string Api), SubsetViolation> _kept = new();

    public void Add(SyntaxNode node, SubsetRule rule, string detail)
    {
        FileLinePositionSpan span = node.GetLocation().GetLineSpan();
        int line = span.StartLinePosition.Line + 1;
        bool perApi = rule == SubsetRule.ApiNotAllowed || rule == SubsetRule.UnresolvedApiNotAllowed;
        var key = (span.Path, line, rule, perApi ? detail : string.Empty);
        if (!_kept.ContainsKey(key))
        {
            _kept.Add(key, new SubsetViolation(span.Path, line, rule, detail));
        }
    }

    public IReadOnlyList<SubsetViolation> ToSortedList()
    {
        return _kept.Values
            .OrderBy(v => v.File, StringComparer.Ordinal)
            .ThenBy(v => v.Line)
            .ThenBy(v => v.Rule)
            .ThenBy(v => v.Detail, StringComparer.Ordinal)
            .ToList();
    }
}
