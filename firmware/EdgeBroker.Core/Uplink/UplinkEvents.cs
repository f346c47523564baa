namespace EdgeBroker.Core.Uplink
{
    /// <summary>An uplink's state changed (Connecting, Connected, BackingOff…): engines log a line and publish
    /// <paramref name="status"/> retained on <see cref="Uplink.StateTopic"/>. Called outside the uplink's lock.</summary>
    public delegate void UplinkStateChanged(Uplink uplink, UplinkStatus status);

    /// <summary>The engine's <see cref="UplinkStateChanged"/> threw <paramref name="error"/> (a store that cannot keep
    /// the retained status, say). The state change stands regardless; engines log it. Called outside the uplink's
    /// lock; what it throws is ignored.</summary>
    public delegate void UplinkReportFailed(Uplink uplink, System.Exception error);

    /// <summary>The queue was full and its oldest entry was deleted unsent (drop-oldest);
    /// <paramref name="droppedTotal"/> counts every drop since start. Called outside the uplink's lock.</summary>
    public delegate void UplinkDropped(Uplink uplink, long droppedTotal);

    /// <summary>An entry was queued: an engine that waits for work (rather than polling) sends it now. Called outside
    /// the uplink's lock, on the publisher's thread, so it must only signal.</summary>
    public delegate void UplinkQueued(Uplink uplink);

    /// <summary>With retained routes: a P2P message left the queue for a target no gateway on the upstream announced
    /// once the routes were known, so it went up plainly on <paramref name="topic"/> (only a subscriber to that address
    /// upstream receives it); <paramref name="total"/> counts every such message since start. Engines log the first, then
    /// at most one a minute with the count. Called outside the uplink's lock.</summary>
    public delegate void UplinkP2PUnrouted(Uplink uplink, string topic, long total);

    /// <summary>Adds to <paramref name="clientIds"/> every client ID this broker can deliver to — its own sessions and
    /// the routes gateways below announced —, or only <paramref name="clientId"/> when it is given and can be
    /// delivered to, and to <paramref name="routes"/> (same index) what announcing it says: the path below this broker
    /// to it ("" for its own), connected or only away (<see cref="P2PEnvelope.RouteOf"/>): for a federated uplink's
    /// announcements after it connects, and to correct its own retained routes.</summary>
    public delegate void ReachableClients(string clientId, System.Collections.ArrayList clientIds, System.Collections.ArrayList routes);

    /// <summary>A federated uplink learnt that <paramref name="clientId"/> is connected on another gateway of its
    /// upstream: the upstream said so (<see cref="P2PEnvelope.ConnectedElsewhereNotice"/>), or another gateway's
    /// retained route does. The core decides what follows (docs/federation.md, "A client that moves").</summary>
    public delegate void ClientConnectedElsewhere(string clientId);

    /// <summary>The gateway session <paramref name="gatewayClientId"/> announced a route along
    /// <paramref name="path"/>, which passes this broker's own uplink identity: the federated uplinks form a cycle
    /// (a configuration error). Said once per gateway; engines log it as an error.</summary>
    public delegate void UplinkCycleDetected(string gatewayClientId, string path);
}
