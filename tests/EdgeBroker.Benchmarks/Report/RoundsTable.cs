using System.Globalization;
using System.Text;
using EdgeBroker.Benchmarks.Cases;

namespace EdgeBroker.Benchmarks.Report;

/// <summary>
/// The load cases over several rounds (<see cref="BenchmarkSettings.Rounds"/>): each case's figures as the median of
/// its rounds with the lowest and highest beside it, then the host's targets — each round's ratio, taken within that
/// round, and their median. One run's p99 and CPU per message at the fixed rate move more between runs minutes apart
/// than the targets' margins, so a target is judged on the median of its rounds, and how many rounds met it is shown.
/// </summary>
public sealed class RoundsTable(IReadOnlyList<IReadOnlyList<CaseResult>> rounds)
{
    static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public void Write(StringBuilder text)
    {
        text.AppendLine(Invariant, $"## Over the rounds ({rounds.Count})").AppendLine();
        WriteFigures(text);
        WriteTargets(text);
    }

    void WriteFigures(StringBuilder text)
    {
        text.AppendLine("| Case | Throughput (msg/s) | p50 (µs) | p99 (µs) | Broker CPU (µs/msg) | Broker CPU at fixed rate (µs/msg) | Rounds measured |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var @case in rounds[0].Select(r => r.Case))
        {
            var measured = rounds.Select(round => round.FirstOrDefault(r => r.Case == @case)).Where(r => r is { Succeeded: true }).Select(r => r!).ToList();
            if (measured.Count == 0)
            {
                text.AppendLine(Invariant, $"| {@case.Title} | | | | | | 0 of {rounds.Count} |");
                continue;
            }

            text.AppendLine(Invariant,
                $"| {@case.Title} | {Spread(measured.Select(r => r.Throughput!.DeliveredPerSecond), "N0")} " +
                $"| {Spread(measured.Select(r => r.Latency!.Latency.P50Microseconds), "N0")} | {Spread(measured.Select(r => r.Latency!.Latency.P99Microseconds), "N0")} " +
                $"| {Spread(measured.Select(r => r.Throughput!.BrokerCpuMicrosecondsPerMessage), "N1")} | {Spread(measured.Select(r => r.Latency!.BrokerCpuMicrosecondsPerMessage), "N1")} " +
                $"| {measured.Count} of {rounds.Count} |");
        }

        text.AppendLine();
        text.AppendLine("Each figure: the median of the rounds in which the case finished, [lowest–highest] after it.");
        text.AppendLine();
    }

    void WriteTargets(StringBuilder text)
    {
        var hostCases = rounds[0].Select(r => r.Case).Where(TargetEvaluator.HasPeerTargets).ToList();
        if (hostCases.Count == 0)
        {
            return;
        }

        var evaluators = rounds.Select(round => new TargetEvaluator(round)).ToList();
        var targets = new (string Name, Func<TargetEvaluator, CaseResult, double?> Ratio, Func<double, bool> Met)[]
        {
            ($"throughput ÷ fastest peer ≥ {TargetEvaluator.ThroughputFactor:0.0}", (e, r) => e.ThroughputRatio(r)?.Ratio, TargetEvaluator.MeetsThroughput),
            ($"CPU/msg at full load ÷ mosquitto ≤ {TargetEvaluator.CpuFactor:0.00}", (e, r) => e.CpuRatiosToMosquitto(r)?.AtFullLoad, TargetEvaluator.MeetsCpu),
            ($"CPU/msg at fixed rate ÷ mosquitto ≤ {TargetEvaluator.CpuFactor:0.00}", (e, r) => e.CpuRatiosToMosquitto(r)?.AtFixedRate, TargetEvaluator.MeetsCpu),
            ("p99 at fixed rate ÷ best peer ≤ 1.00", (e, r) => e.P99Ratio(r)?.Ratio, TargetEvaluator.MeetsP99),
        };

        text.Append("| Case | Target |");
        for (var i = 1; i <= rounds.Count; i++)
        {
            text.Append(Invariant, $" Round {i} |");
        }

        text.AppendLine(" Median | Met on the median | Rounds met |");
        text.Append("|---|---|").Append(string.Concat(Enumerable.Repeat("---:|", rounds.Count))).AppendLine("---:|---|---:|");
        int metOnMedian = 0, judged = 0;
        foreach (var @case in hostCases)
        {
            foreach (var (name, ratioOf, met) in targets)
            {
                var ratios = rounds.Select((round, i) => round.FirstOrDefault(r => r.Case == @case) is { } result ? ratioOf(evaluators[i], result) : null).ToList();
                var known = ratios.OfType<double>().ToList();
                text.Append(Invariant, $"| {@case.Title} | {name} |");
                foreach (var ratio in ratios)
                {
                    text.Append(Invariant, $" {(ratio is { } r ? r.ToString("0.00", Invariant) + "×" : "n/a")} |");
                }

                if (known.Count == 0)
                {
                    text.AppendLine(" n/a | n/a | 0 |");
                    continue;
                }

                var median = Median(known);
                judged++;
                metOnMedian += met(median) ? 1 : 0;
                text.AppendLine(Invariant, $" {median:0.00}× | {(met(median) ? "yes" : "**NO**")} | {known.Count(met)} of {known.Count} |");
            }
        }

        text.AppendLine();
        text.AppendLine(Invariant, $"Targets over {rounds.Count} rounds: {metOnMedian} of {judged} met on the median of their rounds' ratios.");
        text.AppendLine();
    }

    /// <summary>"1,234 [1,100–1,400]": the median, then the lowest and the highest.</summary>
    static string Spread(IEnumerable<double> values, string format)
    {
        var list = values.ToList();
        return $"{Median(list).ToString(format, Invariant)} [{list.Min().ToString(format, Invariant)}–{list.Max().ToString(format, Invariant)}]";
    }

    /// <summary>The middle value; with an even count, the mean of the two middle ones.</summary>
    static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToList();
        var middle = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
