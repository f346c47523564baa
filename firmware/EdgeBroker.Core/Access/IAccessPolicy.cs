namespace EdgeBroker.Core.Access
{
    /// <summary>Who may publish and subscribe to what. The router asks before every PUBLISH and SUBSCRIBE, on
    /// every engine, so a rule cannot hold on one engine and not on the other.</summary>
    public interface IAccessPolicy
    {
        /// <summary>
        /// May <paramref name="clientId"/> publish to <paramref name="topic"/>? For a P2P address
        /// <paramref name="p2pReceiverStart"/> is where the receiver's client ID starts (see
        /// <see cref="Topics.P2PAddress"/>), so the rule can look at the parent topic and the receiver;
        /// otherwise it is -1.
        /// </summary>
        bool CanPublish(string clientId, string topic, int p2pReceiverStart);

        bool CanSubscribe(string clientId, string filter);

        /// <summary>
        /// May <paramref name="clientId"/> announce P2P routes (<paramref name="announcementTopic"/>,
        /// <c>$eb/route/{clientId}</c>), so that P2P messages for those client IDs are sent to it? Only gateways may
        /// (docs/federation.md).
        /// </summary>
        bool CanAnnounceRoutes(string clientId, string announcementTopic);

        /// <summary>Which clients <see cref="CanAnnounceRoutes"/> accepts, in words, for the start-up log.</summary>
        string RouteAnnouncers { get; }

        /// <summary>Clients of which groups a P2P message may reach (the sender's publish rule for the parent topic
        /// applies besides), in words, for the start-up log.</summary>
        string P2PReach { get; }
    }
}
