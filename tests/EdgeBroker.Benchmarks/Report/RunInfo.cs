namespace EdgeBroker.Benchmarks.Report;

/// <summary>The circumstances of a run, printed above the tables.</summary>
public sealed record RunInfo(
    DateTimeOffset Started,
    TimeSpan Duration,
    string Machine,
    IReadOnlyList<string> Brokers,
    string LoadAverageBefore,
    string LoadAverageAfter,
    IReadOnlyList<string> Warnings);
