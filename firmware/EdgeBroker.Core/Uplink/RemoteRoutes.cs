using System.Collections;
using EdgeBroker.Core.Collections;

namespace EdgeBroker.Core.Uplink
{
    /// <summary>
    /// Which gateway below this broker hosts a client ID, as the gateways announced it over their uplinks
    /// (<see cref="P2PEnvelope.AnnouncementPrefix"/>): client ID → the path to it, the client ID of the gateway's session
    /// here first, then the gateways below that one (<c>site-gw/gw-a</c>), and whether the client is connected there or
    /// has only an away session. The envelope carries the rest of the path, so the gateways it passes need no table of
    /// their own. Also which clients an upstream said are connected elsewhere while their session here or their route
    /// below is only away (<see cref="MarkConnectedAbove"/>). In memory: after a restart the gateways reconnect and
    /// announce again; a gateway's routes go when its session here ends (<see cref="ForgetGateway"/>). Thread-safe.
    /// </summary>
    public sealed class RemoteRoutes
    {
        /// <summary>The default of <see cref="Capacity"/>.</summary>
        public const int DefaultCapacity = 10000;

        /// <summary><see cref="Announced"/>: the table did not change (a repeat, or refused).</summary>
        public const int Unchanged = 0;

        /// <summary><see cref="Announced"/>: the route stayed, the client connected there or left it.</summary>
        public const int StateChanged = 1;

        /// <summary><see cref="Announced"/>: the client is reached along another path now, or no longer.</summary>
        public const int RouteChanged = 2;

        readonly object _sync = new object();

        // Client ID → the path to it: the path itself while the client is connected there, an AwayRoute while it has
        // only an away session (rarer, so only those cost an object).
        readonly StringMap _pathByClient = new StringMap(16);

        // Gateway session here → how many routes start with it: who is a gateway below (unreachable notices go to them).
        readonly StringMap _routeCountByGateway = new StringMap(4);

        // Gateway sessions here whose announcements led back up through this broker (the uplinks form a cycle).
        readonly StringMap _above = new StringMap(2);

        // Clients an upstream said are connected elsewhere (MarkConnectedAbove); made on the first.
        StringMap _connectedAbove;
        int _maxHops = P2PEnvelope.DefaultMaxHops;
        int _capacity = DefaultCapacity;
        int _refused;

        /// <summary>Routes kept at most, so announcements cannot exhaust memory. In a full table a gateway's route to a
        /// further client takes the place of one of the gateway that holds the most, while that one holds at least two
        /// more than the announcer: no gateway keeps the table from the others, and gateways that share it end up with
        /// equal parts. Otherwise the announcement is refused (counted in <see cref="Refused"/>); changing or removing a
        /// kept route always works.</summary>
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
        /// <paramref name="pathBelow"/> ("" for its own client), <paramref name="connected"/> or with only an away
        /// session there, or gone (null). A later announcement from another gateway takes the route over — except that
        /// an away session never takes it from a client connected on another gateway, whatever the order the
        /// announcements came in —; "gone" removes it only when it comes from the gateway that holds it. Returns
        /// <see cref="Unchanged"/>, <see cref="StateChanged"/> or <see cref="RouteChanged"/>;
        /// <paramref name="displaced"/> is the other gateway whose route to an away session this one took over, or null.
        /// </summary>
        public int Announced(string gatewayClientId, string clientId, string pathBelow, bool connected, out string displaced)
        {
            string evicted;
            return Announced(gatewayClientId, clientId, pathBelow, connected, out displaced, out evicted);
        }

        /// <summary>As <see cref="Announced(string, string, string, bool, out string)"/>; <paramref name="evicted"/> is the
        /// client whose route gave way to this one in a full table (<see cref="Capacity"/>), or null.</summary>
        public int Announced(string gatewayClientId, string clientId, string pathBelow, bool connected, out string displaced,
            out string evicted)
        {
            displaced = null;
            evicted = null;
            lock (_sync)
            {
                object current = _pathByClient.Get(clientId);
                string currentPath = PathOf(current);
                if (pathBelow == null)
                {
                    if (current == null || !FirstLevelIs(currentPath, gatewayClientId) || !_pathByClient.Remove(clientId))
                    {
                        return Unchanged;
                    }

                    CountRoute(gatewayClientId, -1);
                    return RouteChanged;
                }

                string path = pathBelow.Length == 0 ? gatewayClientId : gatewayClientId + "/" + pathBelow;
                if (clientId == gatewayClientId)
                {
                    return Unchanged;
                }

                bool currentConnected = current is string;
                if (currentPath == path)
                {
                    if (currentConnected == connected)
                    {
                        return Unchanged;
                    }

                    _pathByClient.Set(clientId, Entry(path, connected));
                    return StateChanged;
                }

                bool ours = current != null && FirstLevelIs(currentPath, gatewayClientId);
                if (current != null && currentConnected && !connected && !ours)
                {
                    return Unchanged;
                }

                if (current == null && _pathByClient.Count >= _capacity)
                {
                    evicted = GiveWayTo(gatewayClientId);
                    if (evicted == null)
                    {
                        _refused++;
                        return Unchanged;
                    }
                }

                _pathByClient.Set(clientId, Entry(path, connected));
                if (current != null)
                {
                    string previous = FirstLevel(currentPath);
                    CountRoute(previous, -1);
                    displaced = ours || currentConnected ? null : previous;
                }

                CountRoute(gatewayClientId, 1);
                return RouteChanged;
            }
        }

        /// <summary>Removes one route of the gateway holding the most, when it holds at least two more than
        /// <paramref name="announcer"/> (so the two do not take turns), and returns its client ID; else null. Called
        /// under the lock, with the table full.</summary>
        string GiveWayTo(string announcer)
        {
            RouteCount own = (RouteCount)_routeCountByGateway.Get(announcer);
            RouteCount largest = null;
            for (int slot = 0; slot < _routeCountByGateway.SlotCount; slot++)
            {
                RouteCount count = (RouteCount)_routeCountByGateway.ValueAt(slot);
                if (count != null && (largest == null || count.Routes > largest.Routes))
                {
                    largest = count;
                }
            }

            if (largest == null || largest.Routes < (own == null ? 0 : own.Routes) + 2)
            {
                return null;
            }

            ArrayList removed = new ArrayList();
            RemoveRoutesThrough(largest.Gateway, 1, removed);
            return removed.Count == 0 ? null : (string)removed[0];
        }

        /// <summary>Removes every route through <paramref name="gatewayClientId"/> — its session here ended, so nothing
        /// can reach the clients it announced that way any more — and adds their client IDs to
        /// <paramref name="clientIds"/>.</summary>
        public void ForgetGateway(string gatewayClientId, ArrayList clientIds)
        {
            lock (_sync)
            {
                RouteCount count = (RouteCount)_routeCountByGateway.Get(gatewayClientId);
                if (count != null)
                {
                    RemoveRoutesThrough(gatewayClientId, count.Routes, clientIds);
                }
            }
        }

        /// <summary>Removes up to <paramref name="atMost"/> routes through <paramref name="gatewayClientId"/>, in one
        /// sweep of the table, adding their client IDs to <paramref name="clientIds"/>. Called under the lock.</summary>
        void RemoveRoutesThrough(string gatewayClientId, int atMost, ArrayList clientIds)
        {
            int removed = 0;
            for (int slot = 0; slot < _pathByClient.SlotCount && removed < atMost; slot++)
            {
                object entry = _pathByClient.ValueAt(slot);
                if (entry != null && FirstLevelIs(PathOf(entry), gatewayClientId))
                {
                    string clientId = _pathByClient.KeyAt(slot);
                    _pathByClient.Remove(clientId);
                    clientIds.Add(clientId);
                    removed++;
                }
            }

            CountRoute(gatewayClientId, -removed);
        }

        static object Entry(string path, bool connected)
        {
            return connected ? (object)path : new AwayRoute(path);
        }

        static string PathOf(object entry)
        {
            AwayRoute away = entry as AwayRoute;
            return away != null ? away.Path : (string)entry;
        }

        /// <summary>Adds <paramref name="change"/> to the routes through <paramref name="gatewayClientId"/>. Called under
        /// the lock.</summary>
        void CountRoute(string gatewayClientId, int change)
        {
            RouteCount count = (RouteCount)_routeCountByGateway.Get(gatewayClientId);
            if (count == null)
            {
                count = new RouteCount(gatewayClientId);
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
                return PathOf(_pathByClient.Get(text, start, length));
            }
        }

        /// <summary>As <see cref="PathFor(string, int, int)"/>; <paramref name="connected"/> says whether the client is
        /// connected at the end of it (false: only an away session there, or no route).</summary>
        public string PathFor(string text, int start, int length, out bool connected)
        {
            lock (_sync)
            {
                object entry = _pathByClient.Get(text, start, length);
                connected = entry is string;
                return PathOf(entry);
            }
        }

        /// <summary>An upstream said <paramref name="clientId"/>, whose session here or route below is only away, is
        /// connected on another gateway: new P2P messages for it go up (docs/federation.md, "A client that moves")
        /// until it is forgotten (<see cref="ForgetConnectedAbove"/>).</summary>
        public void MarkConnectedAbove(string clientId)
        {
            lock (_sync)
            {
                if (_connectedAbove == null)
                {
                    _connectedAbove = new StringMap(2);
                }

                _connectedAbove.Set(clientId, clientId);
            }
        }

        /// <summary>Whether the client ID <paramref name="text"/>[start, start+length) was marked by
        /// <see cref="MarkConnectedAbove"/>.</summary>
        public bool IsConnectedAbove(string text, int start, int length)
        {
            lock (_sync)
            {
                return _connectedAbove != null && _connectedAbove.Count > 0 && _connectedAbove.Get(text, start, length) != null;
            }
        }

        /// <summary>Unmarks <paramref name="clientId"/> (<see cref="MarkConnectedAbove"/>): it is connected here or below,
        /// reachable no longer, or unknown above. Returns whether it was marked.</summary>
        public bool ForgetConnectedAbove(string clientId)
        {
            lock (_sync)
            {
                return _connectedAbove != null && _connectedAbove.Remove(clientId);
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

        /// <summary>Whether the first level of <paramref name="path"/> is <paramref name="level"/>, without taking it
        /// out.</summary>
        public static bool FirstLevelIs(string path, string level)
        {
            return path.Length >= level.Length && (path.Length == level.Length || path[level.Length] == '/')
                && P2PEnvelope.HasAt(path, 0, level);
        }

        /// <summary>Adds every client ID with a route to <paramref name="clientIds"/> and to <paramref name="routes"/> (same
        /// index) what announcing it upward says: its path as the gateways below it, connected or not
        /// (<see cref="P2PEnvelope.RouteOf"/>).</summary>
        public void CollectRoutes(ArrayList clientIds, ArrayList routes)
        {
            ArrayList entries = new ArrayList();
            lock (_sync)
            {
                _pathByClient.CopyKeysTo(clientIds);
                _pathByClient.CopyValuesTo(entries);
            }

            for (int i = 0; i < entries.Count; i++)
            {
                routes.Add(P2PEnvelope.RouteOf(PathOf(entries[i]), entries[i] is string));
            }
        }

        /// <summary>Routes through one gateway below.</summary>
        sealed class RouteCount
        {
            public readonly string Gateway;
            public int Routes;

            public RouteCount(string gateway)
            {
                Gateway = gateway;
            }
        }

        /// <summary>The path to a client that has only an away session at its end.</summary>
        sealed class AwayRoute
        {
            public readonly string Path;

            public AwayRoute(string path)
            {
                Path = path;
            }
        }
    }
}
