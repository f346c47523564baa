using System.Collections;
using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Security;
using EdgeBroker.Core.Topics;

namespace EdgeBroker.Core.Uplink
{
    /// <summary>
    /// One configured uplink: decides which local messages go up and under which topic, keeps them in a durable FIFO
    /// until the upstream acknowledged them, and runs the connection's state machine. The engine owns the transport and
    /// drives it:
    /// <list type="number">
    /// <item><see cref="NextConnect"/> says whether and where to connect now (failover across the addresses, backoff with
    /// full jitter after failures); the engine reports <see cref="Connected"/>, <see cref="ConnectFailed"/> or
    /// <see cref="ConnectionLost"/>.</item>
    /// <item>While connected, <see cref="TakeSendable"/> hands out entries within the in-flight window, in order, the
    /// unacknowledged ones of a lost connection first (send those with DUP); <see cref="Acknowledged"/> (PUBACK) or
    /// <see cref="Written"/> (QoS 0) deletes an entry. One the upstream cannot take — over its announced Maximum Packet
    /// Size (<see cref="Fits"/>), or the connection lost right after it again and again
    /// (<see cref="ConnectionLost"/>) — is dropped, so it cannot hold up the queue.</item>
    /// <item>Messages from upstream come down through <see cref="Down"/>, marked with this uplink as their origin, so
    /// <see cref="Offer"/> never sends them back up.</item>
    /// </list>
    /// The connection's times — its backoff, the routes' wait and grace, whether a lost connection had been stable — are
    /// on the interval clock (<see cref="Clock.MonotonicMs"/>, parameters named <c>monotonicMs</c>), which the device's
    /// SNTP step does not move; when an entry was queued (<see cref="Offer"/>, kept in the store across restarts) and
    /// the age <see cref="Status"/> gives it are on the wall clock.
    /// Thread-safe; the store is called outside the lock for appends so that a store can commit concurrent appends
    /// together (group commit).
    /// </summary>
    public sealed class Uplink
    {
        /// <summary>The retained status topic prefix: <c>$SYS/uplink/{name}/state</c>.</summary>
        public const string StateTopicPrefix = "$SYS/uplink/";

        readonly object _sync = new object();
        readonly UplinkSettings _settings;
        readonly IUplinkQueueStore _store;
        readonly ReconnectSchedule _reconnect;
        readonly DedupeIds _dedupeIds;
        readonly ProxySessions _proxies;
        readonly ArrayList _inFlight = new ArrayList();
        readonly ArrayList _read = new ArrayList();

        // Route announcements waiting to go up (P2P federation): QoS 0, never stored, sent before queued entries. Null
        // without P2P federation, which announces nothing: the device's idle uplink keeps no list for them.
        readonly ArrayList _announcements;

        // The other gateways' clients, learned from their retained routes; null unless the routes are retained.
        readonly PeerRoutes _peers;

        // With retained routes: whether the routes of this connection have arrived (or waiting for them timed out),
        // so that a queued P2P message can be given its address. When this connection was made, on the interval clock
        // (also for the too-large rule, ConnectionLost).
        bool _routesKnown;
        long _connectedAtMs;
        long _p2pUnrouted;

        UplinkState _state = UplinkState.Disconnected;
        string _lastError;

        // In-flight entries before this index were sent on the current connection; the rest wait to be resent.
        int _resendIndex;

        /// <summary>Entries that may be unacknowledged on the current connection (<see cref="Connected(long, int)"/>).</summary>
        int _window;
        long _lastTaken;

        // The queue's size as the bounds see it: the store's entries plus appends under way (pending).
        int _queuedCount;
        long _queuedBytes;
        int _pendingCount;
        long _pendingBytes;

        long _sent;
        long _acknowledged;
        long _dropped;
        long _refused;
        long _refusedUpstream;
        long _downTooLarge;
        long _tooLarge;

        // The largest PUBLISH the current connection's upstream takes (an MQTT 5 CONNACK's Maximum Packet Size); 0 when
        // it did not say (MQTT 3.1.1), so Fits takes everything.
        int _maxPacketSize;

        // For an upstream whose limit is unknown (ConnectionLost): the oldest unacknowledged entry that connections were
        // lost right after, how many in a row, and whether the current connection had any acknowledgement.
        long _suspect;
        int _suspectLosses;
        bool _answered;

        /// <summary>With retained routes, how long after connecting a queued P2P message waits for the routes at most
        /// when the upstream does not echo this gateway's status (<see cref="Learn(string, byte[], bool, long)"/>).</summary>
        public const long RoutesWaitMs = 10000;

        public Uplink(UplinkSettings settings, IUplinkQueueStore store, IRandomSource random)
        {
            _settings = settings;
            _store = store;
            _reconnect = new ReconnectSchedule(settings, random);
            _dedupeIds = new DedupeIds(random);
            _proxies = new ProxySessions(settings);
            _queuedCount = store.Count(settings.Name);
            _queuedBytes = store.Bytes(settings.Name);
            _announcements = settings.P2P ? new ArrayList() : null;
            if (settings.P2P && settings.P2PRoutes == UplinkP2PRoutes.Retained)
            {
                _peers = new PeerRoutes(settings.P2PMaxRoutes, settings.P2PRoutesGraceSeconds * 1000L);
            }
        }

        public string Name
        {
            get { return _settings.Name; }
        }

        public UplinkSettings Settings
        {
            get { return _settings; }
        }

        /// <summary>Which local clients are present upstream under their own client ID (down path 1 of P2P
        /// federation).</summary>
        public ProxySessions Proxies
        {
            get { return _proxies; }
        }

        /// <summary><c>$SYS/uplink/{name}/state</c>.</summary>
        public string StateTopic
        {
            get { return StateTopicPrefix + _settings.Name + "/state"; }
        }

        /// <summary>Set by the engine before the uplink runs.</summary>
        public UplinkStateChanged StateChanged { get; set; }

        /// <summary>Set by the engine before the uplink runs: told when <see cref="StateChanged"/> threw.</summary>
        public UplinkReportFailed ReportFailed { get; set; }

        /// <summary>Set by the engine before the uplink runs.</summary>
        public UplinkDropped Dropped { get; set; }

        /// <summary>Set by the engine before the uplink runs.</summary>
        public UplinkQueued Queued { get; set; }

        /// <summary>How many connections in a row, each lost within <see cref="ReconnectSchedule.StableConnectionMs"/> of
        /// being made with the same oldest entry sent on it and nothing acknowledged, make that entry too large for the
        /// upstream (<see cref="ConnectionLost"/>). One such loss is a network's hiccup, two can be; three in a row, each
        /// right after the same entry and never after another, is the upstream refusing that entry — and cost the queue
        /// only the first three steps of the backoff (at most 0.5 + 1 + 2 s with the defaults) before it moves on.</summary>
        public const int LossesBeforeTooLarge = 3;

        /// <summary>Set by the engine before the uplink runs (with retained routes).</summary>
        public UplinkP2PUnrouted P2PUnrouted { get; set; }

        /// <summary>With retained routes: P2P messages that went up plainly since start because no gateway on the upstream
        /// announced their target (<see cref="UplinkP2PUnrouted"/>).</summary>
        public long P2PUnroutedCount
        {
            get
            {
                lock (_sync)
                {
                    return _p2pUnrouted;
                }
            }
        }

        /// <summary>Who this broker can deliver to, announced upstream on every connect when P2P federation is on. Set
        /// by <see cref="UplinkSet.Add"/>.</summary>
        public ReachableClients Reachable { get; set; }

        /// <summary>Told when this uplink learns that a client is connected on another gateway of its upstream
        /// (<see cref="Learn(string, byte[], bool, long)"/>). Set by <see cref="UplinkSet.Add"/>.</summary>
        public ClientConnectedElsewhere ConnectedElsewhere { get; set; }

        /// <summary>
        /// A local PUBLISH the broker accepted. When a forward rule matches (and the message did not come down this
        /// uplink) it is queued durably before this returns <see cref="UplinkOfferOutcome.Queued"/>, so the publisher
        /// may be acknowledged; a full queue drops its oldest entries or refuses the message, by the configured policy.
        /// </summary>
        public UplinkOfferOutcome Offer(RoutedMessage message, long nowMs)
        {
            if (message.OriginUplink == _settings.Name
                || (_settings.P2P && P2PAddress.ReceiverStart(message.Topic) >= 0))
            {
                // With P2P federation on, a P2P address goes up only when it is for no one here (OfferP2P).
                return UplinkOfferOutcome.NotForwarded;
            }

            UplinkRule rule = null;
            string remoteTopic = null;
            for (int i = 0; i < _settings.ForwardRules.Count && remoteTopic == null; i++)
            {
                rule = (UplinkRule)_settings.ForwardRules[i];
                remoteTopic = rule.MapUp(message.Topic);
            }

            if (remoteTopic == null)
            {
                return UplinkOfferOutcome.NotForwarded;
            }

            return Enqueue(remoteTopic, message.Qos < rule.Qos ? message.Qos : rule.Qos, message, nowMs, UplinkEntry.NotP2P);
        }

        /// <summary>
        /// A P2P message for a client that has no session here and no route below: with P2P federation on, queued
        /// durably for the upstream (QoS at most 1) as its plain address (<c>{parent}/p2p/{target}</c>), unless it came
        /// down this uplink. With retained routes its upstream topic is decided when it leaves the queue
        /// (<see cref="TakeSendable"/>), with the routes known then: the envelope addressed to the gateway whose
        /// retained route names the target, which that gateway's subscription receives, otherwise unchanged. Decided
        /// here it would use the routes of the moment it was queued — none after a restart while the upstream is down.
        /// The caller checked the hop count.
        /// </summary>
        public UplinkOfferOutcome OfferP2P(RoutedMessage message, long nowMs)
        {
            if (!_settings.P2P || message.OriginUplink == _settings.Name)
            {
                return UplinkOfferOutcome.NotForwarded;
            }

            int qos = message.Qos < 1 ? message.Qos : 1;
            return Enqueue(message.Topic, qos, message, nowMs, _peers == null ? UplinkEntry.NotP2P : message.Hops);
        }

        /// <summary>Whether a P2P message for the client ID <paramref name="text"/>[start, start+length), which is
        /// connected on another gateway, can go up this uplink to reach it: with P2P federation on — an EdgeBroker
        /// upstream routes it —, and with retained routes while a gateway on the upstream announces the client (without
        /// one the message would go up plainly and reach no gateway).</summary>
        public bool ReachesElsewhere(string text, int start, int length)
        {
            return _settings.P2P && (_peers == null || _peers.PathFor(text, start, length, Clock.MonotonicMs()) != null);
        }

        /// <summary>With retained routes: whether another gateway on this upstream says <paramref name="clientId"/> is
        /// connected there.</summary>
        public bool PeerHasConnected(string clientId)
        {
            return _peers != null && _peers.IsConnected(clientId, Clock.MonotonicMs());
        }

        /// <summary>The other gateway on this upstream that hosts <paramref name="clientId"/> as its retained routes say,
        /// or null.</summary>
        public string PeerGatewayOf(string clientId)
        {
            string path = _peers == null ? null : _peers.PathFor(clientId, 0, clientId.Length, Clock.MonotonicMs());
            return path == null ? null : RemoteRoutes.FirstLevel(path);
        }

        /// <summary>Queues <paramref name="message"/> durably under <paramref name="remoteTopic"/>, within the bounds.</summary>
        UplinkOfferOutcome Enqueue(string remoteTopic, int qos, RoutedMessage message, long nowMs, int p2pHops)
        {
            long size = UplinkEntry.SizeOf(remoteTopic, message.PayloadLength, message.EngineProperties);
            UplinkEntry entry;
            long dropped = 0;
            lock (_sync)
            {
                if (!MakeRoom(size, ref dropped))
                {
                    _refused++;
                    return UplinkOfferOutcome.Full;
                }

                byte[] payload = new byte[message.PayloadLength];
                if (message.PayloadLength > 0)
                {
                    System.Array.Copy(message.Payload, message.PayloadOffset, payload, 0, message.PayloadLength);
                }

                entry = new UplinkEntry(remoteTopic, payload, qos, message.Retain, _dedupeIds.Next(), nowMs, message.EngineProperties);
                entry.P2PHops = p2pHops;
                _queuedCount++;
                _queuedBytes += size;
                _pendingCount++;
                _pendingBytes += size;
            }

            ReportDropped(dropped);
            long sequence = _store.Append(_settings.Name, entry);
            lock (_sync)
            {
                _pendingCount--;
                _pendingBytes -= size;
                if (sequence == 0)
                {
                    _queuedCount--;
                    _queuedBytes -= size;
                }
            }

            if (sequence == 0)
            {
                return UplinkOfferOutcome.StoreFailed;
            }

            Signal();
            return UplinkOfferOutcome.Queued;
        }

        /// <summary>Whether an entry of <paramref name="size"/> fits, after dropping the oldest entries not yet sent when
        /// the policy allows it. Called under the lock.</summary>
        bool MakeRoom(long size, ref long dropped)
        {
            if (size > _settings.MaxQueuedBytes)
            {
                return false;
            }

            while (_queuedCount + 1 > _settings.MaxQueuedMessages || _queuedBytes + size > _settings.MaxQueuedBytes)
            {
                if (_settings.FullPolicy == UplinkFullPolicy.RefuseNew)
                {
                    return false;
                }

                // The oldest entry not yet sent: one in flight is on its way to the upstream already (dropped, it would
                // still arrive, and its window slot would let one more PUBLISH out than the window allows).
                long sequence = _store.RemoveOldest(_settings.Name, _lastTaken);
                if (sequence == 0)
                {
                    // Only entries in flight and appends under way fill the queue: nothing unsent and durable to drop.
                    return false;
                }

                _queuedCount = _store.Count(_settings.Name) + _pendingCount;
                _queuedBytes = _store.Bytes(_settings.Name) + _pendingBytes;
                _dropped++;
                dropped = _dropped;
            }

            return true;
        }

        void ReportDropped(long droppedTotal)
        {
            UplinkDropped handler = Dropped;
            if (droppedTotal > 0 && handler != null)
            {
                handler(this, droppedTotal);
            }
        }

        /// <summary>
        /// Whether to connect now, and where: the address to try, or null while connected, connecting or backing off.
        /// The state becomes <see cref="UplinkState.Connecting"/>.
        /// </summary>
        public UplinkAddress NextConnect(long monotonicMs)
        {
            UplinkAddress address;
            lock (_sync)
            {
                if (_state == UplinkState.Connected || _state == UplinkState.Connecting
                    || (_state == UplinkState.BackingOff && _reconnect.WaitMs(monotonicMs) > 0))
                {
                    return null;
                }

                address = _reconnect.NextAttempt();
                _state = UplinkState.Connecting;
            }

            ReportState();
            return address;
        }

        /// <summary>How long until <see cref="NextConnect"/> gives an address (ms); 0 when it would now.</summary>
        public long WaitMs(long monotonicMs)
        {
            lock (_sync)
            {
                if (_state != UplinkState.BackingOff)
                {
                    return 0;
                }

                return _reconnect.WaitMs(monotonicMs);
            }
        }

        /// <summary>The upstream accepted the connection: entries left unacknowledged are handed out again first.</summary>
        public void Connected(long monotonicMs)
        {
            Connected(monotonicMs, _settings.InFlightWindow);
        }

        /// <summary>The upstream accepted the connection and allows <paramref name="receiveMaximum"/> unacknowledged QoS 1
        /// PUBLISHes (an MQTT 5 CONNACK's Receive Maximum, [MQTT-3.3.4-7]): the in-flight window for this connection is
        /// the smaller of that and the configured one, resends included.</summary>
        public void Connected(long monotonicMs, int receiveMaximum)
        {
            Connected(monotonicMs, receiveMaximum, 0);
        }

        /// <summary>As <see cref="Connected(long, int)"/>, with the largest packet the upstream takes
        /// (<paramref name="maximumPacketSize"/>, an MQTT 5 CONNACK's Maximum Packet Size; 0 when it said none): an
        /// entry whose PUBLISH is larger is dropped rather than sent (<see cref="Fits"/>).</summary>
        public void Connected(long monotonicMs, int receiveMaximum, int maximumPacketSize)
        {
            lock (_sync)
            {
                _window = receiveMaximum < _settings.InFlightWindow ? receiveMaximum : _settings.InFlightWindow;
                _maxPacketSize = maximumPacketSize;
                _state = UplinkState.Connected;
                _reconnect.Connected(monotonicMs);
                _connectedAtMs = monotonicMs;
                _answered = false;
                _resendIndex = 0;
                if (_announcements != null)
                {
                    _announcements.Clear();
                }

                if (_peers != null)
                {
                    // Relearnt from the retained routes the upstream delivers on the new subscription; queued P2P
                    // messages wait for them (Learn).
                    _peers.Clear();
                    _routesKnown = false;
                }
            }

            AnnounceAll();
            ReportState();
        }

        /// <summary>With P2P federation on: every client this broker can reach is announced upstream, ahead of changes
        /// announced meanwhile (so a change during the collection is not undone by it); with retained routes, this
        /// gateway's status first.</summary>
        void AnnounceAll()
        {
            ReachableClients reachable = Reachable;
            if (!_settings.P2P)
            {
                return;
            }

            ArrayList clientIds = new ArrayList();
            ArrayList routes = new ArrayList();
            if (reachable != null)
            {
                reachable(null, clientIds, routes);
            }

            lock (_sync)
            {
                int at = 0;
                for (int i = 0; i < clientIds.Count; i++)
                {
                    string clientId = (string)clientIds[i];
                    if (P2PAddress.CanAddress(clientId))
                    {
                        _announcements.Insert(at++, Announcement(clientId, (string)routes[i]));
                    }
                }

                if (_peers != null)
                {
                    _announcements.Insert(0, StatusAnnouncement());
                }
            }

            Signal();
        }

        /// <summary>
        /// With P2P federation on and while connected: tells the upstream that <paramref name="clientId"/> is now
        /// reachable through this broker along <paramref name="route"/> (<see cref="P2PEnvelope.RouteOf"/>), or no
        /// longer (null). While disconnected nothing is kept: the next connect announces everything anew. A client ID
        /// that cannot be P2P-addressed (<see cref="P2PAddress.CanAddress"/>) is never announced.
        /// </summary>
        public void Announce(string clientId, string route)
        {
            if (!_settings.P2P || !P2PAddress.CanAddress(clientId))
            {
                // Its announcement's topic would be invalid: an upstream closes the connection on it.
                return;
            }

            AddAnnouncement(Announcement(clientId, route));
        }

        /// <summary>Sends <paramref name="announcement"/> next while connected; while disconnected the next connect
        /// announces everything anew.</summary>
        void AddAnnouncement(UplinkEntry announcement)
        {
            lock (_sync)
            {
                if (_state != UplinkState.Connected)
                {
                    return;
                }

                _announcements.Add(announcement);
            }

            Signal();
        }

        /// <summary>What this broker can reach of <paramref name="clientId"/> now: its route
        /// (<see cref="P2PEnvelope.RouteOf"/>), or null.</summary>
        string RouteHere(string clientId)
        {
            ReachableClients reachable = Reachable;
            if (reachable == null)
            {
                return null;
            }

            ArrayList clientIds = new ArrayList();
            ArrayList routes = new ArrayList();
            reachable(clientId, clientIds, routes);
            return routes.Count == 0 ? null : (string)routes[0];
        }

        /// <summary>The announcement of <paramref name="clientId"/>: on <c>$eb/route/…</c> for an EdgeBroker upstream,
        /// retained under the routes topic otherwise.</summary>
        UplinkEntry Announcement(string clientId, string route)
        {
            byte[] payload = P2PEnvelope.AnnouncementPayload(route);
            return _peers == null
                ? new UplinkEntry(P2PEnvelope.AnnouncementPrefix + clientId, payload, 0, false, null, 0)
                : new UplinkEntry(RetainedRoutes.RouteTopic(_settings.P2PRoutesTopic, _settings.ClientId, clientId), payload, 0, true, null, 0);
        }

        UplinkEntry StatusAnnouncement()
        {
            return new UplinkEntry(WillTopic, RetainedRoutes.StatusPayload(true), 0, true, null, 0);
        }

        /// <summary>With retained routes: this gateway's status topic, on which its will (retained, QoS 0,
        /// <see cref="WillPayload"/>) and its clean stop say it is offline; null otherwise.</summary>
        public string WillTopic
        {
            get { return _peers == null ? null : RetainedRoutes.StatusTopic(_settings.P2PRoutesTopic, _settings.ClientId); }
        }

        /// <summary>The will's message on <see cref="WillTopic"/> (and what a clean stop publishes there): the offline
        /// status, never empty (<see cref="RetainedRoutes.OfflineStatus"/>); null without a will. Every engine's transport
        /// sends this one.</summary>
        public byte[] WillPayload
        {
            get { return _peers == null ? null : RetainedRoutes.StatusPayload(false); }
        }

        /// <summary>What the engine subscribes to upstream besides the subscribe rules, at QoS 1: with retained routes
        /// the routes topic and this gateway's envelope address; otherwise nothing.</summary>
        public string[] P2PFilters()
        {
            return _peers == null ? new string[0] : RetainedRoutes.Filters(_settings.P2PRoutesTopic, _settings.ClientId);
        }

        /// <summary>
        /// A message from upstream that is a retained route or status under this uplink's routes topic: another
        /// gateway's is learned; this gateway's own is corrected when it disagrees with what this broker can reach now
        /// (a route left from before a restart, a status its previous connection's will cleared). Or, with P2P
        /// federation on, an EdgeBroker upstream's notice that a client is connected on another gateway
        /// (<see cref="P2PEnvelope.ConnectedElsewhereNotice"/>). True when it was one: the engine routes it no further.
        /// </summary>
        public bool Learn(string remoteTopic, byte[] payload, long monotonicMs)
        {
            return Learn(remoteTopic, payload, true, monotonicMs);
        }

        /// <summary>
        /// As <see cref="Learn(string, byte[], long)"/>, knowing whether the upstream delivered it as a retained message
        /// (<paramref name="retained"/>: for the new subscription) or live. This gateway's own status arriving live is
        /// the echo of the status it published first on this connection, after subscribing: the upstream delivers the
        /// retained routes of a new subscription before a message published after it, so the routes are known from
        /// then on and queued P2P messages are given their address.
        /// </summary>
        public bool Learn(string remoteTopic, byte[] payload, bool retained, long monotonicMs)
        {
            if (!_settings.P2P)
            {
                return false;
            }

            string moved = P2PEnvelope.AnnouncedClientId(remoteTopic);
            if (moved != null)
            {
                if (P2PEnvelope.SaysConnected(payload))
                {
                    TellConnectedElsewhere(moved);
                }

                return true;
            }

            string gateway;
            string clientId;
            if (_peers == null || !RetainedRoutes.Parse(_settings.P2PRoutesTopic, remoteTopic, out gateway, out clientId))
            {
                return false;
            }

            bool online = RetainedRoutes.IsOnline(payload);
            string said = clientId == null ? null : P2PEnvelope.AnnouncedRoute(payload, 0, payload.Length);
            if (gateway != _settings.ClientId)
            {
                if (clientId == null)
                {
                    _peers.StatusChanged(gateway, online, monotonicMs);
                }
                else if (_peers.Learned(gateway, clientId, said, monotonicMs))
                {
                    TellConnectedElsewhere(clientId);
                }
            }
            else if (clientId == null)
            {
                if (!online)
                {
                    AddAnnouncement(StatusAnnouncement());
                }
                else if (!retained)
                {
                    RoutesArrived();
                }
            }
            else
            {
                string now = RouteHere(clientId);
                if (now != said)
                {
                    AddAnnouncement(Announcement(clientId, now));
                }
            }

            return true;
        }

        void TellConnectedElsewhere(string clientId)
        {
            ClientConnectedElsewhere handler = ConnectedElsewhere;
            if (handler != null)
            {
                handler(clientId);
            }
        }

        /// <summary>The retained routes of this connection have arrived: queued P2P messages may go.</summary>
        void RoutesArrived()
        {
            lock (_sync)
            {
                if (_state != UplinkState.Connected || _routesKnown)
                {
                    return;
                }

                _routesKnown = true;
            }

            Signal();
        }

        /// <summary>With retained routes, while connected and their arrival is awaited: how long until queued P2P
        /// messages go without them (ms; an engine that waits for work rather than polling wakes then); 0 otherwise.</summary>
        public long RoutesWaitRemainingMs(long monotonicMs)
        {
            lock (_sync)
            {
                if (_peers == null || _routesKnown || _state != UplinkState.Connected)
                {
                    return 0;
                }

                long left = _connectedAtMs + RoutesWaitMs - monotonicMs;
                return left > 0 ? left : 0;
            }
        }

        void Signal()
        {
            UplinkQueued queued = Queued;
            if (queued != null)
            {
                queued(this);
            }
        }

        /// <summary>The attempt failed (refused CONNACK — give its reason —, TLS, unreachable): back off, then try the
        /// next address.</summary>
        public void ConnectFailed(string reason, long monotonicMs)
        {
            lock (_sync)
            {
                _reconnect.AttemptFailed(monotonicMs);
                BackOff(reason);
            }

            ReportState();
        }

        /// <summary>
        /// An established connection ended: back off briefly, then reconnect to the same address. An upstream that does
        /// not announce its maximum packet size (MQTT 3.1.1) closes the connection on a PUBLISH larger than it takes, and
        /// the oldest unacknowledged entry goes first on every connection — so one such entry would be sent again and
        /// again and hold up everything behind it for ever. When the connection was lost within
        /// <see cref="ReconnectSchedule.StableConnectionMs"/> of being made, with the oldest unacknowledged entry sent on
        /// it and nothing acknowledged, <see cref="LossesBeforeTooLarge"/> times in a row with the same entry, that entry
        /// is dropped as too large for the upstream (counted in <c>tooLarge</c>); <c>lastError</c> says so, and on the
        /// losses before it which entry they followed. Returns what was dropped and why, for the engine's log (as drops
        /// are: <see cref="Diagnostics.DropReports"/>), or null. Not a delegate: on the device every uplink would keep
        /// one on its heap.
        /// </summary>
        public string ConnectionLost(string reason, long monotonicMs)
        {
            string dropped = null;
            lock (_sync)
            {
                if (_state != UplinkState.Connected)
                {
                    return null;
                }

                UplinkEntry head = _resendIndex > 0 ? (UplinkEntry)_inFlight[0] : null;
                if (head == null || _answered || monotonicMs - _connectedAtMs >= ReconnectSchedule.StableConnectionMs)
                {
                    _suspect = 0;
                    _suspectLosses = 0;
                }
                else
                {
                    if (reason.Length > 0 && reason[reason.Length - 1] == '.')
                    {
                        // The transport's sentence goes on.
                        reason = reason.Substring(0, reason.Length - 1);
                    }

                    _suspectLosses = head.Sequence == _suspect ? _suspectLosses + 1 : 1;
                    _suspect = head.Sequence;
                    if (_suspectLosses < LossesBeforeTooLarge)
                    {
                        reason += " right after the oldest queued message (" + Described(head) + ") was sent, " + _suspectLosses
                            + " of " + LossesBeforeTooLarge + " times in a row before it is dropped as too large for the upstream";
                    }
                    else
                    {
                        dropped = "dropped a message (" + Described(head) + "): the upstream closed the connection right after it "
                            + LossesBeforeTooLarge + " times in a row, so it is taken as too large for the upstream";
                        reason += "; " + dropped;
                        DropTooLarge(head);
                        _suspect = 0;
                        _suspectLosses = 0;
                    }
                }

                _reconnect.ConnectionLost(monotonicMs);
                BackOff(reason);
            }

            ReportState();
            return dropped;
        }

        /// <summary>
        /// Whether <paramref name="entry"/>, handed out by <see cref="TakeSendable(ArrayList)"/>, may be sent as a PUBLISH
        /// of <paramref name="packetBytes"/> (as the engine encodes it). Not when the upstream announced a smaller
        /// Maximum Packet Size: it would close the connection on it, and the entry would go first again on every
        /// connection. Then the entry is dropped from the queue and counted in <c>tooLarge</c>, the engine does not
        /// send it, and <paramref name="dropped"/> says what was dropped, with its size and the limit, for the engine's
        /// log (as drops are); otherwise it is null.
        /// </summary>
        public bool Fits(UplinkEntry entry, long packetBytes, out string dropped)
        {
            lock (_sync)
            {
                if (_maxPacketSize <= 0 || packetBytes <= _maxPacketSize)
                {
                    dropped = null;
                    return true;
                }

                dropped = "dropped a message (" + Described(entry) + "): its PUBLISH is " + packetBytes
                    + " bytes, more than the upstream's Maximum Packet Size of " + _maxPacketSize;
                DropTooLarge(entry);
            }

            Signal();
            return false;
        }

        /// <summary>Deletes the in-flight <paramref name="entry"/> unsent as too large and counts it. Under the lock.</summary>
        void DropTooLarge(UplinkEntry entry)
        {
            _tooLarge++;
            if (ForgetInFlight(entry.Sequence) != null)
            {
                _queuedCount--;
                _queuedBytes -= entry.Size;
                _store.Remove(_settings.Name, entry.Sequence);
            }
        }

        static string Described(UplinkEntry entry)
        {
            return "for " + entry.RemoteTopic + ", " + entry.Payload.Length + " bytes of payload";
        }

        void BackOff(string reason)
        {
            _lastError = reason;
            _state = UplinkState.BackingOff;
        }

        /// <summary>Tells the engine about a state change. The state has changed already, whatever the engine does with
        /// the news: a report that throws (its log, a retained status in a store that cannot write) goes to
        /// <see cref="ReportFailed"/> and never out of the transition, which would leave the state machine half-way (a
        /// <see cref="NextConnect"/> that set Connecting but gave the engine no address: connecting for ever).</summary>
        void ReportState()
        {
            UplinkStateChanged handler = StateChanged;
            if (handler == null)
            {
                return;
            }

            try
            {
                handler(this, Status(Clock.NowMs()));
            }
            catch (System.Exception e)
            {
                UplinkReportFailed failed = ReportFailed;
                if (failed != null)
                {
                    try
                    {
                        failed(this, e);
                    }
                    catch (System.Exception)
                    {
                        // Nothing left to tell: the state machine stands as it is.
                    }
                }
            }
        }

        /// <summary>
        /// Adds to <paramref name="into"/> what to send now while connected: in-flight entries of a lost connection first
        /// (their <see cref="UplinkEntry.Duplicate"/> set), then new entries, oldest first, as far as the in-flight window
        /// allows. Returns how many were added.
        /// </summary>
        public int TakeSendable(ArrayList into)
        {
            return TakeSendable(into, Clock.MonotonicMs());
        }

        /// <summary>
        /// As <see cref="TakeSendable(ArrayList)"/> at <paramref name="monotonicMs"/>. With retained routes a queued P2P message
        /// (<see cref="UplinkEntry.P2PHops"/>) is given its address as it leaves the queue: the envelope to the gateway
        /// the routes name, or its plain address when none does (counted, <see cref="P2PUnrouted"/>). Until the routes
        /// of this connection arrived (<see cref="Learn(string, byte[], bool, long)"/>), at most
        /// <see cref="RoutesWaitMs"/> after connecting, it and every entry after it wait, so the order holds.
        /// </summary>
        public int TakeSendable(ArrayList into, long monotonicMs)
        {
            string unrouted = null;
            long unroutedFirst = 0;
            long unroutedLast = 0;
            int added = TakeSendable(into, monotonicMs, ref unrouted, ref unroutedFirst, ref unroutedLast);
            UplinkP2PUnrouted handler = P2PUnrouted;
            if (unrouted != null && handler != null)
            {
                // Each total once, so that the engine's drop reports (DropReports) see every number.
                for (long total = unroutedFirst; total <= unroutedLast; total++)
                {
                    handler(this, unrouted, total);
                }
            }

            return added;
        }

        int TakeSendable(ArrayList into, long monotonicMs, ref string unrouted, ref long unroutedFirst, ref long unroutedLast)
        {
            lock (_sync)
            {
                if (_state != UplinkState.Connected)
                {
                    return 0;
                }

                if (_peers != null && !_routesKnown && monotonicMs - _connectedAtMs >= RoutesWaitMs)
                {
                    _routesKnown = true;
                }

                int added = 0;
                int announced = _announcements == null ? 0 : _announcements.Count;
                for (int i = 0; i < announced; i++)
                {
                    into.Add(_announcements[i]);
                    added++;
                }

                if (announced > 0)
                {
                    _announcements.Clear();
                }
                while (_resendIndex < _inFlight.Count && _resendIndex < _window)
                {
                    UplinkEntry entry = (UplinkEntry)_inFlight[_resendIndex];
                    entry.Duplicate = true;
                    into.Add(entry);
                    _resendIndex++;
                    added++;
                }

                int room = _window - _inFlight.Count;
                if (room <= 0)
                {
                    return added;
                }

                _read.Clear();
                _store.Read(_settings.Name, _lastTaken, room, _read);
                for (int i = 0; i < _read.Count; i++)
                {
                    UplinkEntry entry = (UplinkEntry)_read[i];
                    if (entry.P2PHops != UplinkEntry.NotP2P)
                    {
                        if (_peers != null && !_routesKnown)
                        {
                            break;
                        }

                        if (!Address(entry, monotonicMs))
                        {
                            _p2pUnrouted++;
                            unrouted = entry.RemoteTopic;
                            unroutedFirst = unroutedFirst == 0 ? _p2pUnrouted : unroutedFirst;
                            unroutedLast = _p2pUnrouted;
                        }
                    }

                    _inFlight.Add(entry);
                    into.Add(entry);
                    _lastTaken = entry.Sequence;
                    added++;
                }

                _resendIndex = _inFlight.Count;
                _sent += added - announced;
                _read.Clear();
                return added;
            }
        }

        /// <summary>Gives the queued P2P message <paramref name="entry"/> its upstream topic: the envelope to the gateway
        /// whose retained route names its target, one hop more than it had here; false when no gateway does (it goes
        /// up plainly). Under the lock.</summary>
        bool Address(UplinkEntry entry, long monotonicMs)
        {
            string topic = entry.RemoteTopic;
            int receiverStart = P2PAddress.ReceiverStart(topic);
            string path = _peers == null || receiverStart < 0
                ? null
                : _peers.PathFor(topic, receiverStart, topic.Length - receiverStart, monotonicMs);
            if (path == null)
            {
                entry.P2PHops = UplinkEntry.NotP2P;
                return _peers == null;
            }

            entry.Readdress(P2PEnvelope.Wrap(topic, receiverStart, path, entry.P2PHops + 1));
            return true;
        }

        /// <summary>The upstream acknowledged the QoS 1 entry <paramref name="sequence"/> (PUBACK): delete it.</summary>
        public void Acknowledged(long sequence)
        {
            Complete(sequence, false, true);
        }

        /// <summary>The upstream refused the QoS 1 entry <paramref name="sequence"/> (an MQTT 5 PUBACK with a reason of
        /// 0x80 or more, e.g. not authorized): its final word — sent again it would be refused again and hold up the
        /// queue — so the entry is deleted, and counted apart from the acknowledged ones. Returns how many the upstream
        /// refused in all, this one included.</summary>
        public long RefusedUpstream(long sequence)
        {
            lock (_sync)
            {
                Complete(sequence, true, true);
                return _refusedUpstream;
            }
        }

        /// <summary>The QoS 0 entry <paramref name="sequence"/> was written to the connection: delete it.</summary>
        public void Written(long sequence)
        {
            Complete(sequence, false, false);
        }

        /// <summary>Deletes the in-flight entry <paramref name="sequence"/>; <paramref name="answered"/> when the upstream
        /// answered it (a PUBACK), which shows the connection does not end on the entry it was sent after.</summary>
        void Complete(long sequence, bool refusedUpstream, bool answered)
        {
            lock (_sync)
            {
                _answered |= answered;
                UplinkEntry entry = ForgetInFlight(sequence);
                if (entry == null)
                {
                    // A second acknowledgement of a resent entry.
                    return;
                }

                _queuedCount--;
                _queuedBytes -= entry.Size;
                if (refusedUpstream)
                {
                    _refusedUpstream++;
                }
                else
                {
                    _acknowledged++;
                }

                // Need not be durable (IUplinkQueueStore.Remove): a store that cannot write it now forgets the entry
                // all the same, and it is sent again after a restart.
                _store.Remove(_settings.Name, sequence);
            }
        }

        UplinkEntry ForgetInFlight(long sequence)
        {
            for (int i = 0; i < _inFlight.Count; i++)
            {
                UplinkEntry entry = (UplinkEntry)_inFlight[i];
                if (entry.Sequence == sequence)
                {
                    _inFlight.RemoveAt(i);
                    if (i < _resendIndex)
                    {
                        _resendIndex--;
                    }

                    return entry;
                }
            }

            return null;
        }

        /// <summary>
        /// A message from upstream larger than the gateway takes (its <c>max_packet_size</c>) was skipped: the engine
        /// reads past it without keeping it and acknowledges it, so the upstream does not send it again on every
        /// reconnect (it would never fit), and it is not published locally. Counts it; returns how many in all, for the
        /// engine's log (<see cref="Diagnostics.DropReports"/>).
        /// </summary>
        public long SkippedTooLarge()
        {
            lock (_sync)
            {
                _downTooLarge++;
                return _downTooLarge;
            }
        }

        /// <summary>The local topic for a message that arrived from upstream on <paramref name="remoteTopic"/>, or null
        /// when no subscribe rule covers it.</summary>
        public string MapDown(string remoteTopic)
        {
            UplinkRule rule = SubscribeRuleFor(remoteTopic);
            return rule == null ? null : rule.MapDown(remoteTopic);
        }

        /// <summary>A message from upstream as the local broker routes it: remapped topic, the lower of its QoS and the
        /// rule's, and this uplink as its origin. Null when no subscribe rule covers <paramref name="remoteTopic"/>.</summary>
        public RoutedMessage Down(string remoteTopic, byte[] payload, int qos, bool retain)
        {
            RoutedMessage unwrapped = Unwrap(remoteTopic, payload, qos);
            if (unwrapped != null)
            {
                return unwrapped;
            }

            UplinkRule rule = SubscribeRuleFor(remoteTopic);
            if (rule == null)
            {
                return null;
            }

            RoutedMessage message = new RoutedMessage(rule.MapDown(remoteTopic), payload, qos < rule.Qos ? qos : rule.Qos, retain);
            message.OriginUplink = _settings.Name;
            return message;
        }

        /// <summary>With P2P federation on, an envelope addressed to this gateway's client ID
        /// (<see cref="P2PEnvelope"/>) as the P2P message inside it, with its hop count and the gateways below it must
        /// still pass, or an unreachable notice for this gateway as <see cref="RoutedMessage.UnreachableNotice"/> about
        /// its P2P address; otherwise null.</summary>
        RoutedMessage Unwrap(string remoteTopic, byte[] payload, int qos)
        {
            if (!_settings.P2P)
            {
                return null;
            }

            int hops;
            string via;
            string topic = P2PEnvelope.Unwrap(remoteTopic, _settings.ClientId, out hops, out via);
            string unreachable = topic == null ? P2PEnvelope.UnreachableTarget(remoteTopic, _settings.ClientId) : null;
            if (topic == null && unreachable == null)
            {
                return null;
            }

            RoutedMessage message = new RoutedMessage(topic == null ? unreachable : topic, payload, qos, false);
            message.OriginUplink = _settings.Name;
            message.Hops = hops;
            message.Via = via;
            message.UnreachableNotice = unreachable != null;
            return message;
        }

        UplinkRule SubscribeRuleFor(string remoteTopic)
        {
            for (int i = 0; i < _settings.SubscribeRules.Count; i++)
            {
                UplinkRule rule = (UplinkRule)_settings.SubscribeRules[i];
                if (rule.MapDown(remoteTopic) != null)
                {
                    return rule;
                }
            }

            return null;
        }

        /// <summary>Where the connection stands now (<see cref="Status"/> has the rest, in a new object).</summary>
        public UplinkState State
        {
            get
            {
                lock (_sync)
                {
                    return _state;
                }
            }
        }

        /// <summary>A snapshot; <paramref name="nowMs"/> is the wall clock (<see cref="Clock.NowMs"/>), against which the
        /// oldest queued entry's age is taken.</summary>
        public UplinkStatus Status(long nowMs)
        {
            lock (_sync)
            {
                UplinkStatus status = new UplinkStatus();
                status.Name = _settings.Name;
                status.State = _state;
                status.Address = _reconnect.Address.Text;
                status.Queued = _store.Count(_settings.Name);
                status.QueuedBytes = _store.Bytes(_settings.Name);
                long oldest = _store.OldestEnqueuedAtMs(_settings.Name);
                long oldestAtMs = oldest == 0 ? nowMs : Clock.Rebased(oldest, nowMs);
                status.OldestQueuedAgeMs = oldestAtMs > nowMs ? 0 : nowMs - oldestAtMs;
                status.InFlight = _inFlight.Count;
                status.Sent = _sent;
                status.Acknowledged = _acknowledged;
                status.Dropped = _dropped;
                status.Refused = _refused;
                status.RefusedUpstream = _refusedUpstream;
                status.DownTooLarge = _downTooLarge;
                status.TooLarge = _tooLarge;
                status.Failures = _reconnect.Failures;
                status.BackoffCapMs = _state == UplinkState.BackingOff ? _reconnect.BackoffCapMs : 0;
                status.LastError = _lastError;
                status.ProxySessions = _proxies.Count;
                status.ProxyOverCap = _proxies.OverCap;
                return status;
            }
        }
    }
}
