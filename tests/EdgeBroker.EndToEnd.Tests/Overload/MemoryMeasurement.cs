namespace EdgeBroker.EndToEnd.Tests.Overload;

/// <summary>Tests that measure the test process's managed heap (the brokers run in it) run alone, after the parallel
/// ones: other tests allocating meanwhile would be counted as the broker's.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryMeasurement
{
    public const string Name = "memory measurement";
}
