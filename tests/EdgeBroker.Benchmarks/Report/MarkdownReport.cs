using System.Globalization;
using System.Text;
using EdgeBroker.Benchmarks.Cases;

namespace EdgeBroker.Benchmarks.Report;

/// <summary>
/// Renders a run as Markdown: the circumstances, the results table (one row per case, ratios against mosquitto's 1:1
/// pub/sub at the same QoS, and the targets), a details table with everything needed to trust or doubt a row (loss,
/// duplicates, achieved rates, CPU taken by others), and any problem the brokers logged.
/// </summary>
public sealed class MarkdownReport(BenchmarkSettings settings, RunInfo run, IReadOnlyList<CaseResult> results)
{
    static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>Other processes' share of the machine above which a row is marked as measured on a busy machine.</summary>
    const double BusyMachineShare = 0.10;

    readonly TargetEvaluator _targets = new(results);

    public string Render()
    {
        var text = new StringBuilder();
        WriteHeader(text);
        WriteResults(text);
        WriteDetails(text);
        WriteProblems(text);
        WriteTargetsSummary(text);
        return text.ToString();
    }

    void WriteHeader(StringBuilder text)
    {
        text.AppendLine("# EdgeBroker end-to-end benchmark").AppendLine();
        if (settings.Quick)
        {
            text.AppendLine("**Quick smoke run (--quick): phases are too short for the numbers to be more than indicative.**").AppendLine();
        }

        text.AppendLine(Invariant, $"- Run: {run.Started:yyyy-MM-dd HH:mm} UTC{run.Started:zzz}, took {run.Duration.TotalSeconds:0} s");
        text.AppendLine(Invariant, $"- Machine: {run.Machine}");
        text.AppendLine(Invariant, $"- Load average (1/5/15 min) before: {run.LoadAverageBefore}; after: {run.LoadAverageAfter}");
        foreach (var broker in run.Brokers)
        {
            text.AppendLine(Invariant, $"- Broker: {broker}");
        }

        text.AppendLine(Invariant,
            $"- Load: {settings.Pairs} publisher→receiver pairs in the harness process (MQTTnet client, MQTT 3.1.1, clean sessions), " +
            $"{settings.PayloadSize}-byte payloads, up to {settings.Window} publishes outstanding per publisher (both QoS, both brokers)");
        text.AppendLine(Invariant,
            $"- Phases per case (fresh broker each case): {settings.Warmup.TotalSeconds:0.#} s warm-up at full speed (not measured); " +
            $"throughput: {settings.Messages:N0} messages at full speed; latency: {settings.LatencyRate:N0} msg/s offered for {settings.LatencyDuration.TotalSeconds:0.#} s");
        text.AppendLine(Invariant,
            $"- Idle-subscriber cases: {settings.IdleConnections} connections × {settings.IdleSubscriptionsPerConnection} subscriptions = " +
            $"{settings.IdleConnections * settings.IdleSubscriptionsPerConnection:N0} subscriptions on bench/idle/<c>/<s>/state, never published to");
        foreach (var warning in run.Warnings)
        {
            text.AppendLine(Invariant, $"- **Warning:** {warning}");
        }

        text.AppendLine();
    }

    void WriteResults(StringBuilder text)
    {
        text.AppendLine("## Results").AppendLine();
        text.AppendLine("| Case | Throughput (msg/s) | vs mosquitto | p50 (µs) | p99 (µs) | p99 vs mosquitto | Broker CPU (µs/msg) | vs mosquitto | Broker CPU at fixed rate (µs/msg) | vs mosquitto | Lost | Others' CPU | Target met? |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var result in results)
        {
            var name = result.Case.Title;
            if (!result.Succeeded)
            {
                text.AppendLine(Invariant, $"| {name} | failed: {Escape(FirstLine(result.Error ?? "unknown"))} (see Problems seen) | | | | | | | | | | | |");
                continue;
            }

            var baseline = _targets.Find(CaseCatalog.MosquittoBaseline(result.Case.Qos));
            var throughput = result.Throughput!;
            var latency = result.Latency!;
            text.AppendLine(Invariant,
                $"| {name} | {throughput.DeliveredPerSecond:N0} | {Ratio(throughput.DeliveredPerSecond, baseline?.Throughput!.DeliveredPerSecond)} " +
                $"| {latency.Latency.P50Microseconds:N0} | {latency.Latency.P99Microseconds:N0} | {Ratio(latency.Latency.P99Microseconds, baseline?.Latency!.Latency.P99Microseconds)} " +
                $"| {throughput.BrokerCpuMicrosecondsPerMessage:N1} | {Ratio(throughput.BrokerCpuMicrosecondsPerMessage, baseline?.Throughput!.BrokerCpuMicrosecondsPerMessage)} " +
                $"| {latency.BrokerCpuMicrosecondsPerMessage:N1} | {Ratio(latency.BrokerCpuMicrosecondsPerMessage, baseline?.Latency!.BrokerCpuMicrosecondsPerMessage)} " +
                $"| {throughput.Lost + latency.Lost:N0} | {OthersCell(result)} | {TargetCell(result)} |");
        }

        text.AppendLine();
        text.AppendLine("Throughput: unique messages delivered per second in the throughput phase (first publish to last delivery). " +
                        "Latency: publish call to receive handler at the fixed offered rate. Broker CPU: the broker process's utime+stime " +
                        "(/proc/PID/stat) during the phase ÷ messages delivered, at full load (throughput phase) and at the fixed rate " +
                        "(latency phase). \"vs mosquitto\": this row ÷ mosquitto's 1:1 pub/sub at the same QoS (throughput: higher is " +
                        "better; latency and CPU: lower is better). Lost: sent but never delivered, both phases. Others' CPU: the larger share " +
                        "of the machine that other processes (not the broker, not the harness) used in either phase; ⚠ above " +
                        $"{BusyMachineShare * 100:0}% marks a row measured on a busy machine, whose numbers and ratios are unreliable.");
        text.AppendLine();
    }

    void WriteDetails(StringBuilder text)
    {
        text.AppendLine("## Details").AppendLine();
        text.AppendLine("| Case | Phase | Sent / asked | Delivered | Lost | Duplicates | Misrouted | Publish failures | Time (s) | Achieved send rate (msg/s) | Harness CPU (µs/msg) | Others' CPU (% of machine) | Max latency (µs) | Broker log problems |");
        text.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var result in results.Where(r => r.Succeeded))
        {
            WriteDetailRow(text, result, "throughput", result.Throughput!);
            WriteDetailRow(text, result, "latency", result.Latency!);
        }

        text.AppendLine();
        text.AppendLine("Others' CPU: machine busy time minus broker and harness during the phase, as a share of all cores — " +
                        "anything well above 0% means something else on the machine competed with the run. " +
                        "Misrouted: delivered to a receiver other than the addressed one (must be 0).");
        text.AppendLine();
    }

    static void WriteDetailRow(StringBuilder text, CaseResult result, string phase, PhaseMeasurement measurement)
    {
        var othersShare = measurement.Cpu.OtherShareOfMachine * 100;
        var failures = measurement.PublishFailures == 0
            ? "0"
            : $"{measurement.PublishFailures:N0} ({Escape(measurement.FirstPublishError ?? string.Empty)})";
        var completion = measurement.Completed ? string.Empty : " (stalled)";
        text.AppendLine(Invariant,
            $"| {result.Case.Id} | {phase} | {measurement.Sent:N0} / {measurement.Expected:N0} | {measurement.Delivered:N0}{completion} | {measurement.Lost:N0} " +
            $"| {measurement.Duplicates:N0} | {measurement.Misrouted + measurement.OutOfRange:N0} | {failures} | {measurement.ElapsedSeconds:N2} " +
            $"| {measurement.SentPerSecond:N0} | {measurement.HarnessCpuMicrosecondsPerMessage:N1} | {othersShare:N1} " +
            $"| {(phase == "latency" ? measurement.Latency.MaxMicroseconds.ToString("N0", Invariant) : "")} | {(phase == "throughput" ? result.BrokerProblemCount.ToString(Invariant) : "")} |");
    }

    void WriteProblems(StringBuilder text)
    {
        var withProblems = results.Where(r => r.BrokerProblemCount > 0 || r.Error is not null || r.IdleConnectionsAtEnd is { } idle && idle != settings.IdleConnections).ToList();
        if (withProblems.Count == 0)
        {
            return;
        }

        text.AppendLine("## Problems seen").AppendLine();
        foreach (var result in withProblems)
        {
            if (result.Error is not null)
            {
                // The first line says what happened; the rest (a dead broker's last output) goes in a code block.
                text.AppendLine(Invariant, $"- {result.Case.Id}: {FirstLine(result.Error)}");
                var detail = result.Error[FirstLine(result.Error).Length..].Trim('\n');
                if (detail.Length > 0)
                {
                    text.AppendLine("  ```");
                    foreach (var line in detail.Split('\n'))
                    {
                        text.AppendLine("  " + line);
                    }

                    text.AppendLine("  ```");
                }
            }

            if (result.IdleConnectionsAtEnd is { } connected && connected != settings.IdleConnections)
            {
                text.AppendLine(Invariant, $"- {result.Case.Id}: only {connected} of {settings.IdleConnections} idle connections were still connected at the end");
            }

            if (result.BrokerProblemCount > 0)
            {
                text.AppendLine(Invariant, $"- {result.Case.Id}: the broker logged {result.BrokerProblemCount} problem line(s); the first ones:");
                text.AppendLine("  ```");
                foreach (var line in result.BrokerProblemLines)
                {
                    text.AppendLine("  " + line);
                }

                text.AppendLine("  ```");
            }
        }

        text.AppendLine();
    }

    void WriteTargetsSummary(StringBuilder text)
    {
        var checks = results.SelectMany(_targets.Evaluate).ToList();
        var met = checks.Count(c => c.Met == true);
        var missed = checks.Count(c => c.Met == false);
        var unavailable = checks.Count(c => c.Met is null);
        text.AppendLine(Invariant, $"Targets: {met} met, {missed} missed{(unavailable > 0 ? $", {unavailable} not checkable" : string.Empty)} (of {checks.Count}).");
    }

    static string OthersCell(CaseResult result)
    {
        var share = Math.Max(result.Throughput!.Cpu.OtherShareOfMachine, result.Latency!.Cpu.OtherShareOfMachine);
        return (share > BusyMachineShare ? "⚠ " : string.Empty) + (share * 100).ToString("0", Invariant) + "%";
    }

    string TargetCell(CaseResult result)
    {
        var checks = _targets.Evaluate(result);
        if (checks.Count == 0)
        {
            return result.Case.Broker == BrokerKind.Mosquitto ? "baseline" : "reference (no target)";
        }

        return Escape(string.Join("; ", checks));
    }

    static string Ratio(double value, double? reference) =>
        reference is { } r && r > 0 && !double.IsNaN(value) ? (value / r).ToString("0.00", Invariant) + "×" : "n/a";

    static string FirstLine(string text) => text.Split('\n', 2)[0];

    /// <summary>Keeps a free-text cell from breaking the table.</summary>
    static string Escape(string cell) => cell.Replace("|", "\\|", StringComparison.Ordinal).Replace('\n', ' ');
}
