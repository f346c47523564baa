namespace EdgeBroker.Benchmarks.Cases;

/// <summary>How a sensor on a gateway and an application on the cloud reach each other in a federation case.</summary>
public enum FederationDesign
{
    /// <summary>EdgeBroker gateways with <c>--uplink-p2p</c>: both address each other by client ID
    /// (<c>plant/p2p/{clientId}</c>), routed through the tiers (docs/federation.md).</summary>
    EdgeBrokerP2P,

    /// <summary>mosquitto gateways bridging <c>inbox/# both 1</c> (persistence on, clean session 0, set_tcp_nodelay): a topic per device,
    /// each client subscribed to its own <c>inbox/{clientId}</c>.</summary>
    MosquittoTopicPerDevice,
}

/// <summary>One federation case: a round-trip path through <paramref name="Tiers"/> gateway tiers below the cloud.</summary>
/// <param name="Id">Stable identifier used by --cases.</param>
public sealed record FederationCase(string Id, string Title, FederationDesign Design, int Tiers);

/// <summary>The federation cases, each mosquitto design (the baseline) before EdgeBroker's with the same tiers.</summary>
public static class FederationCaseCatalog
{
    public static IReadOnlyList<FederationCase> All { get; } =
    [
        new("fed-mosq-1", "mosquitto bridge, topic per device, 1 tier", FederationDesign.MosquittoTopicPerDevice, 1),
        new("fed-eb-1", "EdgeBroker P2P federation, 1 tier", FederationDesign.EdgeBrokerP2P, 1),
        new("fed-mosq-2", "mosquitto bridges, topic per device, 2 tiers", FederationDesign.MosquittoTopicPerDevice, 2),
        new("fed-eb-2", "EdgeBroker P2P federation, 2 tiers", FederationDesign.EdgeBrokerP2P, 2),
    ];

    public static FederationCase? Find(string id) => All.FirstOrDefault(c => string.Equals(c.Id, id, StringComparison.OrdinalIgnoreCase));

    public static IReadOnlyList<FederationCase> Select(IReadOnlyList<string> ids) =>
        ids.Count == 0 ? All : All.Where(c => ids.Any(id => string.Equals(id, c.Id, StringComparison.OrdinalIgnoreCase))).ToList();
}
