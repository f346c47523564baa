using EdgeBroker.Benchmarks.Brokers;

namespace EdgeBroker.Benchmarks.Measurement;

/// <summary>
/// A broker's settled resident memory: after a wait, <see cref="Readings"/> readings of VmRSS
/// <see cref="Interval"/> apart, and their median. One reading is not enough: an idle host's resident size still
/// steps by 1–4 MB within seconds of its heap trim (the GC gives regions back after the trim's collection, then the
/// idle broker's small garbage fills gen0 again), so with 2,000 idle clients a single reading 10 s after their arrival
/// gave 2,318–4,135 B per connection for one build, depending on which side of a step it fell (docs/performance.md,
/// "Idle bytes at 2,000 clients: the reading, not the broker").
/// </summary>
public static class SettledResident
{
    /// <summary>Odd, so the median is one of the readings.</summary>
    public const int Readings = 9;

    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    /// <summary>Waits <paramref name="wait"/>, then reads the broker's resident size <see cref="Readings"/> times.</summary>
    public static async Task<ResidentReadings> ReadAsync(BrokerProcess broker, TimeSpan wait, CancellationToken cancellationToken)
    {
        await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
        var readings = new long[Readings];
        for (var i = 0; i < Readings; i++)
        {
            if (i > 0)
            {
                await Task.Delay(Interval, cancellationToken).ConfigureAwait(false);
            }

            broker.ThrowIfExited();
            readings[i] = ResidentMemory.Of(broker.ProcessId);
        }

        Array.Sort(readings);
        return new ResidentReadings(readings[Readings / 2], readings[0], readings[^1]);
    }
}

/// <summary>Resident bytes over several readings: their median, lowest and highest.</summary>
public readonly record struct ResidentReadings(long Median, long Lowest, long Highest);
