using EdgeBroker.Benchmarks.Measurement;

namespace EdgeBroker.Benchmarks.Cases;

/// <summary>What one measured phase of a case produced.</summary>
/// <param name="Expected">Messages the publishers were asked to send.</param>
/// <param name="Sent">Messages the publishers actually handed to MQTTnet.</param>
/// <param name="Delivered">Unique messages the right receiver got.</param>
/// <param name="ElapsedSeconds">From the first publish to the last delivery.</param>
/// <param name="SendSeconds">From the first publish to the last publish (for the achieved offered rate).</param>
/// <param name="Completed">Whether every sent message arrived; false means the phase ended on a stall or time-out.</param>
/// <param name="Shortfalls">The receivers that did not get their whole share.</param>
public sealed record PhaseMeasurement(
    int Expected,
    int Sent,
    int Delivered,
    int Duplicates,
    int Misrouted,
    int OutOfRange,
    int PublishFailures,
    string? FirstPublishError,
    double ElapsedSeconds,
    double SendSeconds,
    bool Completed,
    CpuUsage Cpu,
    LatencySummary Latency,
    IReadOnlyList<ReceiverShortfall> Shortfalls)
{
    /// <summary>Sent but never delivered.</summary>
    public int Lost => Math.Max(0, Sent - Delivered);

    public double DeliveredPerSecond => ElapsedSeconds > 0 ? Delivered / ElapsedSeconds : 0;

    public double SentPerSecond => SendSeconds > 0 ? Sent / SendSeconds : 0;

    /// <summary>Broker CPU microseconds per delivered message.</summary>
    public double BrokerCpuMicrosecondsPerMessage => Cpu.BrokerMicrosecondsPer(Delivered);

    /// <summary>Harness (load client) CPU microseconds per delivered message.</summary>
    public double HarnessCpuMicrosecondsPerMessage => Cpu.HarnessMicrosecondsPer(Delivered);
}

/// <summary>
/// A receiver that did not get all of a phase's messages: how many it got and when (milliseconds after the phase
/// started; null when none came), and how many of an earlier phase it received meanwhile — a receiver whose share is
/// missing while late messages of the warm-up still reach it was served late by the broker; one that received nothing at
/// all had nothing sent to it, or did not read.
/// </summary>
public sealed record ReceiverShortfall(int Pair, int Delivered, int Expected, double? FirstMilliseconds, double? LastMilliseconds,
    int Stale, double? LastStaleMilliseconds);

/// <summary>Everything measured for one case, or why it could not be.</summary>
public sealed record CaseResult(BenchmarkCase Case)
{
    public PhaseMeasurement? Throughput { get; init; }

    public PhaseMeasurement? Latency { get; init; }

    /// <summary>For a stored-backlog case, its measurement.</summary>
    public StoredBacklogMeasurement? Backlog { get; init; }

    /// <summary>For a crash case, its measurement.</summary>
    public CrashMeasurement? Crash { get; init; }

    /// <summary>For a slow-consumer case, its measurement.</summary>
    public SlowConsumerMeasurement? SlowConsumer { get; init; }

    /// <summary>Problem lines the broker printed during the case (errors, warnings, dropped messages).</summary>
    public int BrokerProblemCount { get; init; }

    public IReadOnlyList<string> BrokerProblemLines { get; init; } = [];

    /// <summary>Idle connections still connected at the end, for idle-subscriber cases.</summary>
    public int? IdleConnectionsAtEnd { get; init; }

    /// <summary>Why the case did not finish, or null.</summary>
    public string? Error { get; init; }

    public bool Succeeded => Error is null && Case.Scenario switch
    {
        Scenario.StoredBacklog => Backlog is not null,
        Scenario.SlowConsumer => SlowConsumer is not null,
        Scenario.Crash => Crash is not null,
        _ => Throughput is not null && Latency is not null,
    };
}
