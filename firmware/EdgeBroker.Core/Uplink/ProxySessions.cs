using EdgeBroker.Core.Collections;
using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Topics;

namespace EdgeBroker.Core.Uplink
{
    /// <summary>
    /// Down path 1 of P2P federation, proxy sessions (docs/federation.md): which local clients are present upstream
    /// under their own client ID, so that the upstream's own P2P routing delivers <c>{parent}/p2p/{clientId}</c> to
    /// this gateway. The engine (the host; one upstream connection per proxied client) asks <see cref="Admit"/> when a
    /// local client connected and <see cref="Release"/> when its connection ended, and routes what arrives on a proxy
    /// connection as <see cref="Down"/> makes it. The rule is decided here, once: a client is proxied when its group
    /// (<see cref="ClientIdentity.GroupOf"/>) is one of <see cref="UplinkSettings.ProxyGroups"/> and fewer than
    /// <see cref="UplinkSettings.MaxProxySessions"/> proxies are open; the decision is taken when the client connects.
    /// Thread-safe.
    /// </summary>
    public sealed class ProxySessions
    {
        /// <summary>Proxies the table has room for before it first grows.</summary>
        const int InitialCapacity = 16;

        readonly object _sync = new object();
        readonly UplinkSettings _settings;

        /// <summary>The proxied client IDs, each with the engine's connection object that owns its proxy.</summary>
        readonly StringMap _owners;
        long _overCap;
        long _notForClient;

        public ProxySessions(UplinkSettings settings)
        {
            _settings = settings;
            _owners = new StringMap(InitialCapacity);
        }

        /// <summary>Whether any group is proxied over this uplink.</summary>
        public bool Enabled
        {
            get { return _settings.ProxyGroups.Count > 0; }
        }

        /// <summary>Proxy sessions open now (or being opened).</summary>
        public int Count
        {
            get
            {
                lock (_sync)
                {
                    return _owners.Count;
                }
            }
        }

        /// <summary>Connections of proxied groups refused a proxy because the cap was reached, since start.</summary>
        public long OverCap
        {
            get
            {
                lock (_sync)
                {
                    return _overCap;
                }
            }
        }

        /// <summary>Messages that arrived on a proxy connection for anything but that client's P2P address (ignored),
        /// since start.</summary>
        public long NotForClient
        {
            get
            {
                lock (_sync)
                {
                    return _notForClient;
                }
            }
        }

        /// <summary>
        /// <paramref name="connection"/> (the engine's object) now serves the local client <paramref name="clientId"/>:
        /// whether to open a proxy session upstream for it. A client that has one already keeps it, owned by the newer
        /// connection (a takeover), so the older connection's end does not close it.
        /// </summary>
        public ProxyAdmission Admit(string clientId, object connection)
        {
            if (!IsProxiedGroup(ClientIdentity.GroupOf(clientId)))
            {
                return ProxyAdmission.NotProxied;
            }

            lock (_sync)
            {
                bool open = _owners.Get(clientId) != null;
                if (!open && _owners.Count >= _settings.MaxProxySessions)
                {
                    _overCap++;
                    return ProxyAdmission.OverCap;
                }

                _owners.Set(clientId, connection);
                return open ? ProxyAdmission.AlreadyOpen : ProxyAdmission.Open;
            }
        }

        /// <summary><paramref name="connection"/> of <paramref name="clientId"/> ended: whether its proxy session must
        /// close now (it owned one; a connection that was taken over does not).</summary>
        public bool Release(string clientId, object connection)
        {
            lock (_sync)
            {
                return _owners.Remove(clientId, connection);
            }
        }

        /// <summary>
        /// A message the upstream delivered on the proxy connection of <paramref name="clientId"/>, as the local broker
        /// routes it: the client's own P2P address <c>{parent}/p2p/{clientId}</c> (the upstream's P2P routing), marked
        /// with this uplink as its origin so it never goes back up, one hop more than it arrived with. Null (counted)
        /// for any other topic: a proxy subscribes to nothing, so nothing else is its to deliver.
        /// </summary>
        public RoutedMessage Down(string clientId, string topic, byte[] payload, int qos, int arrivedHops)
        {
            int receiverStart = P2PAddress.ReceiverStart(topic);
            if (receiverStart < 0 || !IsAt(topic, receiverStart, clientId))
            {
                lock (_sync)
                {
                    _notForClient++;
                }

                return null;
            }

            RoutedMessage message = new RoutedMessage(topic, payload, qos, false);
            message.OriginUplink = _settings.Name;
            message.Hops = arrivedHops + 1;
            return message;
        }

        /// <summary>Whether <paramref name="topic"/> from <paramref name="start"/> to its end is
        /// <paramref name="clientId"/>.</summary>
        static bool IsAt(string topic, int start, string clientId)
        {
            if (topic.Length - start != clientId.Length)
            {
                return false;
            }

            for (int i = 0; i < clientId.Length; i++)
            {
                if (topic[start + i] != clientId[i])
                {
                    return false;
                }
            }

            return true;
        }

        bool IsProxiedGroup(string group)
        {
            for (int i = 0; i < _settings.ProxyGroups.Count; i++)
            {
                if ((string)_settings.ProxyGroups[i] == group)
                {
                    return true;
                }
            }

            return false;
        }
    }
}
