using System.Globalization;
using System.Text;
using EdgeBroker.Benchmarks.Stores;

namespace EdgeBroker.Benchmarks.Report;

/// <summary>The store cases: messages written, read and removed per second by each durable store.</summary>
sealed class StoreRatesTable(IReadOnlyList<StoreResult> results)
{
    static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public void Write(StringBuilder text)
    {
        if (results.Count == 0)
        {
            return;
        }

        text.AppendLine("## Store write/read rates").AppendLine();
        text.AppendLine("| Store | Written (msg/s) | Read (msg/s) | Acknowledged/removed (msg/s) | Write (µs/msg) | Read (µs/msg) | Remove (µs/msg) | Others' CPU |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var result in results)
        {
            if (result.Operations.Count == 0)
            {
                text.AppendLine(Invariant, $"| {result.Case.Title} | failed (see Problems seen) | | | | | | |");
                continue;
            }

            var operations = new[] { nameof(StoreBenchmarks.Write), nameof(StoreBenchmarks.Read), nameof(StoreBenchmarks.Remove) }
                .Select(result.Find)
                .ToList();
            var rates = string.Join(" | ", operations.Select(o => o is null ? "failed" : o.PerSecond.ToString("N0", Invariant)));
            var times = string.Join(" | ", operations.Select(o => o is null ? "failed" : $"{o.MeanMicroseconds:N1} ± {o.RelativeDeviation * 100:0}%"));
            var others = result.Cpu is { } cpu ? MarkdownText.OthersShare(cpu.OtherShareOfMachine) : "n/a";
            text.AppendLine(Invariant, $"| {result.Case.Title} | {rates} | {times} | {others} |");
        }

        text.AppendLine();
        text.AppendLine($"Each store through the core's IOfflineStore, as the broker calls it, one client, {StoreBenchmarks.PayloadSize}-byte payloads. " +
                        "Written: Append, each message durable before the call returns (what precedes a PUBACK). Read: loading the client's " +
                        $"{StoreBenchmarks.MessagesPerIteration} stored messages in one Read (a reconnect with batching off). Acknowledged/removed: " +
                        "Remove of each message (a receiver's PUBACK); on the flash log this includes the compaction that half a log of " +
                        "dead entries triggers. µs/msg: mean ± standard deviation of the iterations. Others' CPU: the share of the machine " +
                        "that processes other than the harness used during the store's run.");
        text.AppendLine();
    }
}
