using System.Runtime.CompilerServices;

namespace EdgeBroker.Host.Runtime;

/// <summary>
/// Counts the seconds in a row in which the broker was quiet: it allocated less than <see cref="QuietBytesPerSecond"/>
/// and used less than <see cref="QuietCpuPerSecond"/> of CPU. <see cref="HeapTrim"/> pauses the broker only after such
/// a spell, so a busy one is never paused by it. Allocation alone does not tell: a routed message costs the host a few
/// bytes, so a broker routing 8,000 a second allocated less than the limit and was trimmed in the middle of its
/// traffic. Fed the process's totals by its caller, so the rule can be tested without a process to drive.
/// </summary>
sealed class QuietSpell(long allocatedBytes, TimeSpan cpuTime)
{
    /// <summary>Allocation below this in one second counts as quiet.</summary>
    public const long QuietBytesPerSecond = 1 << 20;

    /// <summary>CPU time below this in one second counts as quiet: an idle broker with 10,000 idle clients used 0–10 ms
    /// a second, one routing 8,000 messages a second 28–50 ms.</summary>
    public static readonly TimeSpan QuietCpuPerSecond = TimeSpan.FromMilliseconds(20);

    long _allocatedAtLastTick = allocatedBytes;
    TimeSpan _cpuAtLastTick = cpuTime;

    /// <summary>Quiet seconds in a row up to the last <see cref="Tick"/>.</summary>
    public int Seconds { get; private set; }

    /// <summary>A second has passed; <paramref name="allocatedBytes"/> and <paramref name="cpuTime"/> are the
    /// process's totals now.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Tick(long allocatedBytes, TimeSpan cpuTime)
    {
        var quiet = allocatedBytes - _allocatedAtLastTick < QuietBytesPerSecond && cpuTime - _cpuAtLastTick < QuietCpuPerSecond;
        Seconds = quiet ? Seconds + 1 : 0;
        _allocatedAtLastTick = allocatedBytes;
        _cpuAtLastTick = cpuTime;
    }

    /// <summary>Starts a new spell from these totals: after a trim, whose own collection must not count against it.</summary>
    public void Restart(long allocatedBytes, TimeSpan cpuTime)
    {
        _allocatedAtLastTick = allocatedBytes;
        _cpuAtLastTick = cpuTime;
        Seconds = 0;
    }
}
