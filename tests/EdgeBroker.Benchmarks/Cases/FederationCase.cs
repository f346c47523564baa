namespace EdgeBroker.Benchmarks.Cases;

/// <summary>How a sensor on a gateway and an application on the cloud reach each other in a federation case.</summary>
public enum FederationDesign
{
    /// <summary>EdgeBroker gateways with <c>--uplink-p2p</c>: both address each other by client ID
    /// (<c>plant/p2p/{clientId}</c>), routed through the tiers (docs/federation.md).</summary>
    EdgeBrokerP2P,

    /// <summary>EdgeBroker gateways with <c>--uplink-p2p --uplink-p2p-routes retained</c> under a plain mosquitto cloud:
    /// routes learnt from each other's retained routes, envelopes through mosquitto (docs/federation.md, "Through any
    /// upstream"). Only with the application on a gateway: an application on mosquitto has no P2P address of its own.</summary>
    EdgeBrokerRetainedRoutes,

    /// <summary>mosquitto gateways bridging <c>inbox/# both 1</c> (persistence on, clean session 0, set_tcp_nodelay): a topic per device,
    /// each client subscribed to its own <c>inbox/{clientId}</c>.</summary>
    MosquittoTopicPerDevice,
}

/// <summary>One federation case: a round-trip path through <paramref name="Tiers"/> gateway tiers below the cloud.</summary>
/// <param name="Id">Stable identifier used by --cases.</param>
/// <param name="AppOnGateway">The application is on a second gateway under the cloud (gateway to gateway), not on the
/// cloud.</param>
public sealed record FederationCase(string Id, string Title, FederationDesign Design, int Tiers, bool AppOnGateway = false);

/// <summary>The federation cases, each mosquitto design (the baseline) before EdgeBroker's with the same tiers.</summary>
public static class FederationCaseCatalog
{
    public static IReadOnlyList<FederationCase> All { get; } =
    [
        new("fed-mosq-1", "mosquitto bridge, topic per device, 1 tier", FederationDesign.MosquittoTopicPerDevice, 1),
        new("fed-eb-1", "EdgeBroker P2P federation, 1 tier", FederationDesign.EdgeBrokerP2P, 1),
        new("fed-mosq-2", "mosquitto bridges, topic per device, 2 tiers", FederationDesign.MosquittoTopicPerDevice, 2),
        new("fed-eb-2", "EdgeBroker P2P federation, 2 tiers", FederationDesign.EdgeBrokerP2P, 2),
        new("peer-mosq", "gateway to gateway: mosquitto bridges to a mosquitto cloud, topic per device", FederationDesign.MosquittoTopicPerDevice, 1, AppOnGateway: true),
        new("peer-eb", "gateway to gateway: EdgeBroker P2P federation through an EdgeBroker cloud", FederationDesign.EdgeBrokerP2P, 1, AppOnGateway: true),
        new("peer-eb-mosq", "gateway to gateway: EdgeBroker P2P federation through a mosquitto cloud (retained routes)", FederationDesign.EdgeBrokerRetainedRoutes, 1, AppOnGateway: true),
    ];

    public static FederationCase? Find(string id) => All.FirstOrDefault(c => string.Equals(c.Id, id, StringComparison.OrdinalIgnoreCase));

    public static IReadOnlyList<FederationCase> Select(IReadOnlyList<string> ids) =>
        ids.Count == 0 ? All : All.Where(c => ids.Any(id => string.Equals(id, c.Id, StringComparison.OrdinalIgnoreCase))).ToList();
}
