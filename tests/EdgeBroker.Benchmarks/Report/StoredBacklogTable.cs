using System.Globalization;
using System.Text;
using EdgeBroker.Benchmarks.Cases;

namespace EdgeBroker.Benchmarks.Report;

/// <summary>The stored-backlog cases: how long storing the backlog took, and how long handing it over after the
/// reconnection took, against mosquitto.</summary>
sealed class StoredBacklogTable(IReadOnlyList<CaseResult> results, TargetEvaluator rows)
{
    static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public void Write(StringBuilder text)
    {
        var backlogs = results.Where(r => r.Case.Scenario == Scenario.StoredBacklog).ToList();
        if (backlogs.Count == 0)
        {
            return;
        }

        text.AppendLine("## Stored messages delivered after reconnect").AppendLine();
        text.AppendLine("| Case | Messages | Stored in (s) | Stored (msg/s) | Delivered after reconnect in (ms) | Delivered (msg/s) | Time vs mosquitto | Missing | Duplicates | Out of order | Broker CPU storing (µs/msg) | Broker CPU delivering (µs/msg) | Others' CPU |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var result in backlogs)
        {
            if (!result.Succeeded)
            {
                text.AppendLine(Invariant, $"| {result.Case.Title} | failed: {MarkdownText.Cell(MarkdownText.FirstLine(result.Error ?? "unknown"))} (see Problems seen) | | | | | | | | | | | |");
                continue;
            }

            var backlog = result.Backlog!;
            var baseline = rows.Find(CaseCatalog.MosquittoBaseline(result.Case))?.Backlog;
            var delivered = backlog.Completed ? $"{backlog.DeliverSeconds * 1000:N0}" : $"{backlog.DeliverSeconds * 1000:N0} (stalled)";
            text.AppendLine(Invariant,
                $"| {result.Case.Title} | {backlog.Sent:N0} | {backlog.StoreSeconds:N2} | {backlog.StoredPerSecond:N0} | {delivered} | {backlog.DeliveredPerSecond:N0} " +
                $"| {(backlog.Completed && baseline is { Completed: true } ? MarkdownText.Ratio(backlog.DeliverSeconds, baseline.DeliverSeconds) : "n/a (incomplete)")} | {backlog.Missing:N0} | {backlog.Duplicates:N0} | {backlog.OutOfOrder:N0} " +
                $"| {backlog.BrokerCpuMicrosecondsPerStored:N1} | {backlog.BrokerCpuMicrosecondsPerDelivered:N1} | {MarkdownText.OthersShare(backlog.OtherShareOfMachine)} |");
        }

        text.AppendLine();
        text.AppendLine("A persistent receiver (clean session = 0) registers and leaves; the publishers send it the backlog at QoS 1, " +
                        "each publish completing on its PUBACK (Stored in: first publish to last PUBACK); they leave; the receiver reconnects " +
                        "and acknowledges each message right after receiving it. Delivered after reconnect: from the CONNACK to the PUBACK of " +
                        "the last message (to the last message that came, marked stalled, when some never came within 10 s). Time vs mosquitto: delivery time ÷ mosquitto's (lower is better; only when both delivered everything). Missing: acknowledged to the " +
                        "publisher but never delivered; Out of order: arrived after a later message of the same publisher (all must be 0).");
        var unplaced = backlogs.Where(r => r.Backlog is { } b && (b.Unplaced > 0 || b.ReceivedWhileAway > 0 || b.PublishFailures > 0)).ToList();
        foreach (var result in unplaced)
        {
            var b = result.Backlog!;
            text.AppendLine().AppendLine(Invariant,
                $"**{result.Case.Id}:** {b.Unplaced:N0} unplaced message(s), {b.ReceivedWhileAway:N0} received while away, " +
                $"{b.PublishFailures:N0} failed publish(es){(b.FirstPublishError is null ? string.Empty : $" (first: {MarkdownText.Cell(b.FirstPublishError)})")}.");
        }

        text.AppendLine();
    }
}
