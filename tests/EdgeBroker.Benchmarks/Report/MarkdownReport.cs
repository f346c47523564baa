using System.Globalization;
using System.Text;
using EdgeBroker.Benchmarks.Cases;
using EdgeBroker.Benchmarks.Stores;

namespace EdgeBroker.Benchmarks.Report;

/// <summary>
/// Renders a run as Markdown: the circumstances, the results table (one row per load case, ratios against mosquitto's
/// 1:1 pub/sub at the same QoS and durability, and the targets), a details table with everything needed to trust or
/// doubt a row (loss, duplicates, achieved rates, CPU taken by others), the stored-backlog and store-rate tables, and
/// any problem the brokers logged; with several rounds, the results and details of each round and then the medians
/// over them (<see cref="RoundsTable"/>). Every table can be pasted into the README as it is.
/// </summary>
public sealed class MarkdownReport(BenchmarkSettings settings, RunInfo run, IReadOnlyList<CaseResult> results, IReadOnlyList<StoreResult> storeResults,
    IReadOnlyList<RobustnessMeasurement> robustness)
{
    static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>What "durable" means for each broker: the durable rows compare different promises, and say so.</summary>
    const string DurabilityNote =
        "Durable rows: the two brokers do not promise the same thing. mosquitto with `persistence true` keeps its queues in memory " +
        "and writes the whole in-memory database to mosquitto.db only every `autosave_interval` (default 1800 s) and when it " +
        "exits (mosquitto.conf(5), `persistence` and `autosave_interval`), so the PUBACK of a queued message does not mean it " +
        "is on disk. EdgeBroker commits every QoS 1 message for a persistent session to SQLite before the PUBACK (group commit: " +
        "the messages of publishers waiting at the same time share a transaction; the deletion after the receiver's PUBACK " +
        "rides with a later one). By default WAL with synchronous = NORMAL, which survives a broker crash; an OS crash or " +
        "power loss can take back the last commits since the WAL is not synced on each commit; `SqliteSynchronous: Full` " +
        "(the -full cases) syncs every commit.";

    readonly TargetEvaluator _targets = new(results);

    /// <summary>The rows of the results and details tables: every case but the stored-backlog ones.</summary>
    readonly IReadOnlyList<CaseResult> _loadResults = results.Where(r => r.Case.Scenario == Scenario.Load).ToList();

    /// <summary>The load cases' results of the rounds after the first (<see cref="BenchmarkSettings.Rounds"/>), each in
    /// catalog order; empty when the load cases ran once.</summary>
    public IReadOnlyList<IReadOnlyList<CaseResult>> LaterRounds { get; init; } = [];

    /// <summary>The SVG chart of latency percentiles written beside the report (<see cref="LatencyChart"/>), or null.</summary>
    public string? LatencyChartFileName { get; init; }

    /// <summary>The uplink cases (bridges into an upstream), if any ran.</summary>
    public IReadOnlyList<UplinkResult> UplinkResults { get; init; } = [];

    /// <summary>The federation cases (P2P round trips through gateway tiers), if any ran.</summary>
    public IReadOnlyList<FederationResult> FederationResults { get; init; } = [];

    /// <summary>The Idle case's measurements, if it ran.</summary>
    public IReadOnlyList<IdleMeasurement> IdleResults { get; init; } = [];

    /// <summary>The Proxy case's measurements, if it ran.</summary>
    public IReadOnlyList<ProxyMeasurement> ProxyResults { get; init; } = [];

    public string Render()
    {
        var text = new StringBuilder();
        WriteHeader(text);
        if (_loadResults.Count > 0)
        {
            var rounds = 1 + LaterRounds.Count;
            var ofRounds = rounds > 1 ? $", round 1 of {rounds}" : "";
            WriteResults(text, _loadResults, _targets, "## Results" + ofRounds);
            if (LatencyChartFileName is { } chart)
            {
                text.AppendLine(Invariant, $"![Latency percentiles per case at {settings.LatencyRate:N0} msg/s{ofRounds}]({chart})").AppendLine();
            }

            WriteDetails(text, _loadResults, "## Details" + ofRounds);
            for (var i = 0; i < LaterRounds.Count; i++)
            {
                var round = LaterRounds[i];
                WriteResults(text, round, new TargetEvaluator(round), $"## Results, round {i + 2} of {rounds}");
                WriteDetails(text, round, $"## Details, round {i + 2} of {rounds}");
            }

            if (rounds > 1)
            {
                new RoundsTable([_loadResults, .. LaterRounds]).Write(text);
            }
        }

        new StoredBacklogTable(results, _targets).Write(text);
        new CrashTable(results).Write(text);
        new SlowConsumerTable(results).Write(text);
        new StoreRatesTable(storeResults).Write(text);
        new UplinkTable(UplinkResults).Write(text);
        new FederationTable(FederationResults).Write(text);
        new RobustnessTable(robustness).Write(text);
        new IdleTable(IdleResults).Write(text);
        new ProxyTable(ProxyResults).Write(text);
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

        if (_loadResults.Count > 0)
        {
            WriteLoadSettings(text);
        }

        if (results.Any(r => r.Case.Durable))
        {
            text.AppendLine("- Durable cases: the receivers have persistent sessions (clean session = 0), the publishers clean ones; a fresh data directory per case");
        }

        if (results.Any(r => r.Case.Scenario is Scenario.StoredBacklog or Scenario.Crash))
        {
            text.AppendLine(Invariant,
                $"- Stored-backlog and crash cases: {settings.BacklogMessages:N0} QoS 1 messages from {settings.Pairs} publishers to one away receiver, " +
                $"up to {settings.Window} publishes outstanding per publisher (crash cases: the broker is killed once half are acknowledged); " +
                $"stored-backlog cases first store and deliver {Math.Min(settings.BacklogWarmupMessages, settings.BacklogMessages):N0} unmeasured (warm-up, --backlog-warmup), " +
                $"{settings.BacklogWarmupRounds} time(s) (--backlog-warmup-rounds), each time until the broker is quiet; " +
                $"between the measured store and drain, the publishers leave and the broker is left until it is quiet");
        }

        foreach (var brokerSettings in run.BrokerSettings)
        {
            text.AppendLine(Invariant, $"- Broker settings, {brokerSettings}");
        }

        if (storeResults.Count > 0)
        {
            text.AppendLine(Invariant,
                $"- Store cases: in the harness process with BenchmarkDotNet, {settings.StoreWarmupIterations} warm-up + {settings.StoreIterations} measured " +
                $"iterations per operation, each on a new store holding {StoreBenchmarks.MessagesPerIteration} messages of one client " +
                $"({StoreBenchmarks.PayloadSize}-byte payloads); stores in {run.StoreLocation}");
        }

        foreach (var warning in run.Warnings)
        {
            text.AppendLine(Invariant, $"- **Warning:** {warning}");
        }

        text.AppendLine();
    }

    void WriteLoadSettings(StringBuilder text)
    {
        text.AppendLine(Invariant,
            $"- Load: {settings.Pairs} publisher→receiver pairs in the harness process (its own MQTT 3.1.1 load client, a thread per connection, one packet per send; clean sessions), " +
            $"{settings.PayloadSize}-byte payloads, up to {settings.Window} QoS 1 publishes awaiting their PUBACK per publisher");
        var idleUntilAge = settings.MinimumBrokerAge > TimeSpan.Zero
            ? string.Create(Invariant, $"then idle until the broker has run {settings.MinimumBrokerAge.TotalSeconds:0.#} s, ")
            : "";
        text.AppendLine(Invariant,
            $"- Phases per case (fresh broker each case): {settings.Warmup.TotalSeconds:0.#} s warm-up at full speed, then {settings.RateWarmup.TotalSeconds:0.#} s at " +
            $"{settings.LatencyRate:N0} msg/s, {idleUntilAge}then until the broker is quiet (not measured); " +
            $"throughput: {settings.Messages:N0} messages at full speed; latency: {settings.LatencyRate:N0} msg/s offered for {settings.LatencyDuration.TotalSeconds:0.#} s");
        text.AppendLine(Invariant,
            $"- Idle-subscriber cases: {settings.IdleConnections} connections × {settings.IdleSubscriptionsPerConnection} subscriptions = " +
            $"{settings.IdleConnections * settings.IdleSubscriptionsPerConnection:N0} subscriptions on bench/idle/<c>/<s>/state, never published to");
        if (LaterRounds.Count > 0)
        {
            text.AppendLine(Invariant,
                $"- Rounds: the load cases ran {1 + LaterRounds.Count} times (forward in odd rounds, backward in even ones, a fresh broker each case); " +
                $"every ratio is taken within one round, and \"Over the rounds\" gives each figure's median and each target ratio's median");
        }
    }

    void WriteResults(StringBuilder text, IReadOnlyList<CaseResult> loadResults, TargetEvaluator targets, string heading)
    {
        text.AppendLine(heading).AppendLine();
        text.AppendLine("| Case | Throughput (msg/s) | vs mosquitto | vs fastest peer | p50 (µs) | p99 (µs) | p99 vs mosquitto | p99 vs best peer | Broker CPU (µs/msg) | vs mosquitto | Broker CPU at fixed rate (µs/msg) | vs mosquitto | Lost | Others' CPU | Target met? |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var result in loadResults)
        {
            var name = result.Case.Title;
            if (!result.Succeeded)
            {
                text.AppendLine(Invariant, $"| {name} | failed: {MarkdownText.Cell(MarkdownText.FirstLine(result.Error ?? "unknown"))} (see Problems seen) | | | | | | | | | | | | | |");
                continue;
            }

            var baseline = targets.Find(CaseCatalog.MosquittoBaseline(result.Case));
            var peers = result.Case.Durable ? [] : targets.Peers(result.Case);
            var fastest = TargetEvaluator.Fastest(peers);
            var lowestP99 = TargetEvaluator.LowestP99(peers);
            var throughput = result.Throughput!;
            var latency = result.Latency!;
            text.AppendLine(Invariant,
                $"| {name} | {throughput.DeliveredPerSecond:N0} | {MarkdownText.Ratio(throughput.DeliveredPerSecond, baseline?.Throughput!.DeliveredPerSecond)} " +
                $"| {PeerRatio(throughput.DeliveredPerSecond, fastest, fastest?.Throughput!.DeliveredPerSecond)} " +
                $"| {latency.Latency.P50Microseconds:N0} | {latency.Latency.P99Microseconds:N0} | {MarkdownText.Ratio(latency.Latency.P99Microseconds, baseline?.Latency!.Latency.P99Microseconds)} " +
                $"| {PeerRatio(latency.Latency.P99Microseconds, lowestP99, lowestP99?.Latency!.Latency.P99Microseconds)} " +
                $"| {throughput.BrokerCpuMicrosecondsPerMessage:N1} | {MarkdownText.Ratio(throughput.BrokerCpuMicrosecondsPerMessage, baseline?.Throughput!.BrokerCpuMicrosecondsPerMessage)} " +
                $"| {latency.BrokerCpuMicrosecondsPerMessage:N1} | {MarkdownText.Ratio(latency.BrokerCpuMicrosecondsPerMessage, baseline?.Latency!.BrokerCpuMicrosecondsPerMessage)} " +
                $"| {throughput.Lost + latency.Lost:N0} | {MarkdownText.OthersShare(Math.Max(throughput.Cpu.OtherShareOfMachine, latency.Cpu.OtherShareOfMachine))} | {TargetCell(targets, result)} |");
        }

        text.AppendLine();
        text.AppendLine("Throughput: unique messages delivered per second in the throughput phase (first publish to last delivery). " +
                        "Latency: from the publisher's stamp before its send to the receiver's recv that brought the message, at the fixed offered rate. Broker CPU: the broker process's utime+stime " +
                        "(/proc/PID/stat) during the phase ÷ messages delivered, at full load (throughput phase) and at the fixed rate " +
                        "(latency phase). \"vs mosquitto\": this row ÷ mosquitto's 1:1 pub/sub at the same QoS, durable rows ÷ the durable mosquitto row (throughput: higher is " +
                        "better; latency and CPU: lower is better). \"vs fastest peer\" / \"p99 vs best peer\": this row ÷ the highest throughput / the lowest p99 " +
                        "among mosquitto, aedes and the plain MQTTnet server at the same QoS in this run (non-durable rows), with that peer named. Lost: sent but never delivered, both phases. Others' CPU: the larger share " +
                        "of the machine that other processes (not the broker, not the harness) used in either phase; ⚠ above " +
                        $"{MarkdownText.BusyMachineShare * 100:0}% marks a row measured on a busy machine, whose numbers and ratios are unreliable.");
        text.AppendLine();
        if (loadResults.Any(r => r.Case.Durable))
        {
            text.AppendLine(DurabilityNote).AppendLine();
        }
    }

    void WriteDetails(StringBuilder text, IReadOnlyList<CaseResult> loadResults, string heading)
    {
        text.AppendLine(heading).AppendLine();
        text.AppendLine("| Case | Phase | Sent / asked | Delivered | Lost | Duplicates | Misrouted | Publish failures | Time (s) | Achieved send rate (msg/s) | Harness CPU (µs/msg) | Others' CPU (% of machine) | Max latency (µs) | Broker log problems |");
        text.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var result in loadResults.Where(r => r.Succeeded))
        {
            WriteDetailRow(text, result, "throughput", result.Throughput!);
            WriteDetailRow(text, result, "latency", result.Latency!);
        }

        text.AppendLine();
        text.AppendLine("Others' CPU: machine busy time minus broker and harness during the phase, as a share of all cores — " +
                        "anything well above 0% means something else on the machine competed with the run. " +
                        "Misrouted: delivered to a receiver other than the addressed one (must be 0).");
        text.AppendLine();
        WriteShortfalls(text, loadResults);
    }

    /// <summary>Which receivers a phase's lost messages were meant for, and when what they did get arrived: a whole
    /// receiver's share missing reads differently from losses spread over all of them.</summary>
    static void WriteShortfalls(StringBuilder text, IReadOnlyList<CaseResult> loadResults)
    {
        var phases = loadResults.Where(r => r.Succeeded)
            .SelectMany(r => new[] { (r.Case.Id, Phase: "throughput", Measurement: r.Throughput!), (r.Case.Id, Phase: "latency", Measurement: r.Latency!) })
            .Where(p => p.Measurement.Shortfalls.Count > 0)
            .ToList();
        if (phases.Count == 0)
        {
            return;
        }

        static string Milliseconds(double? ms) => ms is { } value ? value.ToString("N0", Invariant) + " ms" : "never";

        text.AppendLine("Receivers short of their share (times after the phase's start; \"earlier phase\": late messages of the phase " +
                        "before, received during this one):").AppendLine();
        foreach (var (id, phase, measurement) in phases)
        {
            foreach (var s in measurement.Shortfalls)
            {
                text.AppendLine(Invariant,
                    $"- {id} {phase}: receiver {s.Pair} got {s.Delivered:N0} of {s.Expected:N0} (first {Milliseconds(s.FirstMilliseconds)}, " +
                    $"last {Milliseconds(s.LastMilliseconds)}); {s.Stale:N0} of an earlier phase (last {Milliseconds(s.LastStaleMilliseconds)})");
            }
        }

        text.AppendLine();
    }

    static void WriteDetailRow(StringBuilder text, CaseResult result, string phase, PhaseMeasurement measurement)
    {
        var othersShare = measurement.Cpu.OtherShareOfMachine * 100;
        var failures = measurement.PublishFailures == 0
            ? "0"
            : $"{measurement.PublishFailures:N0} ({MarkdownText.Cell(measurement.FirstPublishError ?? string.Empty)})";
        var completion = measurement.Completed ? string.Empty : " (stalled)";
        text.AppendLine(Invariant,
            $"| {result.Case.Id} | {phase} | {measurement.Sent:N0} / {measurement.Expected:N0} | {measurement.Delivered:N0}{completion} | {measurement.Lost:N0} " +
            $"| {measurement.Duplicates:N0} | {measurement.Misrouted + measurement.OutOfRange:N0} | {failures} | {measurement.ElapsedSeconds:N2} " +
            $"| {measurement.SentPerSecond:N0} | {measurement.HarnessCpuMicrosecondsPerMessage:N1} | {othersShare:N1} " +
            $"| {(phase == "latency" ? measurement.Latency.MaxMicroseconds.ToString("N0", Invariant) : "")} | {(phase == "throughput" ? result.BrokerProblemCount.ToString(Invariant) : "")} |");
    }

    void WriteProblems(StringBuilder text)
    {
        var rounds = 1 + LaterRounds.Count;
        var withProblems = results.Select(r => (Result: r, Round: 1))
            .Concat(LaterRounds.SelectMany((round, i) => round.Select(r => (Result: r, Round: i + 2))))
            .Where(r => r.Result.BrokerProblemCount > 0 || r.Result.Error is not null || r.Result.IdleConnectionsAtEnd is { } idle && idle != settings.IdleConnections)
            .ToList();
        var failedStores = storeResults.Where(r => r.Error is not null).ToList();
        if (withProblems.Count == 0 && failedStores.Count == 0)
        {
            return;
        }

        text.AppendLine("## Problems seen").AppendLine();
        foreach (var (result, round) in withProblems)
        {
            var id = rounds > 1 ? $"{result.Case.Id} (round {round})" : result.Case.Id;
            if (result.Error is not null)
            {
                // The first line says what happened; the rest (a dead broker's last output) goes in a code block.
                text.AppendLine(Invariant, $"- {id}: {MarkdownText.FirstLine(result.Error)}");
                var detail = result.Error[MarkdownText.FirstLine(result.Error).Length..].Trim('\n');
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
                text.AppendLine(Invariant, $"- {id}: only {connected} of {settings.IdleConnections} idle connections were still connected at the end");
            }

            if (result.BrokerProblemCount > 0)
            {
                text.AppendLine(Invariant, $"- {id}: the broker logged {result.BrokerProblemCount} problem line(s); the first ones:");
                text.AppendLine("  ```");
                foreach (var line in result.BrokerProblemLines)
                {
                    text.AppendLine("  " + line);
                }

                text.AppendLine("  ```");
            }
        }

        foreach (var store in failedStores)
        {
            text.AppendLine(Invariant, $"- {store.Case.Id}: {store.Error}");
        }

        text.AppendLine();
    }

    void WriteTargetsSummary(StringBuilder text)
    {
        var checks = _loadResults.SelectMany(_targets.Evaluate).ToList();
        if (checks.Count == 0)
        {
            return;
        }

        var met = checks.Count(c => c.Met == true);
        var missed = checks.Count(c => c.Met == false);
        var unavailable = checks.Count(c => c.Met is null);
        var which = LaterRounds.Count > 0 ? $" in round 1 (all rounds: \"Over the rounds\")" : "";
        text.AppendLine(Invariant, $"Targets{which}: {met} met, {missed} missed{(unavailable > 0 ? $", {unavailable} not checkable" : string.Empty)} (of {checks.Count}).");
    }


    /// <summary>"0.83× (Aedes)": the ratio to a peer's figure, naming the peer; "n/a" without one.</summary>
    static string PeerRatio(double value, CaseResult? peer, double? reference) =>
        peer is null ? "n/a" : $"{MarkdownText.Ratio(value, reference)} ({peer.Case.Broker})";

    static string TargetCell(TargetEvaluator targets, CaseResult result)
    {
        var checks = targets.Evaluate(result);
        if (checks.Count == 0)
        {
            return result.Case.Broker == BrokerKind.Mosquitto ? "baseline" : "reference (no target)";
        }

        return MarkdownText.Cell(string.Join("; ", checks));
    }
}
