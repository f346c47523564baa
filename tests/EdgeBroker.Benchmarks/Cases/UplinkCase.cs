namespace EdgeBroker.Benchmarks.Cases;

/// <summary>Which bridge forwards a gateway's messages to the upstream broker.</summary>
public enum BridgeKind
{
    /// <summary>EdgeBroker's uplink: <c>--uplink</c>, <c>--uplink-forward data/#</c>, <c>--uplink-subscribe data/#</c>, SQLite queue.</summary>
    EdgeBrokerUplink,

    /// <summary>mosquitto's own bridge: <c>connection</c>/<c>address</c>/<c>topic data/# both 1</c>, persistence on,
    /// unlimited queue.</summary>
    MosquittoBridge,
}

/// <summary>One bridge measured against the same upstream mosquitto: a column of the report's uplink table.</summary>
/// <param name="Id">Stable identifier used by --cases.</param>
public sealed record UplinkCase(string Id, string Title, BridgeKind Bridge);

/// <summary>The uplink cases, the mosquitto bridge (the baseline) first.</summary>
public static class UplinkCaseCatalog
{
    public static readonly UplinkCase MosquittoBridge = new("uplink-mosq", "mosquitto bridge (persistence true, unlimited queue)", BridgeKind.MosquittoBridge);
    public static readonly UplinkCase EdgeBrokerUplink = new("uplink-eb", "EdgeBroker uplink (SQLite queue)", BridgeKind.EdgeBrokerUplink);

    public static IReadOnlyList<UplinkCase> All { get; } = [MosquittoBridge, EdgeBrokerUplink];

    public static UplinkCase? Find(string id) => All.FirstOrDefault(c => string.Equals(c.Id, id, StringComparison.OrdinalIgnoreCase));

    public static IReadOnlyList<UplinkCase> Select(IReadOnlyList<string> ids) =>
        ids.Count == 0 ? All : All.Where(c => ids.Any(id => string.Equals(id, c.Id, StringComparison.OrdinalIgnoreCase))).ToList();
}
