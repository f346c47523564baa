using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace EdgeBroker.Host.Runtime;

/// <summary>
/// Gives the garbage collector's slack back to the operating system once the broker has grown and gone quiet. A burst
/// of connections leaves garbage from their set-up (CONNECT handling, session and store look-ups) that no collection
/// reclaims while the connections sit idle, because idle connections allocate almost nothing: measured with 2,000
/// idle clients, the resident memory per connection was twice the live managed memory (docs/performance.md, "Idle
/// connections"). One blocking, compacting, aggressive collection after a few quiet seconds returns it. It runs only
/// when the resident memory grew by <see cref="GrowthBeforeTrim"/> since the last trim and the broker has been quiet
/// (<see cref="QuietSpell"/>: little allocated, little CPU used) for <see cref="QuietSecondsBeforeTrim"/> seconds, so a
/// busy broker is never paused by it and a steady one trims once. The same quiet moment trims the C library's malloc
/// arenas (<see cref="NativeHeapTrim"/>), where the runtime's own native allocations leave slack no collection
/// reaches. The GC's own gen0 settings that would bound the slack (<c>GCgen0size</c>) are read from environment
/// variables only, not from runtimeconfig.json.
/// </summary>
sealed class HeapTrim
{
    const int QuietSecondsBeforeTrim = 5;

    /// <summary>Resident growth since the last trim that makes another worth a pause (a full collection of a heap
    /// of 10,000 connections takes tens of milliseconds). 2,000 idle connections grow it by about 9 MB: at 16 MB they
    /// kept their set-up garbage (6.1 KB per connection resident instead of 3.4, docs/performance.md).</summary>
    const long GrowthBeforeTrim = 4 << 20;

    readonly QuietSpell _quiet = new(GC.GetTotalAllocatedBytes(), Environment.CpuUsage.TotalTime);
    readonly ResidentMemory _resident = new();
    long _residentAfterTrim;

    public HeapTrim() => _residentAfterTrim = _resident.Bytes();

    /// <summary>Called once a second; when it trimmed, the resident bytes before and after and how long the
    /// collection paused the broker, else null.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public (long Before, long After, TimeSpan Pause)? Tick()
    {
        _quiet.Tick(GC.GetTotalAllocatedBytes(), Environment.CpuUsage.TotalTime);
        var resident = _resident.Bytes();
        if (_quiet.Seconds < QuietSecondsBeforeTrim || resident - _residentAfterTrim < GrowthBeforeTrim)
        {
            return null;
        }

        var pause = Stopwatch.StartNew();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        NativeHeapTrim.Trim();
        pause.Stop();
        _residentAfterTrim = _resident.Bytes();
        _quiet.Restart(GC.GetTotalAllocatedBytes(), Environment.CpuUsage.TotalTime);
        return (resident, _residentAfterTrim, pause.Elapsed);
    }
}
