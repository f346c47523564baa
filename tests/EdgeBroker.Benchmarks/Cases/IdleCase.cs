using EdgeBroker.Benchmarks.Brokers;

namespace EdgeBroker.Benchmarks.Cases;

/// <summary>
/// The Idle case (issues #12 and #15): resident memory per idle connection, idle resident memory and what the broker
/// does while nothing happens (CPU time, context switches) of the host, the plain MQTTnet server it is built on and
/// mosquitto, at each of <see cref="BenchmarkSettings.IdleClientCounts"/>
/// (2,000 and 10,000) in the same run. Opt-in: selected only by <c>--cases idle</c> (10,000 clients need
/// <c>ulimit -n</c> above 10,100 for the harness and the broker).
/// </summary>
public static class IdleCase
{
    public const string Id = "idle";

    /// <summary>The brokers in report order; mosquitto is the baseline the ratios divide by.</summary>
    public static readonly BrokerKind[] Brokers = [BrokerKind.EdgeBroker, BrokerKind.MqttNetServer, BrokerKind.Mosquitto];

    public static bool IsSelected(IReadOnlyList<string> ids) =>
        ids.Any(id => string.Equals(id, Id, StringComparison.OrdinalIgnoreCase));
}
