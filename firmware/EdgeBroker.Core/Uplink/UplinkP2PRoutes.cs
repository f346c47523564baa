namespace EdgeBroker.Core.Uplink
{
    /// <summary>How a federated uplink's gateways learn which gateway hosts a client ID (docs/federation.md).</summary>
    public enum UplinkP2PRoutes
    {
        /// <summary>Announced to the upstream's core on <c>$eb/route/…</c>: the upstream is an EdgeBroker, which keeps the
        /// route table and wraps envelopes itself. The default.</summary>
        Announced,

        /// <summary>Published retained under <see cref="UplinkSettings.P2PRoutesTopic"/>, where every gateway on the same
        /// upstream learns them (<see cref="RetainedRoutes"/>, <see cref="PeerRoutes"/>): for an upstream that is not an
        /// EdgeBroker (mosquitto, a cloud MQTT service).</summary>
        Retained
    }
}
