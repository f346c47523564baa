namespace EdgeBroker.Benchmarks.Report;

/// <summary>The circumstances of a run, printed above the tables.</summary>
public sealed record RunInfo(
    DateTimeOffset Started,
    TimeSpan Duration,
    string Machine,
    IReadOnlyList<string> Brokers,
    string LoadAverageBefore,
    string LoadAverageAfter,
    IReadOnlyList<string> Warnings)
{
    /// <summary>"case id: what its broker ran with", for every case whose broker did not run as shipped.</summary>
    public IReadOnlyList<string> BrokerSettings { get; init; } = [];

    /// <summary>Where the store cases put their files, and on which file system.</summary>
    public string StoreLocation { get; init; } = "the temp directory";
}
