using System.Collections;
using EdgeBroker.Core.Collections;

namespace EdgeBroker.Core.Uplink
{
    /// <summary>
    /// Which gateway below this broker hosts a client ID, as the gateways announced it over their uplinks
    /// (<see cref="P2PEnvelope.AnnouncementPrefix"/>): client ID → the path to it, the client ID of the gateway's session
    /// here first, then the gateways below that one (<c>site-gw/gw-a</c>). The envelope carries the rest of the path, so
    /// the gateways it passes need no table of their own. In memory: after a restart the gateways reconnect and
    /// announce again. Thread-safe.
    /// </summary>
    public sealed class RemoteRoutes
    {
        /// <summary>The default of <see cref="Capacity"/>.</summary>
        public const int DefaultCapacity = 10000;

        readonly object _sync = new object();
        readonly StringMap _pathByClient = new StringMap(16);

        // Gateway session here → how many routes start with it: who is a gateway below (unreachable notices go to them).
        readonly StringMap _routeCountByGateway = new StringMap(4);

        // Gateway sessions here whose announcements led back up through this broker (the uplinks form a cycle).
        readonly StringMap _above = new StringMap(2);
        int _maxHops = P2PEnvelope.DefaultMaxHops;
        int _capacity = DefaultCapacity;
        int _refused;

        /// <summary>Routes kept at most, so announcements cannot exhaust memory: an announcement of a further client is
        /// refused (counted in <see cref="Refused"/>); changing or removing a kept route always works.</summary>
        public int Capacity
        {
            get { return _capacity; }
            set { _capacity = value; }
        }

        /// <summary>Announcements of new routes refused because <see cref="Capacity"/> routes were kept.</summary>
        public int Refused
        {
            get { return _refused; }
        }

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
                    return _pathByClient.Count;
                }
            }
        }

        /// <summary>
        /// <paramref name="gatewayClientId"/> announced that <paramref name="clientId"/> is reachable through it along
        /// <paramref name="pathBelow"/> ("" for its own client), or gone (null). A later announcement from another
        /// gateway takes the route over; "gone" removes it only when it comes from the gateway that holds it. Returns
        /// whether the table changed.
        /// </summary>
        public bool Announced(string gatewayClientId, string clientId, string pathBelow)
        {
            lock (_sync)
            {
                string current = (string)_pathByClient.Get(clientId);
                if (pathBelow == null)
                {
                    if (current == null || !FirstLevelIs(current, gatewayClientId) || !_pathByClient.Remove(clientId))
                    {
                        return false;
                    }

                    CountRoute(gatewayClientId, -1);
                    return true;
                }

                string path = pathBelow.Length == 0 ? gatewayClientId : gatewayClientId + "/" + pathBelow;
                if (current == path || clientId == gatewayClientId)
                {
                    return false;
                }

                if (current == null && _pathByClient.Count >= _capacity)
                {
                    _refused++;
                    return false;
                }

                _pathByClient.Set(clientId, path);
                if (current != null)
                {
                    CountRoute(FirstLevel(current), -1);
                }

                CountRoute(gatewayClientId, 1);
                return true;
            }
        }

        /// <summary>Adds <paramref name="change"/> to the routes through <paramref name="gatewayClientId"/>. Called under
        /// the lock.</summary>
        void CountRoute(string gatewayClientId, int change)
        {
            RouteCount count = (RouteCount)_routeCountByGateway.Get(gatewayClientId);
            if (count == null)
            {
                count = new RouteCount();
                _routeCountByGateway.Set(gatewayClientId, count);
            }

            count.Routes += change;
            if (count.Routes <= 0)
            {
                _routeCountByGateway.Remove(gatewayClientId);
            }
        }

        /// <summary>Whether <paramref name="clientId"/> is a gateway below: a session here that holds routes.</summary>
        public bool IsGateway(string clientId)
        {
            lock (_sync)
            {
                return clientId != null && _routeCountByGateway.Get(clientId) != null;
            }
        }

        /// <summary>Marks <paramref name="gatewayClientId"/> as being above this broker as well as below it (its
        /// announcements lead back through this broker: the uplinks form a cycle), until this broker restarts. Returns
        /// whether it was not marked yet.</summary>
        public bool MarkAbove(string gatewayClientId)
        {
            lock (_sync)
            {
                if (_above.Get(gatewayClientId) != null)
                {
                    return false;
                }

                _above.Set(gatewayClientId, gatewayClientId);
                return true;
            }
        }

        /// <summary>Whether <paramref name="clientId"/> was marked by <see cref="MarkAbove"/>.</summary>
        public bool IsAbove(string clientId)
        {
            lock (_sync)
            {
                return clientId != null && _above.Count > 0 && _above.Get(clientId) != null;
            }
        }

        /// <summary>Adds the client ID of every gateway below (each holding routes) to <paramref name="gatewayClientIds"/>.</summary>
        public void CollectGateways(ArrayList gatewayClientIds)
        {
            lock (_sync)
            {
                _routeCountByGateway.CopyKeysTo(gatewayClientIds);
            }
        }

        /// <summary>The path to the client ID <paramref name="text"/>[start, start+length) — the gateway session here
        /// first —, or null.</summary>
        public string PathFor(string text, int start, int length)
        {
            lock (_sync)
            {
                return (string)_pathByClient.Get(text, start, length);
            }
        }

        /// <summary>The gateway session here through which <paramref name="clientId"/> is reached, or null.</summary>
        public string GatewayFor(string clientId)
        {
            string path = PathFor(clientId, 0, clientId.Length);
            return path == null ? null : FirstLevel(path);
        }

        /// <summary>The first level of a path.</summary>
        public static string FirstLevel(string path)
        {
            int slash = path.IndexOf('/');
            return slash < 0 ? path : path.Substring(0, slash);
        }

        static bool FirstLevelIs(string path, string level)
        {
            return path.Length >= level.Length && (path.Length == level.Length || path[level.Length] == '/')
                && FirstLevel(path) == level;
        }

        /// <summary>Adds every client ID with a route to <paramref name="clientIds"/> and its path to
        /// <paramref name="paths"/> (same index).</summary>
        public void CollectRoutes(ArrayList clientIds, ArrayList paths)
        {
            lock (_sync)
            {
                _pathByClient.CopyKeysTo(clientIds);
                _pathByClient.CopyValuesTo(paths);
            }
        }

        /// <summary>Routes through one gateway below.</summary>
        sealed class RouteCount
        {
            public int Routes;
        }
    }
}
