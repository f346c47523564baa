namespace EdgeBroker.Relay.Tests.Measurements;

/// <summary>Memory figures are process-wide: measurement tests run alone, after every other test of the assembly.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MeasurementCollection
{
    public const string Name = "Measurements";
}
