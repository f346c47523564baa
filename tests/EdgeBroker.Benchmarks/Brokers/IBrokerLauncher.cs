using EdgeBroker.Benchmarks.Cases;

namespace EdgeBroker.Benchmarks.Brokers;

/// <summary>Knows how to find and start one broker implementation; <see cref="BrokerProcess"/> does the running.</summary>
public interface IBrokerLauncher
{
    BrokerKind Kind { get; }

    /// <summary>Short name for messages, e.g. "mosquitto".</summary>
    string Name { get; }

    /// <summary>Name and version for the report, e.g. "mosquitto 2.0.11".</summary>
    string Description { get; }

    /// <summary>Throws <see cref="BenchmarkSetupException"/> saying how to build or install the broker when it is
    /// missing, so a run fails at the start instead of half-way.</summary>
    void EnsureAvailable();

    /// <summary>How to start the broker listening on 127.0.0.1:<paramref name="port"/>. The working directory is
    /// set by <see cref="BrokerProcess"/>.</summary>
    System.Diagnostics.ProcessStartInfo StartInfo(int port);

    /// <summary>Whether a line the broker printed reports a problem (error, warning, dropped messages) that the
    /// report must show next to the numbers.</summary>
    bool IsProblemLine(string line);
}
