using EdgeBroker.Core.Presence;
using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Text;
using EdgeBroker.Core.Topics;

namespace EdgeBroker.Core.Uplink
{
    /// <summary>
    /// Gateway-level presence of a federated client, as an upstream sees it (docs/federation.md): published when a
    /// gateway below announces that a client became reachable through it — it has a session there, connected or away
    /// and persistent — or no longer, on the presence tree <c>$SYS/presence/{groupId}/reachable</c> and
    /// <c>…/unreachable</c>, one JSON object:
    /// <c>{"clientId":"sensor-1","time":1732350000000,"eventType":"reachable","gateway":"site-gw/gw-a"}</c> with
    /// <c>gateway</c> the path of gateways from this broker down to the client's (empty when unreachable).
    /// </summary>
    public static class RouteEvent
    {
        public const string Reachable = "reachable";
        public const string Unreachable = "unreachable";

        /// <summary>The event for <paramref name="clientId"/> reached along <paramref name="path"/> (null: unreachable).</summary>
        public static RoutedMessage For(string clientId, string path, long unixMilliseconds)
        {
            string eventType = path == null ? Unreachable : Reachable;
            string json = "{\"clientId\":" + JsonString.Quote(clientId)
                + ",\"time\":" + unixMilliseconds.ToString()
                + ",\"eventType\":" + JsonString.Quote(eventType)
                + ",\"gateway\":" + JsonString.Quote(path == null ? "" : path)
                + "}";
            return new RoutedMessage(PresenceTopic.For(ClientIdentity.GroupOf(clientId), eventType), Utf8.GetBytes(json), 1, false);
        }
    }
}
