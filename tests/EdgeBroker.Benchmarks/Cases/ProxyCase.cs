namespace EdgeBroker.Benchmarks.Cases;

/// <summary>
/// The Proxy case (issue #14, docs/federation.md "Down path 1: proxy sessions"): what a proxy session costs the gateway
/// in resident memory. A gateway host (<c>--uplink … --uplink-proxy-group GID_dev</c>) below a cloud host, both separate
/// processes: <see cref="Devices"/> idle devices of a group that is not proxied, then, on a fresh pair, as many of the
/// proxied group, each of which the gateway mirrors with one upstream connection. Opt-in: selected only by
/// <c>--cases proxy</c>.
/// </summary>
public static class ProxyCase
{
    public const string Id = "proxy";

    /// <summary>The proxied group.</summary>
    public const string ProxiedGroup = "GID_dev";

    /// <summary>A group the gateway does not proxy: the same devices without proxy sessions.</summary>
    public const string PlainGroup = "GID_plain";

    /// <summary>Devices connected to the gateway in each measurement (the cap is set to this).</summary>
    public const int Devices = 200;

    public static bool IsSelected(IReadOnlyList<string> ids) =>
        ids.Any(id => string.Equals(id, Id, StringComparison.OrdinalIgnoreCase));
}
