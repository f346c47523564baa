namespace EdgeBroker.Core.Uplink
{
    /// <summary>Which way an <see cref="UplinkRule"/> carries messages.</summary>
    public enum UplinkDirection
    {
        /// <summary>Local PUBLISH → upstream: the rule's filter is a local topic filter.</summary>
        Forward,

        /// <summary>Upstream → local: the rule's filter is subscribed upstream and what arrives is published locally.</summary>
        Subscribe
    }
}
