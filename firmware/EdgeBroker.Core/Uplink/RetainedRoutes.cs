using EdgeBroker.Core.Text;
using EdgeBroker.Core.Topics;

namespace EdgeBroker.Core.Uplink
{
    /// <summary>
    /// The wire forms of retained routes (<see cref="UplinkP2PRoutes.Retained"/>, docs/federation.md), one definition for
    /// every engine, under a routes topic <c>T</c>: <c>T/{gatewayClientId}</c> is the gateway's status (<c>1</c> while its
    /// uplink is connected, <c>0</c> once its will or its clean stop said it is offline), <c>T/{gatewayClientId}/{clientId}</c> a route, with the payload of an
    /// announcement (<see cref="P2PEnvelope.AnnouncementPayload"/>; empty = gone). A gateway subscribes to <c>T/#</c> and
    /// to its own envelope address <c>+/p2p/{gatewayClientId}/#</c>, since the upstream routes nothing by client ID.
    /// </summary>
    public static class RetainedRoutes
    {
        /// <summary>The default routes topic.</summary>
        public const string DefaultTopic = "eb/routes";

        /// <summary>A gateway's status while its uplink is connected.</summary>
        static readonly byte[] OnlinePayload = Utf8.GetBytes("1");

        /// <summary>
        /// A gateway's status once it went offline: its will and its clean stop. Not empty (which would delete the
        /// retained status): MQTT 3.1.1 lets a will's message be empty, but clients refuse to send one (nanoFramework's
        /// M2Mqtt 5.1.218 throws WillWrong), so one marker serves every transport. Readers take anything but
        /// <c>1</c> as offline, so an older gateway's empty will and this marker mean the same on both sides.
        /// </summary>
        public const string OfflineStatus = "0";

        static readonly byte[] OfflinePayload = Utf8.GetBytes(OfflineStatus);

        /// <summary>The status topic of <paramref name="gatewayClientId"/>, also its will's topic.</summary>
        public static string StatusTopic(string routesTopic, string gatewayClientId)
        {
            return routesTopic + "/" + gatewayClientId;
        }

        /// <summary>The topic that says whether <paramref name="clientId"/> is reachable through
        /// <paramref name="gatewayClientId"/>.</summary>
        public static string RouteTopic(string routesTopic, string gatewayClientId, string clientId)
        {
            return routesTopic + "/" + gatewayClientId + "/" + clientId;
        }

        /// <summary>The payload of a status: online (<c>1</c>) or offline (<see cref="OfflineStatus"/>), both kept
        /// retained.</summary>
        public static byte[] StatusPayload(bool online)
        {
            return online ? OnlinePayload : OfflinePayload;
        }

        /// <summary>Whether a status payload says online: anything else — <see cref="OfflineStatus"/>, or the empty
        /// message (a deleted status) of gateways before it — is offline.</summary>
        public static bool IsOnline(byte[] payload)
        {
            return payload != null && payload.Length == 1 && payload[0] == OnlinePayload[0];
        }

        /// <summary>What a gateway subscribes to upstream: the routes of every gateway and its own envelope address
        /// under any parent topic.</summary>
        public static string[] Filters(string routesTopic, string gatewayClientId)
        {
            return new string[] { routesTopic + "/#", "+/" + P2PAddress.Marker + "/" + gatewayClientId + "/#" };
        }

        /// <summary>
        /// Whether <paramref name="topic"/> is a status or a route under <paramref name="routesTopic"/>: then
        /// <paramref name="gatewayClientId"/> is the gateway it is about and <paramref name="clientId"/> the client
        /// (null for a status).
        /// </summary>
        public static bool Parse(string routesTopic, string topic, out string gatewayClientId, out string clientId)
        {
            gatewayClientId = null;
            clientId = null;
            int start = routesTopic.Length + 1;
            if (topic.Length <= start || topic[routesTopic.Length] != '/' || !P2PEnvelope.HasAt(topic, 0, routesTopic))
            {
                return false;
            }

            int slash = topic.IndexOf('/', start);
            if (slash < 0)
            {
                gatewayClientId = topic.Substring(start);
                return true;
            }

            if (slash == start || slash == topic.Length - 1 || topic.IndexOf('/', slash + 1) >= 0)
            {
                return false;
            }

            gatewayClientId = topic.Substring(start, slash - start);
            clientId = topic.Substring(slash + 1);
            return true;
        }
    }
}
