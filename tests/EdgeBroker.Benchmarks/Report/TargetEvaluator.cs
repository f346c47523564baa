using EdgeBroker.Benchmarks.Cases;

namespace EdgeBroker.Benchmarks.Report;

/// <summary>One target of the issue checked against one case: met, missed, or not checkable (a row it needs failed
/// or was not run).</summary>
public sealed record TargetCheck(string Name, bool? Met, string Detail)
{
    public override string ToString() => $"{Name}: {(Met is null ? "n/a" : Met.Value ? "yes" : "NO")} ({Detail})";
}

/// <summary>
/// The issue's targets, applied to the rows they are about:
/// P2P (QoS 0 and 1) against mosquitto's 1:1 pub/sub at the same QoS — throughput at least 1.5x, broker CPU per
/// message no higher (at full load and at the fixed rate), p99 latency at the fixed rate no higher — and against
/// EdgeBroker's own pub/sub (CPU per message lower, at both loads); idle-subscriber rows against the same case
/// without them (throughput within 10%). Pub/sub and mosquitto rows are the references and carry no target, and so
/// do the durable-storage cases: the storage issue asks for their ratios to mosquitto, not for a target.
/// </summary>
public sealed class TargetEvaluator(IReadOnlyList<CaseResult> results)
{
    public const double P2PThroughputFactor = 1.5;
    public const double IdleThroughputTolerance = 0.10;

    public IReadOnlyList<TargetCheck> Evaluate(CaseResult result)
    {
        var @case = result.Case;
        if (@case.Broker != BrokerKind.EdgeBroker || @case.Durable)
        {
            return [];
        }

        if (@case.WithIdleSubscribers)
        {
            return [IdleThroughput(result)];
        }

        if (@case.Routing != RoutingMode.PointToPoint)
        {
            return [];
        }

        var baseline = Find(CaseCatalog.MosquittoBaseline(@case));
        return
        [
            ThroughputVersusMosquitto(result, baseline),
            CpuVersus(result, baseline, "CPU/msg ≤ mosquitto", CaseCatalog.MosquittoBaseline(@case), strictlyLower: false),
            P99VersusMosquitto(result, baseline),
            CpuVersus(result, Find(CaseCatalog.PubSubCounterpart(@case)), "P2P CPU/msg < EdgeBroker pub/sub",
                CaseCatalog.PubSubCounterpart(@case), strictlyLower: true),
        ];
    }

    /// <summary>The row <paramref name="case"/> produced, when it ran and finished.</summary>
    public CaseResult? Find(BenchmarkCase? @case) =>
        @case is null ? null : results.FirstOrDefault(r => r.Case == @case && r.Succeeded);

    TargetCheck ThroughputVersusMosquitto(CaseResult result, CaseResult? baseline)
    {
        const string name = "throughput ≥ 1.5× mosquitto";
        if (baseline is null || !result.Succeeded)
        {
            return Unavailable(name, result, CaseCatalog.MosquittoBaseline(result.Case));
        }

        var ratio = result.Throughput!.DeliveredPerSecond / baseline.Throughput!.DeliveredPerSecond;
        return new TargetCheck(name, ratio >= P2PThroughputFactor, $"{ratio:0.00}×");
    }

    TargetCheck P99VersusMosquitto(CaseResult result, CaseResult? baseline)
    {
        const string name = "p99 ≤ mosquitto";
        if (baseline is null || !result.Succeeded)
        {
            return Unavailable(name, result, CaseCatalog.MosquittoBaseline(result.Case));
        }

        var ratio = result.Latency!.Latency.P99Microseconds / baseline.Latency!.Latency.P99Microseconds;
        return new TargetCheck(name, ratio <= 1.0, $"{ratio:0.00}×");
    }

    /// <summary>Broker CPU per message against another row, at full load (throughput phase) and at the fixed rate
    /// (latency phase); met only when both hold, since a broker could win one by batching and lose the other.</summary>
    static TargetCheck CpuVersus(CaseResult result, CaseResult? reference, string name, BenchmarkCase? referenceCase, bool strictlyLower)
    {
        if (reference is null || !result.Succeeded)
        {
            return Unavailable(name, result, referenceCase);
        }

        var atFullLoad = result.Throughput!.BrokerCpuMicrosecondsPerMessage / reference.Throughput!.BrokerCpuMicrosecondsPerMessage;
        var atFixedRate = result.Latency!.BrokerCpuMicrosecondsPerMessage / reference.Latency!.BrokerCpuMicrosecondsPerMessage;
        bool Holds(double ratio) => strictlyLower ? ratio < 1.0 : ratio <= 1.0;
        return new TargetCheck(name, Holds(atFullLoad) && Holds(atFixedRate), $"{atFullLoad:0.00}× full load, {atFixedRate:0.00}× at fixed rate");
    }

    TargetCheck IdleThroughput(CaseResult result)
    {
        const string name = "throughput within 10% of no idle subscribers";
        var withoutCase = CaseCatalog.WithoutIdleSubscribers(result.Case);
        var without = Find(withoutCase);
        if (without is null || !result.Succeeded)
        {
            return Unavailable(name, result, withoutCase);
        }

        var ratio = result.Throughput!.DeliveredPerSecond / without.Throughput!.DeliveredPerSecond;
        return new TargetCheck(name, ratio >= 1.0 - IdleThroughputTolerance, $"{ratio:0.00}×");
    }

    static TargetCheck Unavailable(string name, CaseResult result, BenchmarkCase? missing) =>
        new(name, null, result.Succeeded ? $"{missing?.Id ?? "reference"} not run or failed" : "this case failed");
}
