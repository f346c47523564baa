namespace EdgeBroker.Core.Uplink
{
    /// <summary>What <see cref="ProxySessions.Admit"/> decided for a local client that connected.</summary>
    public enum ProxyAdmission
    {
        /// <summary>Its group is not proxied over this uplink: nothing to do.</summary>
        NotProxied,

        /// <summary>Open a proxy session upstream under its client ID.</summary>
        Open,

        /// <summary>A proxy session is open for it already (a new connection took the client's session over): keep it,
        /// now owned by the new connection.</summary>
        AlreadyOpen,

        /// <summary>Its group is proxied, but the cap is reached: no proxy session; P2P from upstream reaches it by the
        /// envelope path when the uplink federates P2P (counted in <see cref="ProxySessions.OverCap"/>).</summary>
        OverCap,
    }
}
