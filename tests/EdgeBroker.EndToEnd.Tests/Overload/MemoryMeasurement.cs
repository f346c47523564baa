namespace EdgeBroker.EndToEnd.Tests.Overload;

/// <summary>Tests that measure the test process's managed heap (the brokers run in it) run alone, after the parallel
/// ones: other tests allocating meanwhile would be counted as the broker's.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryMeasurement
{
    public const string Name = "memory measurement";

    /// <summary>Readings this close in a row mean the heap has settled: 0.2 B a will in <see cref="WillFootprintTests"/>,
    /// whose largest will measures within 2 B of its bound.</summary>
    const long SettledWithinBytes = 4 * 1024;

    /// <summary>
    /// The live managed heap once garbage is gone and no more is going. <c>GC.GetTotalMemory(true)</c> stops once two
    /// readings are within 5 % — 40 MB on the heap a thousand earlier tests leave — and what earlier tests left to a
    /// finalizer or to the shared array pools' trim (run on full collections) goes only in a later collection: a will
    /// measured between such readings once came out at −2 KB. Collects until two readings in a row agree.
    /// </summary>
    public static long SettledHeapBytes()
    {
        var previous = long.MaxValue;
        for (var attempt = 0; attempt < 20; attempt++)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            var now = GC.GetTotalMemory(forceFullCollection: false);
            if (Math.Abs(previous - now) < SettledWithinBytes)
            {
                return now;
            }

            previous = now;
        }

        return previous;
    }
}
