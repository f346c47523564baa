namespace EdgeBroker.EndToEnd.Tests.Infrastructure;

/// <summary>
/// One way of running EdgeBroker for the black-box suite. Every test class takes the engine as a parameter, so the
/// same tests run against each engine that supports the feature (the host today; the firmware emulator joins with the
/// firmware issue).
/// </summary>
public abstract class BrokerEngine
{
    public abstract string Name { get; }

    /// <summary>Starts a fresh broker on a free loopback port.</summary>
    public abstract Task<RunningBroker> StartAsync(IDictionary<string, string?>? settings = null);

    public override string ToString() => Name;
}

/// <summary>A broker started for one test; disposing it stops it.</summary>
public abstract class RunningBroker : IAsyncDisposable
{
    public string Host => "127.0.0.1";

    /// <summary>The plain MQTT port; 0 when the broker was started with its plain listener off.</summary>
    public abstract int Port { get; }

    /// <summary>The MQTT over TLS port, or 0 when the broker was started without TLS (only the host has TLS).</summary>
    public virtual int TlsPort => 0;

    /// <summary>The MQTT over WebSocket port, or 0 when the broker was started without one (only the host has one).</summary>
    public virtual int WebSocketPort => 0;

    /// <summary>Base address of the engine's HTTP API, or null when it has none (only the host has one).</summary>
    public virtual Uri? HttpBaseAddress => null;

    /// <summary>What the broker's routing core counted (drops, refusals), read in process; null for a broker in its
    /// own process.</summary>
    public virtual EdgeBroker.Core.Routing.RoutingCounters? Counters => null;

    /// <summary>The broker's routing core, for tests that inject a fault through its callbacks; null for a broker in
    /// its own process.</summary>
    public virtual EdgeBroker.Core.BrokerCore? Core => null;

    /// <summary>The broker's authentication and access control, for tests that look at whom it holds as connected; null
    /// for a broker in its own process.</summary>
    public virtual EdgeBroker.Core.Security.BrokerSecurity? Security => null;

    /// <summary>The warnings and errors the broker logged so far (with the exception, if any), for tests that check what
    /// is logged; empty for a broker in its own process.</summary>
    public virtual IReadOnlyList<string> LoggedProblems => [];

    /// <summary>Whether a client with this ID is connected now (to wait for third-party clients that print nothing).</summary>
    public abstract bool IsConnected(string clientId);

    public abstract ValueTask DisposeAsync();
}
