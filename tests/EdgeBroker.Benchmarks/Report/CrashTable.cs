using System.Globalization;
using System.Text;
using EdgeBroker.Benchmarks.Cases;

namespace EdgeBroker.Benchmarks.Report;

/// <summary>The crash cases: acknowledged messages each broker lost when it was killed with SIGKILL half-way through a
/// stored backlog and started again.</summary>
sealed class CrashTable(IReadOnlyList<CaseResult> results)
{
    static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public void Write(StringBuilder text)
    {
        var crashes = results.Where(r => r.Case.Scenario == Scenario.Crash).ToList();
        if (crashes.Count == 0)
        {
            return;
        }

        text.AppendLine("## kill -9 half-way through a stored backlog").AppendLine();
        text.AppendLine("| Case | Acknowledged before the kill | Lost after the restart | Lost share | Session kept | Delivered though unacknowledged | Duplicates |");
        text.AppendLine("|---|---:|---:|---:|---|---:|---:|");
        foreach (var result in crashes)
        {
            if (!result.Succeeded)
            {
                text.AppendLine(Invariant, $"| {result.Case.Title} | failed: {MarkdownText.Cell(MarkdownText.FirstLine(result.Error ?? "unknown"))} (see Problems seen) | | | | | |");
                continue;
            }

            var crash = result.Crash!;
            text.AppendLine(Invariant,
                $"| {result.Case.Title} | {crash.Acknowledged:N0} | {crash.Lost:N0} | {crash.LostShare:P1} | {(crash.SessionPresent ? "yes" : "no")} " +
                $"| {crash.Unacknowledged:N0} | {crash.Duplicates:N0} |");
        }

        text.AppendLine();
        text.AppendLine("The receiver registers its persistent session and leaves; the publishers send it the backlog at QoS 1; once half of " +
                        "it is acknowledged the broker is killed with SIGKILL (nothing can be saved, as in a power cut or an OOM kill) and " +
                        "started again on the same data. Lost: acknowledged to a publisher but never delivered after the restart (the " +
                        "receiver waits until nothing has arrived for 5 s). Delivered though unacknowledged: in flight at the kill, stored " +
                        "but not yet acknowledged (allowed: the publisher sends it again). mosquitto with `persistence true` writes " +
                        "mosquitto.db every `autosave_interval` (1,800 s by default) and at a clean exit only.");
        text.AppendLine();
    }
}
