using EdgeBroker.Benchmarks.Brokers;

namespace EdgeBroker.Benchmarks.Cases;

/// <summary>
/// The Robustness case (issue #12): for the host, the emulator and mosquitto in the same run, the broker's memory
/// before and after the malformed-input mix, and its idle memory and bytes per idle connection. Selected with
/// <c>--cases robustness</c> or in a full run.
/// </summary>
public static class RobustnessCase
{
    public const string Id = "robustness";

    public const string Title = "Robustness: memory under malformed input and per idle connection";

    /// <summary>Connections of the malformed mix, and how many at a time (the attack).</summary>
    public const int MixConnections = 300;

    public const int MixBatch = 50;

    /// <summary>The brokers in report order; mosquitto is the baseline the ratios divide by.</summary>
    public static readonly BrokerKind[] Brokers = [BrokerKind.EdgeBroker, BrokerKind.Emulator, BrokerKind.Mosquitto];

    public static bool IsSelected(IReadOnlyList<string> ids) =>
        ids.Count == 0 || ids.Any(id => string.Equals(id, Id, StringComparison.OrdinalIgnoreCase));
}

/// <summary>What the Robustness case measured on one broker.</summary>
/// <param name="MixBefore">Resident bytes after a warm-up round of the mix, before the measured one.</param>
/// <param name="MixAfter">Resident bytes once settled after the mix (or after the settling time).</param>
/// <param name="Idle">The idle clients' cost, on a fresh broker.</param>
public sealed record RobustnessMeasurement(BrokerKind Broker, string BrokerName, long MixBefore, long MixAfter, IdleMeasurement Idle);
