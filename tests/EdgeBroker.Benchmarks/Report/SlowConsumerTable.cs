using System.Globalization;
using System.Text;
using EdgeBroker.Benchmarks.Cases;
using EdgeBroker.Benchmarks.Measurement;

namespace EdgeBroker.Benchmarks.Report;

/// <summary>The slow-consumer cases: the broker's resident memory while a subscriber that reads nothing is flooded, and
/// what a healthy pair's latency does meanwhile.</summary>
sealed class SlowConsumerTable(IReadOnlyList<CaseResult> results)
{
    static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public void Write(StringBuilder text)
    {
        var cases = results.Where(r => r.Case.Scenario == Scenario.SlowConsumer).ToList();
        if (cases.Count == 0)
        {
            return;
        }

        text.AppendLine("## A subscriber that stops reading").AppendLine();
        text.AppendLine("| Case | Flood (messages / MB) | Broker RSS before (MB) | Half-way (MB) | End of flood (MB) | Peak (MB) | Healthy p50 / p99 quiet (ms) | Healthy p50 / p99 during flood (ms) | Healthy lost | Slow subscriber closed by broker |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var result in cases)
        {
            if (result.SlowConsumer is not { } m || !result.Succeeded)
            {
                text.AppendLine(Invariant, $"| {result.Case.Title} | failed: {MarkdownText.Cell(MarkdownText.FirstLine(result.Error ?? "unknown"))} (see Problems seen) | | | | | | | | |");
                continue;
            }

            text.AppendLine(Invariant,
                $"| {result.Case.Title} | {m.FloodMessages:N0} / {m.FloodMegabytes:N0} | {ResidentMemory.Megabytes(m.RssBeforeBytes)} | {ResidentMemory.Megabytes(m.RssHalfwayBytes)} | {ResidentMemory.Megabytes(m.RssAfterBytes)} | {ResidentMemory.Megabytes(m.RssPeakBytes)} " +
                $"| {m.HealthyQuiet.P50Microseconds / 1000:N1} / {m.HealthyQuiet.P99Microseconds / 1000:N1} | {m.HealthyDuringFlood.P50Microseconds / 1000:N1} / {m.HealthyDuringFlood.P99Microseconds / 1000:N1} " +
                $"| {m.HealthyLost:N0} | {(m.SlowConsumerClosedByBroker ? "yes" : "no")} |");
        }

        text.AppendLine();
        text.AppendLine("A raw-socket subscriber with a 4 KB receive buffer connects (clean session), subscribes to the flooded topic at QoS 0 " +
                        "and never reads again; 4 publishers send it 1 KB QoS 0 messages as fast as they can. Meanwhile a healthy " +
                        "publisher→subscriber pair exchanges 100 timestamped QoS 0 messages a second (measured first for 3 s without the " +
                        "flood). RSS: the broker process's VmRSS, sampled every 50 ms. Each broker runs its shipped settings (EdgeBroker host: " +
                        "OutboundQueue 1,000 messages / 4 MB per client; emulator: the device's 64 packets / 8 KB; mosquitto: max_queued_messages 1000, which does not cover QoS 0). " +
                        "The \"reads\" rows are the control: the same flood to a subscriber that reads everything, so the difference is what the slow subscriber costs.");
        text.AppendLine();
    }
}
