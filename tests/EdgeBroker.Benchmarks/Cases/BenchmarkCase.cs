namespace EdgeBroker.Benchmarks.Cases;

/// <summary>Which broker a case runs against.</summary>
public enum BrokerKind
{
    EdgeBroker,
    Mosquitto,

    /// <summary>The firmware emulator (host/EdgeBroker.Emulator): the device's relay and core with its defaults.</summary>
    Emulator,

    /// <summary>aedes, the Node.js broker, with its defaults (aedes/server.mjs, installed by aedes/setup.sh).</summary>
    Aedes,

    /// <summary>A plain MQTTnet 5.2 server with no EdgeBroker code (tests/EdgeBroker.Benchmarks.MqttNetServer).</summary>
    MqttNetServer,
}

/// <summary>How publisher i reaches receiver i.</summary>
public enum RoutingMode
{
    /// <summary>PUBLISH to <c>bench/p2p/recv-i</c>; the receiver has no subscription (EdgeBroker only).</summary>
    PointToPoint,

    /// <summary>Receiver i subscribes to <c>bench/t/i</c> and publisher i publishes there.</summary>
    PubSub,
}

/// <summary>What a case measures.</summary>
public enum Scenario
{
    /// <summary>Publisher i sends to online receiver i: throughput at full speed, then latency at a fixed rate.</summary>
    Load,

    /// <summary>Every publisher sends to one persistent receiver while it is away; then the time it takes the broker
    /// to hand the whole stored backlog over once the receiver is back.</summary>
    StoredBacklog,

    /// <summary>A subscriber that stops reading while publishers flood it: the broker's memory, and a healthy pair's
    /// latency meanwhile.</summary>
    SlowConsumer,

    /// <summary>As <see cref="StoredBacklog"/>, but the broker is killed with SIGKILL half-way through the backlog and
    /// started again on what it stored: how many acknowledged messages the receiver never gets.</summary>
    Crash,
}

/// <summary>One measured configuration: a row of the report.</summary>
/// <param name="Id">Stable identifier used by --cases.</param>
/// <param name="Title">Human-readable name for the report.</param>
/// <param name="WithIdleSubscribers">Whether 10,000 (by default) idle subscriptions on unrelated topics are held
/// open during the case.</param>
public sealed record BenchmarkCase(string Id, string Title, BrokerKind Broker, RoutingMode Routing, int Qos, bool WithIdleSubscribers)
{
    public Scenario Scenario { get; init; } = Scenario.Load;

    /// <summary>The broker keeps what it stores on disk (EdgeBroker: SQLite in a fresh data directory; mosquitto:
    /// <c>persistence true</c>) and the receivers have persistent sessions (clean session = 0), so every QoS 1 message
    /// for them is stored until they acknowledge it.</summary>
    public bool Durable { get; init; }

    /// <summary>For EdgeBroker stored-backlog cases: whether the backlog is handed over in batches (the shipped
    /// <c>OfflineBatchSize</c>, 30, the next batch once the previous one is acknowledged) or all at once (0).</summary>
    public bool OfflineBatching { get; init; } = true;

    /// <summary>For EdgeBroker durable cases: SQLite with <c>SqliteSynchronous: Full</c> (an fsync per group commit)
    /// instead of the default Normal.</summary>
    public bool SynchronousFull { get; init; }

    /// <summary>For slow-consumer cases: the flooded subscriber reads after all, as fast as it can — the control that
    /// shows what the flood itself costs the broker.</summary>
    public bool ConsumerReads { get; init; }

    /// <summary>Topic publisher <paramref name="pair"/> publishes to.</summary>
    public string PublishTopic(int pair) =>
        Routing == RoutingMode.PointToPoint ? $"bench/p2p/{ReceiverClientId(ReceiverOf(pair))}" : $"bench/t/{ReceiverOf(pair)}";

    /// <summary>Filter receiver <paramref name="pair"/> subscribes to, or null for P2P (no subscription needed).</summary>
    public string? ReceiverSubscription(int pair) => Routing == RoutingMode.PubSub ? $"bench/t/{pair}" : null;

    /// <summary>The receiver publisher <paramref name="pair"/> sends to: its own, or the one receiver of a stored
    /// backlog (crash cases too).</summary>
    public int ReceiverOf(int pair) => Scenario is Scenario.StoredBacklog or Scenario.Crash ? 0 : pair;

    /// <summary>The receiver's client ID, which is also its P2P address.</summary>
    public static string ReceiverClientId(int pair) => $"recv-{pair}";

    /// <summary>The publisher's client ID.</summary>
    public static string PublisherClientId(int pair) => $"pub-{pair}";
}
