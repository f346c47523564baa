namespace EdgeBroker.EndToEnd.Tests.Infrastructure;

/// <summary>The engines the shared suite runs against. Tests take the engine's name (serializable theory data, so each
/// engine shows up as its own test case) and start it with <see cref="StartAsync"/>.</summary>
public static class Engines
{
    public const string Host = "host";

    public static IReadOnlyList<string> Names => [Host];

    /// <summary>Every engine, for features all engines support.</summary>
    public static TheoryData<string> All => new() { Host };

    /// <summary>Engines that speak MQTT 5 (the firmware relay is MQTT 3.1.1 only).</summary>
    public static TheoryData<string> WithMqtt5 => new() { Host };

    /// <summary>Engines whose store survives a restart on the same data directory (<see cref="HostEngine.DataDirKey"/>).</summary>
    public static TheoryData<string> Durable => new() { Host };

    public static Task<RunningBroker> StartAsync(string engine, IDictionary<string, string?>? settings = null) => engine switch
    {
        Host => new HostEngine().StartAsync(settings),
        _ => throw new ArgumentOutOfRangeException(nameof(engine), engine, "unknown engine"),
    };
}
