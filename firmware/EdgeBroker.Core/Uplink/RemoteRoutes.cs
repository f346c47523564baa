using System.Collections;
using EdgeBroker.Core.Collections;

namespace EdgeBroker.Core.Uplink
{
    /// <summary>
    /// Which gateway below this broker hosts a client ID, as the gateways announced it over their uplinks
    /// (<see cref="P2PEnvelope.AnnouncementPrefix"/>): client ID → the client ID of the gateway's session here. Only the
    /// next hop is known, never the whole path. In memory: after a restart the gateways reconnect and announce again.
    /// Thread-safe.
    /// </summary>
    public sealed class RemoteRoutes
    {
        readonly object _sync = new object();
        readonly StringMap _gatewayByClient = new StringMap(16);
        int _maxHops = P2PEnvelope.DefaultMaxHops;

        /// <summary>Hops after which a federated P2P message is dropped instead of forwarded.</summary>
        public int MaxHops
        {
            get { return _maxHops; }
            set { _maxHops = value; }
        }

        public int Count
        {
            get
            {
                lock (_sync)
                {
                    return _gatewayByClient.Count;
                }
            }
        }

        /// <summary>
        /// <paramref name="gatewayClientId"/> announced that <paramref name="clientId"/> is reachable through it, or gone.
        /// A later announcement from another gateway takes the route over; "gone" removes it only when it comes from
        /// the gateway that holds it. Returns whether the table changed.
        /// </summary>
        public bool Announced(string gatewayClientId, string clientId, bool reachable)
        {
            lock (_sync)
            {
                string current = (string)_gatewayByClient.Get(clientId);
                if (reachable)
                {
                    if (current == gatewayClientId || clientId == gatewayClientId)
                    {
                        return false;
                    }

                    _gatewayByClient.Set(clientId, gatewayClientId);
                    return true;
                }

                return current == gatewayClientId && _gatewayByClient.Remove(clientId);
            }
        }

        /// <summary>The gateway that hosts the client ID <paramref name="text"/>[start, start+length), or null.</summary>
        public string GatewayFor(string text, int start, int length)
        {
            lock (_sync)
            {
                return (string)_gatewayByClient.Get(text, start, length);
            }
        }

        /// <summary>Adds every client ID with a route to <paramref name="into"/>.</summary>
        public void CollectClientIds(ArrayList into)
        {
            lock (_sync)
            {
                _gatewayByClient.CopyKeysTo(into);
            }
        }
    }
}
