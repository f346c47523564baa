using EdgeBroker.Benchmarks.Measurement;

namespace EdgeBroker.Benchmarks.Stores;

/// <summary>One store operation's cost per message, over the measured iterations.</summary>
/// <param name="Operation">The benchmark method: Write, Read or Remove.</param>
/// <param name="MeanNanoseconds">Mean time per message.</param>
/// <param name="StandardDeviationNanoseconds">Standard deviation of the iterations' per-message times.</param>
/// <param name="Iterations">Measured iterations.</param>
public sealed record StoreOperationResult(string Operation, double MeanNanoseconds, double StandardDeviationNanoseconds, int Iterations)
{
    public double PerSecond => MeanNanoseconds > 0 ? 1e9 / MeanNanoseconds : 0;

    public double MeanMicroseconds => MeanNanoseconds / 1000;

    /// <summary>Standard deviation as a share of the mean: how much the iterations disagreed.</summary>
    public double RelativeDeviation => MeanNanoseconds > 0 ? StandardDeviationNanoseconds / MeanNanoseconds : 0;
}

/// <summary>Everything measured for one store, or why it could not be.</summary>
public sealed record StoreResult(StoreCase Case)
{
    public IReadOnlyList<StoreOperationResult> Operations { get; init; } = [];

    /// <summary>CPU during the whole BenchmarkDotNet run (harness = the store's work, other = everything else).</summary>
    public CpuUsage? Cpu { get; init; }

    public string? Error { get; init; }

    public bool Succeeded => Error is null && Operations.Count > 0;

    public StoreOperationResult? Find(string operation) => Operations.FirstOrDefault(o => o.Operation == operation);
}
