using System.Diagnostics;

namespace EdgeBroker.Benchmarks.Measurement;

/// <summary>
/// End-to-end latencies of one receiver in one phase, in Stopwatch ticks (publisher and receiver are in the same
/// process, so their Stopwatch clocks are the same clock). Preallocated to the phase's expected message count so
/// recording never allocates on the receive path; only one MQTTnet receive loop writes to it.
/// </summary>
public sealed class LatencyRecorder(int capacity)
{
    readonly long[] _samples = new long[capacity];
    int _count;

    public int Count => Volatile.Read(ref _count);

    /// <summary>Records the latency of a message stamped <paramref name="sentTimestamp"/> and received at
    /// <paramref name="receivedTimestamp"/>. The receiver records each sequence number once, so the capacity (the
    /// phase's message count) is never exceeded; the check only keeps a harness bug from throwing on the receive path.</summary>
    public void Record(long sentTimestamp, long receivedTimestamp)
    {
        if (_count < _samples.Length)
        {
            _samples[_count] = receivedTimestamp - sentTimestamp;
            Volatile.Write(ref _count, _count + 1);
        }
    }

    /// <summary>Percentiles over the samples of several recorders (all receivers of a phase).</summary>
    public static LatencySummary Summarize(IEnumerable<LatencyRecorder> recorders)
    {
        var all = recorders.SelectMany(recorder => recorder._samples.Take(recorder.Count)).ToArray();
        if (all.Length == 0)
        {
            return LatencySummary.Empty;
        }

        Array.Sort(all);
        return new LatencySummary(all.Length, ToMicroseconds(Percentile(all, 0.50)), ToMicroseconds(Percentile(all, 0.99)),
            ToMicroseconds(all[^1]))
        {
            P90Microseconds = ToMicroseconds(Percentile(all, 0.90)),
            P999Microseconds = ToMicroseconds(Percentile(all, 0.999)),
        };
    }

    /// <summary>Nearest-rank percentile: the smallest sample at or below which <paramref name="fraction"/> of the
    /// samples lie.</summary>
    static long Percentile(long[] sorted, double fraction) =>
        sorted[Math.Clamp((int)Math.Ceiling(fraction * sorted.Length) - 1, 0, sorted.Length - 1)];

    static double ToMicroseconds(long ticks) => ticks * 1_000_000.0 / Stopwatch.Frequency;
}

/// <summary>Latency percentiles of a phase in microseconds.</summary>
public readonly record struct LatencySummary(int Samples, double P50Microseconds, double P99Microseconds, double MaxMicroseconds)
{
    public static LatencySummary Empty => new(0, double.NaN, double.NaN, double.NaN) { P90Microseconds = double.NaN, P999Microseconds = double.NaN };

    public double P90Microseconds { get; init; }

    /// <summary>The 99.9th percentile: with 80,000 samples (8,000 msg/s for 10 s), the 80th slowest message.</summary>
    public double P999Microseconds { get; init; }
}
