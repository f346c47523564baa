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

    /// <summary>How to start the broker listening on 127.0.0.1:<paramref name="port"/> as <paramref name="profile"/>
    /// asks. <paramref name="scratch"/> is the broker's empty working directory, deleted after the case: data and
    /// configuration files go there.</summary>
    System.Diagnostics.ProcessStartInfo StartInfo(int port, BrokerProfile profile, DirectoryInfo scratch);

    /// <summary>What <paramref name="profile"/> changes from the shipped settings, for the report.</summary>
    string Describe(BrokerProfile profile);

    /// <summary>Whether a line the broker printed reports a problem (error, warning, dropped messages) that the
    /// report must show next to the numbers.</summary>
    bool IsProblemLine(string line);
}
