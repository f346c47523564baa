namespace EdgeBroker.Benchmarks.Cases;

/// <summary>Which broker a case runs against.</summary>
public enum BrokerKind
{
    EdgeBroker,
    Mosquitto,
}

/// <summary>How publisher i reaches receiver i.</summary>
public enum RoutingMode
{
    /// <summary>PUBLISH to <c>bench/p2p/recv-i</c>; the receiver has no subscription (EdgeBroker only).</summary>
    PointToPoint,

    /// <summary>Receiver i subscribes to <c>bench/t/i</c> and publisher i publishes there.</summary>
    PubSub,
}

/// <summary>One measured configuration: a row of the report.</summary>
/// <param name="Id">Stable identifier used by --cases.</param>
/// <param name="Title">Human-readable name for the report.</param>
/// <param name="WithIdleSubscribers">Whether 10,000 (by default) idle subscriptions on unrelated topics are held
/// open during the case.</param>
public sealed record BenchmarkCase(string Id, string Title, BrokerKind Broker, RoutingMode Routing, int Qos, bool WithIdleSubscribers)
{
    /// <summary>Topic publisher <paramref name="pair"/> publishes to.</summary>
    public string PublishTopic(int pair) => Routing == RoutingMode.PointToPoint ? $"bench/p2p/{ReceiverClientId(pair)}" : $"bench/t/{pair}";

    /// <summary>Filter receiver <paramref name="pair"/> subscribes to, or null for P2P (no subscription needed).</summary>
    public string? ReceiverSubscription(int pair) => Routing == RoutingMode.PubSub ? $"bench/t/{pair}" : null;

    /// <summary>The receiver's client ID, which is also its P2P address.</summary>
    public static string ReceiverClientId(int pair) => $"recv-{pair}";

    /// <summary>The publisher's client ID.</summary>
    public static string PublisherClientId(int pair) => $"pub-{pair}";
}
