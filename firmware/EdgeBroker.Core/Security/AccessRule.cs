namespace EdgeBroker.Core.Security
{
    /// <summary>
    /// What a group's or a device's clients may do. Publish filters are matched against the topic, and for a P2P
    /// address against its parent topic (so <c>app</c> or <c>app/#</c> allows <c>app/p2p/{anyone}</c>); subscribe
    /// filters must cover the requested filter entirely (<c>sensors/#</c> covers <c>sensors/+/temp</c>, not
    /// <c>#</c>). <c>$</c> topics are never covered by a rule: see <see cref="SecurityOptions.SysSubscribers"/>.
    /// </summary>
    public sealed class AccessRule
    {
        static readonly string[] Everything = new string[] { "#" };

        public AccessRule(string[] publishFilters, string[] subscribeFilters, bool p2pToOtherGroups)
        {
            PublishFilters = publishFilters == null ? new string[0] : publishFilters;
            SubscribeFilters = subscribeFilters == null ? new string[0] : subscribeFilters;
            P2PToOtherGroups = p2pToOtherGroups;
        }

        /// <summary>Publish and subscribe anywhere outside <c>$</c> (with <see cref="SecurityOptions.P2PWithinGroupsOnly"/>,
        /// P2P within the group and with application groups): the rule of groups the configuration does not name.</summary>
        public static AccessRule Unrestricted()
        {
            return new AccessRule(Everything, Everything, false);
        }

        public string[] PublishFilters { get; private set; }

        public string[] SubscribeFilters { get; private set; }

        /// <summary>With <see cref="SecurityOptions.P2PWithinGroupsOnly"/>: may send P2P messages to clients of any group,
        /// not only its own and the application groups. Without it every rule may.</summary>
        public bool P2PToOtherGroups { get; private set; }
    }
}
