extern alias host;

using System.Reflection;
using System.Text.RegularExpressions;
using EdgeBroker.EndToEnd.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using LogEvents = host::EdgeBroker.Host.Monitoring.LogEvents;

namespace EdgeBroker.EndToEnd.Tests.Monitoring;

/// <summary>"One event id per kind of event" (README, docs/operate.md) stays true as log lines are added: every log call
/// of the host names an id of <see cref="LogEvents"/>, and docs/operate.md's table lists each of them. A text check of
/// the sources, not a compiler's: a call reads <c>.LogWarning(LogEvents.X, …)</c> (<c>.Log(level, LogEvents.X, …)</c>),
/// so the id comes before the message's first quote.</summary>
public sealed partial class LogEventTests
{
    [Fact]
    public void Every_log_call_of_the_host_names_an_event_id()
    {
        var sources = Path.Combine(PublishedHost.RepositoryRoot(), "host", "EdgeBroker.Host");
        var withoutId = new List<string>();
        var calls = 0;
        foreach (var file in Directory.EnumerateFiles(sources, "*.cs", SearchOption.AllDirectories)
            .Where(file => !file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}")
                && !file.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}")))
        {
            var text = File.ReadAllText(file);
            foreach (Match call in LogCall().Matches(text))
            {
                calls++;
                var rest = text[(call.Index + call.Length)..];
                var beforeMessage = rest[..rest.IndexOfAny(['"', ';'])];
                if (!beforeMessage.Contains("LogEvents."))
                {
                    var line = text[..call.Index].Count(c => c == '\n') + 1;
                    withoutId.Add($"{Path.GetRelativePath(sources, file)}:{line}");
                }
            }
        }

        Assert.True(calls > 50, $"only {calls} log calls found under {sources}: the pattern no longer finds them");
        Assert.Equal([], withoutId);
    }

    [Fact]
    public void Every_event_id_is_its_own_and_listed_in_the_operators_table()
    {
        var ids = typeof(LogEvents).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(field => (EventId)field.GetValue(null)!)
            .ToList();
        var table = File.ReadAllText(Path.Combine(PublishedHost.RepositoryRoot(), "docs", "operate.md"));

        Assert.Equal(ids.Count, ids.Select(id => id.Id).Distinct().Count());
        Assert.Equal([], ids.Where(id => id.Name is null || !table.Contains($"| {id.Id} | {id.Name} |")).Select(id => $"{id.Id} {id.Name}"));
    }

    /// <summary>A call of an <see cref="ILogger"/> logging method, up to its opening parenthesis.</summary>
    [GeneratedRegex(@"\.Log(Trace|Debug|Information|Warning|Error|Critical)?\(")]
    private static partial Regex LogCall();
}
