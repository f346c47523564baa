using System.Collections;
using EdgeBroker.Core.Collections;

namespace EdgeBroker.Core.Uplink
{
    /// <summary>
    /// The routes one uplink learned from the other gateways on its upstream (<see cref="RetainedRoutes"/>): client ID →
    /// the path to it, that gateway's client ID first, kept in a <see cref="RemoteRoutes"/> (same rules: a later
    /// announcement takes a client over unless it says "away" and the client is connected on another gateway, "gone"
    /// counts only from the gateway holding it, bounded). A route is used while
    /// its gateway is online upstream and for <see cref="GraceMs"/> after it went offline (its will deleted its status),
    /// so that messages for its clients wait in its persistent session upstream through an outage; after that its
    /// routes are forgotten, so a gateway that never returns stops attracting messages. A gateway whose status has not
    /// arrived counts as offline since its first route arrived (the upstream may deliver retained messages in any
    /// order). Times are on the interval clock (<see cref="Clock.MonotonicMs"/>): a wall clock stepped forward by the
    /// device's first SNTP sync would forget every offline gateway's routes at once. Thread-safe.
    /// </summary>
    public sealed class PeerRoutes
    {
        /// <summary>The default of <see cref="GraceMs"/>: an hour.</summary>
        public const int DefaultGraceSeconds = 3600;

        /// <summary>The value of an online gateway in <see cref="_gateways"/> (an offline one holds the time it went
        /// offline).</summary>
        static readonly object Online = new object();

        readonly object _sync = new object();
        readonly StringMap _gateways = new StringMap(4);
        readonly long _graceMs;
        readonly int _capacity;
        RemoteRoutes _routes;
        int _refused;

        public PeerRoutes(int capacity, long graceMs)
        {
            _capacity = capacity;
            _graceMs = graceMs;
            _routes = NewTable();
        }

        /// <summary>How long the routes of a gateway that went offline are still used.</summary>
        public long GraceMs
        {
            get { return _graceMs; }
        }

        /// <summary>Routes to new clients refused because the table was full (after forgetting expired gateways).</summary>
        public int Refused
        {
            get
            {
                lock (_sync)
                {
                    return _refused + _routes.Refused;
                }
            }
        }

        public int Count
        {
            get
            {
                lock (_sync)
                {
                    return _routes.Count;
                }
            }
        }

        RemoteRoutes NewTable()
        {
            RemoteRoutes routes = new RemoteRoutes();
            routes.Capacity = _capacity;
            return routes;
        }

        /// <summary><paramref name="gatewayClientId"/> says <paramref name="clientId"/> is reachable through it along
        /// <paramref name="route"/> (<see cref="P2PEnvelope.RouteOf"/>), or gone (null). A table that is full first
        /// forgets the gateways offline beyond the grace. Returns whether the client is now reached through that gateway,
        /// connected there, where it was not.</summary>
        public bool Learned(string gatewayClientId, string clientId, string route, long nowMs)
        {
            lock (_sync)
            {
                if (route != null && _gateways.Get(gatewayClientId) == null)
                {
                    if (_gateways.Count >= _capacity)
                    {
                        ForgetExpired(nowMs);
                    }

                    if (_gateways.Count >= _capacity)
                    {
                        _refused++;
                        return false;
                    }

                    _gateways.Set(gatewayClientId, nowMs);
                }

                if (route != null && _routes.Count >= _capacity && _routes.PathFor(clientId, 0, clientId.Length) == null)
                {
                    ForgetExpired(nowMs);
                }

                bool connected = route != null && P2PEnvelope.IsConnected(route);
                string displaced;
                int change = _routes.Announced(gatewayClientId, clientId, route == null ? null : P2PEnvelope.PathOf(route), connected, out displaced);
                return connected && change != RemoteRoutes.Unchanged;
            }
        }

        /// <summary>The status of <paramref name="gatewayClientId"/> changed: online, or offline from
        /// <paramref name="nowMs"/> on.</summary>
        public void StatusChanged(string gatewayClientId, bool online, long nowMs)
        {
            lock (_sync)
            {
                object current = _gateways.Get(gatewayClientId);
                if (online)
                {
                    if (current != null || _gateways.Count < _capacity)
                    {
                        _gateways.Set(gatewayClientId, Online);
                    }
                }
                else if (current == Online)
                {
                    _gateways.Set(gatewayClientId, nowMs);
                }
            }
        }

        /// <summary>The path to the client ID <paramref name="text"/>[start, start+length) — its gateway first —, or
        /// null when no gateway announced it or its gateway has been offline beyond the grace (then forgotten).</summary>
        public string PathFor(string text, int start, int length, long nowMs)
        {
            lock (_sync)
            {
                bool connected;
                return PathInUse(text, start, length, nowMs, out connected);
            }
        }

        /// <summary>Whether the gateway whose route to <paramref name="clientId"/> is in use (<see cref="PathFor"/>) says it
        /// is connected there.</summary>
        public bool IsConnected(string clientId, long nowMs)
        {
            lock (_sync)
            {
                bool connected;
                return PathInUse(clientId, 0, clientId.Length, nowMs, out connected) != null && connected;
            }
        }

        /// <summary><see cref="PathFor"/>, with whether the client is connected at its end. Under the lock.</summary>
        string PathInUse(string text, int start, int length, long nowMs, out bool connected)
        {
            string path = _routes.PathFor(text, start, length, out connected);
            if (path == null)
            {
                return null;
            }

            string gateway = RemoteRoutes.FirstLevel(path);
            if (!Expired(_gateways.Get(gateway), nowMs))
            {
                return path;
            }

            Forget(gateway);
            connected = false;
            return null;
        }

        /// <summary>Forgets everything, before the retained routes are delivered again after a reconnect.</summary>
        public void Clear()
        {
            lock (_sync)
            {
                _gateways.Clear();
                _routes = NewTable();
            }
        }

        bool Expired(object state, long nowMs)
        {
            return state != Online && (state == null || nowMs - (long)state > _graceMs);
        }

        /// <summary>Forgets every gateway offline beyond the grace, with its routes. Under the lock.</summary>
        void ForgetExpired(long nowMs)
        {
            ArrayList gateways = new ArrayList();
            ArrayList states = new ArrayList();
            _gateways.CopyKeysTo(gateways);
            _gateways.CopyValuesTo(states);
            for (int i = 0; i < gateways.Count; i++)
            {
                if (Expired(states[i], nowMs))
                {
                    Forget((string)gateways[i]);
                }
            }
        }

        /// <summary>Forgets <paramref name="gateway"/> and its routes. Under the lock.</summary>
        void Forget(string gateway)
        {
            _gateways.Remove(gateway);
            ArrayList clientIds = new ArrayList();
            ArrayList routes = new ArrayList();
            _routes.CollectRoutes(clientIds, routes);
            string displaced;
            for (int i = 0; i < clientIds.Count; i++)
            {
                _routes.Announced(gateway, (string)clientIds[i], null, false, out displaced);
            }
        }
    }
}
