using EdgeBroker.Core.Security;

namespace EdgeBroker.Core.Access
{
    /// <summary>Everything is allowed except what the broker reserves for itself: clients cannot publish to
    /// <c>$</c> topics, so presence events on <c>$SYS/…</c> cannot be forged. The default until credentials and
    /// rules are configured: every client may announce P2P routes, as it could before announcements were restricted.</summary>
    public sealed class AllowAllPolicy : IAccessPolicy
    {
        public bool CanPublish(string clientId, string topic, int p2pReceiverStart)
        {
            return !Topics.TopicValidator.IsReserved(topic);
        }

        public bool CanSubscribe(string clientId, string filter)
        {
            return true;
        }

        public bool CanAnnounceRoutes(string clientId, string announcementTopic)
        {
            return true;
        }

        public string RouteAnnouncers
        {
            get
            {
                return "every client it admits (no access keys or rules are configured: configure them and list the gateways in "
                    + SecurityOptions.P2PGatewaysSetting + " to restrict announcements)";
            }
        }

        public string P2PReach
        {
            get { return "clients of every group (no access keys or rules are configured)"; }
        }
    }
}
