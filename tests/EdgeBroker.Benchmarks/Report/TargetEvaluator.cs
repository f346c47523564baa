using EdgeBroker.Benchmarks.Cases;

namespace EdgeBroker.Benchmarks.Report;

/// <summary>One target of the issue checked against one case: met, missed, or not checkable (a row it needs failed
/// or was not run).</summary>
public sealed record TargetCheck(string Name, bool? Met, string Detail)
{
    public override string ToString() => $"{Name}: {(Met is null ? "n/a" : Met.Value ? "yes" : "NO")} ({Detail})";
}

/// <summary>
/// Issue #15's targets, applied to the EdgeBroker host's rows (P2P and 1:1 pub/sub, QoS 0 and 1): throughput at least
/// 1.5× the fastest peer's in the same run (mosquitto, aedes and the plain MQTTnet server at the same QoS), broker CPU
/// per message at most 0.75× mosquitto's (at full load and at the fixed rate), p99 at the fixed rate no higher than the
/// best peer's; P2P rows also against EdgeBroker's own pub/sub (CPU per message lower, at both loads). Idle-subscriber
/// rows against the same case without them (throughput within 10%). The peers, the emulator and the durable-storage
/// cases carry no target: the issue asks for their figures and ratios, not for a bound.
/// </summary>
public sealed class TargetEvaluator(IReadOnlyList<CaseResult> results)
{
    public const double ThroughputFactor = 1.5;
    public const double CpuFactor = 0.75;
    public const double IdleThroughputTolerance = 0.10;

    /// <summary>Whether a row's throughput ÷ the fastest peer's meets the target.</summary>
    public static bool MeetsThroughput(double ratioToFastestPeer) => ratioToFastestPeer >= ThroughputFactor;

    /// <summary>Whether a row's CPU per message ÷ mosquitto's (at either load) meets the target.</summary>
    public static bool MeetsCpu(double ratioToMosquitto) => ratioToMosquitto <= CpuFactor;

    /// <summary>Whether a row's p99 at the fixed rate ÷ the best peer's meets the target.</summary>
    public static bool MeetsP99(double ratioToBestPeer) => ratioToBestPeer <= 1.0;

    public IReadOnlyList<TargetCheck> Evaluate(CaseResult result)
    {
        var @case = result.Case;
        if (@case.Broker != BrokerKind.EdgeBroker || @case.Durable || @case.Scenario != Scenario.Load)
        {
            return [];
        }

        if (!HasPeerTargets(@case))
        {
            return [IdleThroughput(result)];
        }

        var checks = new List<TargetCheck>
        {
            ThroughputVersusFastestPeer(result),
            CpuVersus(result, Find(CaseCatalog.MosquittoBaseline(@case)), $"CPU/msg ≤ {CpuFactor:0.00}× mosquitto", CaseCatalog.MosquittoBaseline(@case), MeetsCpu),
            P99VersusBestPeer(result),
        };
        if (@case.Routing == RoutingMode.PointToPoint)
        {
            checks.Add(CpuVersus(result, Find(CaseCatalog.PubSubCounterpart(@case)), "P2P CPU/msg < EdgeBroker pub/sub",
                CaseCatalog.PubSubCounterpart(@case), ratio => ratio < 1.0));
        }

        return checks;
    }

    /// <summary>Whether <paramref name="case"/> is one of the host's rows measured against the peers (throughput, CPU per
    /// message, p99): a non-durable load case without idle subscribers.</summary>
    public static bool HasPeerTargets(BenchmarkCase @case) =>
        @case is { Broker: BrokerKind.EdgeBroker, Durable: false, Scenario: Scenario.Load, WithIdleSubscribers: false };

    /// <summary>The peers' rows in this run comparable with <paramref name="case"/>: mosquitto, aedes and the plain
    /// MQTTnet server under the same load at the same QoS (their 1:1 pub/sub; they have no P2P).</summary>
    public IReadOnlyList<CaseResult> Peers(BenchmarkCase @case) =>
        results.Where(r => r.Succeeded && r.Case.Broker is BrokerKind.Mosquitto or BrokerKind.Aedes or BrokerKind.MqttNetServer
                           && r.Case.Scenario == Scenario.Load && !r.Case.Durable && !r.Case.WithIdleSubscribers
                           && r.Case.Qos == @case.Qos).ToList();

    /// <summary>The peer row with the highest throughput, or null when no peer ran.</summary>
    public static CaseResult? Fastest(IReadOnlyList<CaseResult> peers) =>
        peers.MaxBy(p => p.Throughput!.DeliveredPerSecond);

    /// <summary>The peer row with the lowest p99 at the fixed rate, or null when no peer ran.</summary>
    public static CaseResult? LowestP99(IReadOnlyList<CaseResult> peers) =>
        peers.MinBy(p => p.Latency!.Latency.P99Microseconds);

    /// <summary>The row <paramref name="case"/> produced, when it ran and finished.</summary>
    public CaseResult? Find(BenchmarkCase? @case) =>
        @case is null ? null : results.FirstOrDefault(r => r.Case == @case && r.Succeeded);

    /// <summary>The row's throughput ÷ the fastest peer's in this run, with that peer; null when either is missing.</summary>
    public (double Ratio, CaseResult Peer)? ThroughputRatio(CaseResult result) =>
        result.Succeeded && Fastest(Peers(result.Case)) is { } fastest
            ? (result.Throughput!.DeliveredPerSecond / fastest.Throughput!.DeliveredPerSecond, fastest)
            : null;

    /// <summary>The row's p99 at the fixed rate ÷ the lowest peer p99 in this run, with that peer; null when either
    /// is missing.</summary>
    public (double Ratio, CaseResult Peer)? P99Ratio(CaseResult result) =>
        result.Succeeded && LowestP99(Peers(result.Case)) is { } best
            ? (result.Latency!.Latency.P99Microseconds / best.Latency!.Latency.P99Microseconds, best)
            : null;

    /// <summary>The row's broker CPU per message ÷ mosquitto's at the same QoS in this run, at full load and at the
    /// fixed rate; null when either is missing.</summary>
    public (double AtFullLoad, double AtFixedRate)? CpuRatiosToMosquitto(CaseResult result) =>
        CpuRatios(result, Find(CaseCatalog.MosquittoBaseline(result.Case)));

    static (double AtFullLoad, double AtFixedRate)? CpuRatios(CaseResult result, CaseResult? reference) =>
        reference is null || !result.Succeeded
            ? null
            : (result.Throughput!.BrokerCpuMicrosecondsPerMessage / reference.Throughput!.BrokerCpuMicrosecondsPerMessage,
                result.Latency!.BrokerCpuMicrosecondsPerMessage / reference.Latency!.BrokerCpuMicrosecondsPerMessage);

    TargetCheck ThroughputVersusFastestPeer(CaseResult result)
    {
        var name = $"throughput ≥ {ThroughputFactor:0.0}× fastest peer";
        return ThroughputRatio(result) is { } ratio
            ? new TargetCheck(name, MeetsThroughput(ratio.Ratio), $"{ratio.Ratio:0.00}× {ratio.Peer.Case.Broker}")
            : Unavailable(name, result, null);
    }

    TargetCheck P99VersusBestPeer(CaseResult result)
    {
        const string name = "p99 ≤ best peer";
        return P99Ratio(result) is { } ratio
            ? new TargetCheck(name, MeetsP99(ratio.Ratio), $"{ratio.Ratio:0.00}× {ratio.Peer.Case.Broker}")
            : Unavailable(name, result, null);
    }

    /// <summary>Broker CPU per message ÷ another row's, at full load (throughput phase) and at the fixed rate (latency
    /// phase); met only when <paramref name="holds"/> for both, since a broker could win one by batching and lose the
    /// other.</summary>
    static TargetCheck CpuVersus(CaseResult result, CaseResult? reference, string name, BenchmarkCase? referenceCase, Func<double, bool> holds)
    {
        if (CpuRatios(result, reference) is not { } ratios)
        {
            return Unavailable(name, result, referenceCase);
        }

        var (atFullLoad, atFixedRate) = ratios;
        return new TargetCheck(name, holds(atFullLoad) && holds(atFixedRate), $"{atFullLoad:0.00}× full load, {atFixedRate:0.00}× at fixed rate");
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
        new(name, null, result.Succeeded ? $"{missing?.Id ?? "no peer"} not run or failed" : "this case failed");
}
