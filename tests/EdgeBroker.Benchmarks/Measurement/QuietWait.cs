using System.Diagnostics;
using EdgeBroker.Benchmarks.Brokers;

namespace EdgeBroker.Benchmarks.Measurement;

/// <summary>
/// Waits, after an unmeasured warm-up, until the broker process is quiet: at most <see cref="QuietShare"/> of one core
/// over <see cref="Window"/>, for at most <see cref="Limit"/>. What a warm-up sets going goes on after its last
/// message: .NET's tiered compilation recompiles the methods the warm-up made hot on a background thread (and starts
/// counting calls only once no new code has been compiled for 100 ms), Node's optimizing compiler does the same, and a
/// broker may have deferred work (commits, deletions). Measuring while that runs charges it to the first seconds of
/// the measured phase; a broker with nothing left to do (mosquitto) is quiet after one window. The same rule for every
/// broker, decided by the broker process's own CPU time, so other processes on a shared machine do not hold it up.
/// </summary>
public static class QuietWait
{
    /// <summary>The window the broker's CPU time is read over: long against the 10 ms clock tick.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMilliseconds(500);

    /// <summary>Quiet: at most this share of one core over a window (25 ms in 500 ms; an idle host's timers use about
    /// 1 ms, a background JIT compiling its queue a whole core).</summary>
    public const double QuietShare = 0.05;

    /// <summary>The longest the harness waits before it measures anyway (the progress log says so).</summary>
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    /// <summary>Returns once the broker is quiet or <see cref="Limit"/> has passed; the text says which, for the
    /// progress log.</summary>
    public static async Task<string> UntilQuietAsync(BrokerProcess broker, CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            var windowStart = Stopwatch.GetTimestamp();
            var cpuBefore = CpuSampler.ProcessCpuSeconds(broker.ProcessId);
            await Task.Delay(Window, cancellationToken).ConfigureAwait(false);
            broker.ThrowIfExited();
            var share = (CpuSampler.ProcessCpuSeconds(broker.ProcessId) - cpuBefore) / Stopwatch.GetElapsedTime(windowStart).TotalSeconds;
            if (share <= QuietShare)
            {
                return $"broker quiet after {waited.Elapsed.TotalMilliseconds:N0} ms";
            }

            if (waited.Elapsed >= Limit)
            {
                return $"broker not quiet after {waited.Elapsed.TotalMilliseconds:N0} ms (still {share:P0} of a core): measuring anyway";
            }
        }
    }
}
