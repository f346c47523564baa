using System;
using System.Collections;
using System.Threading;
using EdgeBroker.Core.Access;
using EdgeBroker.Core.Diagnostics;
using EdgeBroker.Core.Flow;
using EdgeBroker.Core.Monitoring;
using EdgeBroker.Core.Offline;
using EdgeBroker.Core.Presence;
using EdgeBroker.Core.Retained;
using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Security;
using EdgeBroker.Core.Sessions;
using EdgeBroker.Core.Subscriptions;
using EdgeBroker.Core.Topics;
using EdgeBroker.Core.Uplink;

namespace EdgeBroker.Core
{
    /// <summary>
    /// The routing core as an engine sees it: report connections, subscriptions, publications and acknowledgements,
    /// and the core decides, delivers and keeps what must survive. One instance per broker; thread-safe.
    /// <para>
    /// This class is the engines' whole way in: every decision is a call here that returns the answer (a SUBACK code, a
    /// <see cref="PublishOutcome"/>, whether a session was present), every query returns plain data or the engine's own
    /// <see cref="IClientConnection"/>. The sessions, the subscription tree and the router behind it are internal, so an
    /// engine cannot decide around them; the core's tests reach them through InternalsVisibleTo.
    /// </para>
    /// </summary>
    public sealed class BrokerCore : IKnownClients
    {
        /// <summary>MQTT 5 session expiry value meaning "never expires".</summary>
        public const uint NeverExpires = 0xFFFFFFFF;

        /// <summary>SUBACK failure code (MQTT 3.1.1 0x80; MQTT 5 uses it as "unspecified error").</summary>
        public const int SubscribeFailure = 0x80;

        /// <summary>MQTT 5 SUBACK/PUBACK "not authorized".</summary>
        public const int NotAuthorized = 0x87;

        /// <summary>MQTT 5 SUBACK "topic filter invalid" (a malformed filter or share name); MQTT 3.1.1 has no code for
        /// it and closes the connection [MQTT-4.8.0-1], or answers 0x80 when only the share name is wrong.</summary>
        public const int TopicFilterInvalid = 0x8F;

        /// <summary>Not a SUBACK code: the SUBSCRIBE is a protocol error — No Local on a shared subscription
        /// [MQTT-3.8.3-4] — and the engine closes the connection (MQTT 5: DISCONNECT 0x82).</summary>
        public const int ProtocolError = 0x82;

        /// <summary>MQTT 5 SUBACK "quota exceeded": the client holds <see cref="MaxSubscriptionsPerClient"/>
        /// subscriptions already.</summary>
        public const int QuotaExceeded = 0x97;

        readonly SessionRegistry _sessions;
        /// <summary>Which PUBLISHes dropped for a receiver's full offline quota engines log — from local publishers and
        /// from upstream alike, so one line a minute at most covers both (<see cref="QuotaDropToReport"/>).</summary>
        readonly DropReports _quotaDrops;

        /// <summary><see cref="RoutingCounters.QuotaDropped"/> when <see cref="QuotaDropToReport"/> last looked.</summary>
        int _quotaDropsSeen;

        /// <summary>The sessions <see cref="Tick"/> looks at; its lock also keeps two ticks from overlapping.</summary>
        readonly DueSessions _due = new DueSessions();
        readonly SubscriptionIndex _subscriptions;
        readonly IOfflineStore _offlineStore;
        readonly ISessionStore _sessionStore;
        readonly OfflineDelivery _offline;
        readonly RoutingCounters _counters;
        readonly Router _router;
        readonly PresenceTracker _presence;
        readonly UplinkSet _uplinks;
        readonly RemoteRoutes _routes;
        readonly UnreachableTargets _unreachable;
        readonly WillBudget _wills = new WillBudget();
        readonly int _maxQos;

        /// <summary>Sends new subscriptions their retained messages; null until <see cref="Retained"/> is set.</summary>
        RetainedDelivery _retainedDelivery;

        /// <summary>Paces the <c>$SYS</c> tree to the queues of its subscribers; null until a tree is made.</summary>
        SysPublication _sysPublication;
        int _sessionsExpired;
        int _sessionsRefused;
        int _connectedSessions;
        int _connectionsAccepted;
        int _maxSubscriptionsPerClient;
        int _maxSessions;
        int _maxAwaitingRelease;
        int _willExtraBytes;
        bool _shuttingDown;

        public BrokerCore(IAccessPolicy policy, IOfflineStore offlineStore, ISessionStore sessionStore, OfflineLimits limits,
            int maxQos, int expectedClients)
        {
            _sessions = new SessionRegistry(expectedClients);
            _subscriptions = new SubscriptionIndex();
            _offlineStore = offlineStore;
            _sessionStore = sessionStore;
            _counters = new RoutingCounters();
            _offline = new OfflineDelivery(offlineStore, limits, _due, _counters);
            _maxQos = maxQos;
            _uplinks = new UplinkSet();
            _uplinks.Reachable = CollectReachable;
            _uplinks.ConnectedElsewhere = ConnectedAbove;
            _routes = new RemoteRoutes();
            _unreachable = new UnreachableTargets();
            _router = new Router(_sessions, _subscriptions, _offline, policy, _counters, maxQos, _uplinks, _routes, _unreachable);
            _presence = new PresenceTracker(_router);
            _quotaDrops = new DropReports();
        }

        internal SubscriptionIndex Subscriptions { get { return _subscriptions; } }

        public RoutingCounters Counters { get { return _counters; } }

        /// <summary>
        /// Asked by an engine after it routed a PUBLISH: whether the core dropped messages for a receiver's full offline
        /// quota since it last asked (<see cref="RoutingCounters.QuotaDropped"/>) and a line is due (the first, then at
        /// most one a minute: <see cref="DropReports"/>), with what the line ends with. Asked whatever the outcome: a message other
        /// receivers got is <see cref="PublishOutcome.Delivered"/>, and the one it missed would go unlogged. Costs one
        /// read while nothing was dropped. Several threads asking at once may name a neighbour's PUBLISH in the line;
        /// the count stays exact.
        /// </summary>
        public bool QuotaDropToReport(out string tally)
        {
            int dropped = _counters.QuotaDropped;
            if (dropped == _quotaDropsSeen)
            {
                tally = null;
                return false;
            }

            _quotaDropsSeen = dropped;
            return _quotaDrops.ShouldReport(dropped, out tally);
        }

        /// <summary>
        /// Asked by an engine after it routed a PUBLISH, as <see cref="QuotaDropToReport"/>: whether QoS 1/2 messages
        /// were dropped since it last asked because a connected receiver whose session ends with its connection had a
        /// full outbound queue (<see cref="Outbound.OutboundQueueLimits"/>; counted in <see cref="RoutingCounters.EngineDropped"/>
        /// too) and a line is due, naming the latest such receiver (<see cref="Outbound.QueueFullDrops"/>).
        /// </summary>
        public bool QueueFullDropToReport(out string receiverClientId, out string tally)
        {
            return _router.QueueFullDrops.ToReport(out receiverClientId, out tally);
        }

        internal Router Router { get { return _router; } }

        /// <summary>Where retained messages are kept: the engine's store, which the core calls for every authorized
        /// retained PUBLISH (see <see cref="RetainedKeeper"/>); null keeps none.</summary>
        public RetainedKeeper KeepRetained
        {
            get { return _router.KeepRetained; }
            set { _router.KeepRetained = value; }
        }

        /// <summary>The retained messages a new subscription gets (<see cref="SendRetained"/>) — the engine's, which it
        /// keeps through <see cref="KeepRetained"/>; set before clients are served. Null (the default) sends none.</summary>
        public RetainedMessages Retained
        {
            get { return _retainedDelivery == null ? null : _retainedDelivery.Messages; }
            set { _retainedDelivery = value == null ? null : new RetainedDelivery(value); }
        }

        /// <summary>
        /// After a SUBSCRIBE's SUBACK is queued: sends the retained messages [MQTT-3.3.1-6] matching the first
        /// <paramref name="count"/> <paramref name="filters"/> whose SUBACK code in <paramref name="codes"/> grants a QoS
        /// and that are not shared [MQTT-4.8.2] (an engine leaves out the ones MQTT 5 Retain Handling excludes) — each
        /// topic once, at the highest QoS granted to a filter matching it and never above its own, RETAIN set, with
        /// <paramref name="subscriptionIdentifier"/> (0: none). As many go now as <paramref name="connection"/> takes; the
        /// rest follow as its queue empties (<see cref="OutboundRoom"/>), so none is dropped for a client that reads.
        /// </summary>
        public void SendRetained(string clientId, IClientConnection connection, string[] filters, int[] codes, int count, int subscriptionIdentifier)
        {
            RetainedDelivery delivery = _retainedDelivery;
            if (delivery != null)
            {
                delivery.Start(clientId, connection, filters, codes, count, subscriptionIdentifier);
            }
        }

        /// <summary>
        /// The engine's outbound queue of <paramref name="connection"/> emptied (the engine calls it outside its own
        /// locks, after every drain: it costs nothing while no retained messages wait): what the core still has for the
        /// connection — the rest of its SUBSCRIBEs' retained messages, the <c>$SYS</c> tree's next batch — goes on.
        /// </summary>
        public void OutboundRoom(string clientId, IClientConnection connection)
        {
            RetainedDelivery delivery = _retainedDelivery;
            if (delivery != null)
            {
                delivery.Room(clientId, connection);
            }

            SysPublication status = _sysPublication;
            if (status != null)
            {
                status.Room(connection);
            }
        }

        /// <summary>The <c>$SYS</c> tree's publication, which hears through <see cref="OutboundRoom"/> that its
        /// subscribers have taken a batch (set by <see cref="SysTree"/>).</summary>
        internal SysPublication SysPublication
        {
            get { return _sysPublication; }
            set { _sysPublication = value; }
        }

        /// <summary>The dedupe ids accepted from gateways' uplinks; null (the default) routes every message.</summary>
        public DedupeWindow Dedupe
        {
            get { return _router.Dedupe; }
            set { _router.Dedupe = value; }
        }

        /// <summary>How many subscriptions one client may hold; a SUBSCRIBE for another filter is answered
        /// <see cref="QuotaExceeded"/>. 0 (the default) sets no limit.</summary>
        public int MaxSubscriptionsPerClient
        {
            get { return _maxSubscriptionsPerClient; }
            set { _maxSubscriptionsPerClient = value; }
        }

        /// <summary>Sessions the core holds, connected and away.</summary>
        public int SessionCount { get { return _sessions.Count; } }

        /// <summary>How many sessions, connected and away, the core holds at most: a CONNECT that would start a further
        /// one is refused (<see cref="ReserveSession"/>), so client IDs that connect once and leave a persistent session
        /// behind cannot take memory without end. 0 (the default) sets no limit.</summary>
        public int MaxSessions
        {
            get { return _maxSessions; }
            set { _maxSessions = value; }
        }

        /// <summary>
        /// Admits a CONNECT of <paramref name="clientId"/> and holds its place until the engine calls
        /// <see cref="ReleaseSession"/> — once it has called <see cref="Connect(string, bool, uint, IClientConnection, bool)"/>,
        /// or refused the CONNECT —, or null when it must be refused. A client ID that holds a session is always
        /// admitted (its reconnect, takeover or clean start replaces that one); a new one while fewer than
        /// <see cref="MaxSessions"/> places are taken by sessions and by the CONNECTs admitted before it — checked and
        /// taken under one lock, so CONNECTs of new client IDs at the same moment cannot each take the last place —
        /// and, for a session that outlives its connection (<paramref name="outlivesConnection"/>), while the session
        /// store has room for it (<see cref="ISessionStore.ReserveSessionRoom"/>: the device's flash log keeps at most a
        /// share for sessions) — that room held with the place, in the same step. Engines ask before they authenticate
        /// — a pairing device must not be paired and then refused — and answer 0x03 (MQTT 5: 0x97); a CONNECT refused
        /// for its credentials releases the place before the login throttle slows its answer, so bad logins never hold
        /// places while they wait.
        /// </summary>
        public SessionReservation ReserveSession(string clientId, bool outlivesConnection)
        {
            SessionReservation reservation = _sessions.Reserve(clientId, _maxSessions, outlivesConnection ? _sessionStore : null);
            if (reservation == null)
            {
                Interlocked.Increment(ref _sessionsRefused);
            }

            return reservation;
        }

        /// <summary>CONNECTs refused since start for their session: <see cref="ReserveSession"/> found every
        /// <see cref="MaxSessions"/> place taken or no room for another persistent session in the session store, or
        /// <see cref="Connect(string, bool, uint, IClientConnection, bool)"/> found the store unable to write it
        /// (<see cref="SessionNotStoredException"/>).</summary>
        public int SessionsRefused { get { return _sessionsRefused; } }

        /// <summary>The CONNECT that <paramref name="reservation"/> (from <see cref="ReserveSession"/>) admitted was
        /// connected or refused: its place is the session's now, or free again. Call once per reservation, whatever
        /// happened to the CONNECT.</summary>
        public void ReleaseSession(SessionReservation reservation)
        {
            _sessions.Release(reservation);
        }

        /// <summary>Sessions held plus places held for CONNECTs of new client IDs under way: what
        /// <see cref="MaxSessions"/> bounds.</summary>
        public int SessionPlacesTaken { get { return _sessions.PlacesTaken; } }

        /// <summary>Bytes the wills the core holds may take together, each counted by <see cref="WillFootprint"/>: a CONNECT
        /// whose will does not fit is refused (<see cref="ReserveWill"/>; MQTT 5 CONNACK 0x97, MQTT 3.1.1 0x03). The room
        /// comes back as a will is published, discarded (DISCONNECT, clean start, session expiry) or replaced. 0 (the
        /// default) sets no limit.</summary>
        public long MaxWillBytes
        {
            get { return _wills.MaxBytes; }
            set { _wills.MaxBytes = value; }
        }

        /// <summary>What the wills held now (and those of CONNECTs under way) count against <see cref="MaxWillBytes"/>.</summary>
        public long WillBytes { get { return _wills.HeldBytes; } }

        /// <summary>CONNECTs refused since start because their will did not fit in <see cref="MaxWillBytes"/>
        /// (<see cref="ReserveWill"/> returned null).</summary>
        public int WillsRefused { get { return _wills.Refused; } }

        /// <summary>What the engine holds of a kept will beside its <see cref="MessageFootprint"/> — the objects around
        /// topic, payload and properties — set once before clients are served (0 by default).</summary>
        public int WillExtraBytes
        {
            get { return _willExtraBytes; }
            set { _willExtraBytes = value; }
        }

        /// <summary>What <paramref name="will"/> counts against <see cref="MaxWillBytes"/>: the footprint every bound that
        /// keeps messages counts (<see cref="MessageFootprint.Of"/>, MQTT 5 properties included) and the engine's
        /// <see cref="WillExtraBytes"/>; at most <see cref="int.MaxValue"/>, which is beyond every bound.</summary>
        public int WillFootprint(RoutedMessage will)
        {
            long bytes = MessageFootprint.Of(will) + _willExtraBytes;
            return bytes > int.MaxValue ? int.MaxValue : (int)bytes;
        }

        /// <summary>
        /// A CONNECT of <paramref name="clientId"/> carries <paramref name="will"/>: takes its room in
        /// <see cref="MaxWillBytes"/>, or returns null when it does not fit — the engine refuses the CONNECT (MQTT 5 0x97,
        /// quota exceeded; MQTT 3.1.1 0x03, server unavailable) rather than accept it without the will, which would leave
        /// the client's subscribers without the news the client asked them to get. The will the client ID holds now
        /// does not count against the new one: its new connection replaces it. Engines ask before they authenticate (a
        /// refusal changes nothing), hand the reservation to <see cref="KeepWill"/> once the core took the connection,
        /// and dispose of it however the CONNECT ends (<see cref="WillReservation.Dispose"/>).
        /// </summary>
        public WillReservation ReserveWill(string clientId, RoutedMessage will)
        {
            WillReservation reservation = new WillReservation(_wills, will, WillFootprint(will));
            Session session = _sessions.Find(clientId);

            // Read without the session's lock (an int, whole): a will replaced meanwhile is let go of as it goes.
            int held = session == null ? 0 : session.WillBytes;
            return _wills.TryTake(reservation, held) ? reservation : null;
        }

        /// <summary>Sessions with a live connection: counted as they change (<see cref="SetConnection"/>), so that
        /// reading it walks none.</summary>
        public int ConnectedSessionCount { get { return _connectedSessions; } }

        /// <summary>Whether the core holds a session for <paramref name="clientId"/> (connected or away).</summary>
        public bool HasSession(string clientId)
        {
            return _sessions.Find(clientId) != null;
        }

        public bool IsHeldWithProvenId(string clientId)
        {
            Session session = _sessions.Find(clientId);
            if (session == null)
            {
                return false;
            }

            // Read without the session's lock: the security asks with its own lock held, and a connection changing
            // meanwhile decides nothing here that the engine's takeover does not decide again.
            return session.HeldWithProvenId && !session.IsDiscarded
                && (session.IsOnline || !HasExpired(session.ExpiryIntervalSeconds, session.DisconnectedAtMs, Clock.NowMs()));
        }

        /// <summary>The connection that serves <paramref name="clientId"/> now (the engine's own object, as handed to
        /// <see cref="Connect"/>), or null while it is away or has no session.</summary>
        public IClientConnection ConnectionOf(string clientId)
        {
            Session session = _sessions.Find(clientId);
            return session == null ? null : session.Connection;
        }

        /// <summary>Told once when the offline store stops taking messages (QoS 1/2 PUBLISHes for persistent sessions are
        /// refused, <see cref="PublishOutcome.StoreUnavailable"/>) and once when it takes them again; engines log it.</summary>
        public StoreConditionHandler StoreConditionChanged
        {
            get { return _offline.StoreConditionChanged; }
            set { _offline.StoreConditionChanged = value; }
        }

        /// <summary>Told every presence event the core publishes, in order (an engine's live dashboard feed); null by
        /// default.</summary>
        public PresenceEventHandler PresenceEventPublished
        {
            get { return _presence.EventPublished; }
            set { _presence.EventPublished = value; }
        }

        internal PresenceTracker Presence { get { return _presence; } }

        /// <summary>Live TCP connections of <paramref name="clientId"/>: 0 when offline, 2 while a takeover is under way
        /// (presence follows connections, see <see cref="ConnectionAccepted"/>).</summary>
        public int LiveConnectionCount(string clientId)
        {
            return _presence.ConnectionCount(clientId);
        }

        /// <summary>A copy of the live connections (<see cref="LiveConnection"/>: client ID, channel, address, since
        /// when), oldest first, for status queries.</summary>
        public ArrayList LiveConnections()
        {
            return _presence.Snapshot();
        }

        /// <summary>The configured uplinks; every accepted PUBLISH is offered to them (see <see cref="Router"/>). Engines add
        /// and read them through <see cref="AddUplink"/>, <see cref="UplinkCount"/> and <see cref="UplinkAt"/>; offering,
        /// announcing and reachability stay the core's.</summary>
        internal UplinkSet Uplinks { get { return _uplinks; } }

        /// <summary>Adds an uplink the engine's transport drives; from now on accepted PUBLISHes are offered to it.</summary>
        public void AddUplink(Uplink.Uplink uplink)
        {
            _uplinks.Add(uplink);
        }

        /// <summary>How many uplinks are configured.</summary>
        public int UplinkCount
        {
            get { return _uplinks.Count; }
        }

        /// <summary>The uplink at <paramref name="index"/>, in the order they were added, for status and its transport.</summary>
        public Uplink.Uplink UplinkAt(int index)
        {
            return _uplinks.At(index);
        }

        /// <summary>Which gateway below hosts which client ID, as announced over their uplinks (P2P federation).</summary>
        internal RemoteRoutes Routes { get { return _routes; } }

        /// <summary>Hops after which a federated P2P message is dropped and counted (docs/federation.md).</summary>
        public int P2PMaxHops
        {
            get { return _routes.MaxHops; }
            set { _routes.MaxHops = value; }
        }

        /// <summary>Routes to clients on gateways below kept at most; a further client's announcement is refused.</summary>
        public int P2PMaxRoutes
        {
            get { return _routes.Capacity; }
            set { _routes.Capacity = value; }
        }

        /// <summary>How long a P2P target an upstream said is unknown everywhere is answered here as unknown
        /// (docs/federation.md).</summary>
        public int P2PUnreachableTtlSeconds
        {
            get { return (int)(_unreachable.TtlMs / 1000); }
            set { _unreachable.TtlMs = value * 1000L; }
        }

        /// <summary>P2P targets kept as unknown everywhere at most (the negative route cache); 0 keeps none.</summary>
        public int P2PUnreachableCacheSize
        {
            get { return _unreachable.Capacity; }
            set { _unreachable.Capacity = value; }
        }

        /// <summary>P2P targets known as unknown everywhere now (expired ones included until they are looked up).</summary>
        public int P2PUnreachableCount
        {
            get { return _unreachable.Count; }
        }

        /// <summary>Which clients may announce P2P routes here, in words, for the start-up log.</summary>
        public string RouteAnnouncers
        {
            get { return _router.Policy.RouteAnnouncers; }
        }

        /// <summary>Which receivers a P2P message may reach here, in words, for the start-up log.</summary>
        public string P2PReach
        {
            get { return _router.Policy.P2PReach; }
        }

        /// <summary>The gateway below (its session here) through which federated P2P reaches <paramref name="clientId"/>,
        /// or null when no gateway announced it.</summary>
        public string FederatedGatewayOf(string clientId)
        {
            return _routes.GatewayFor(clientId);
        }

        /// <summary>Whether this broker holds only an away session of <paramref name="clientId"/> (here or below) while
        /// its upstream said, or another gateway's retained route says, that it is connected on another gateway: new P2P
        /// messages for it go there (docs/federation.md, "A client that moves").</summary>
        public bool IsConnectedAbove(string clientId)
        {
            return _routes.IsConnectedAbove(clientId, 0, clientId.Length);
        }

        /// <summary>The other gateway on an uplink's upstream that hosts <paramref name="clientId"/>, as its retained
        /// routes say (federation through any upstream), or null.</summary>
        public string PeerGatewayOf(string clientId)
        {
            return _uplinks.PeerGatewayOf(clientId);
        }

        /// <summary>The highest QoS this broker grants and delivers at.</summary>
        public int MaxQos { get { return _maxQos; } }

        /// <summary>Persistent sessions ended by <see cref="ExpireSessions"/> since start (mosquitto's clients/expired).</summary>
        public int SessionsExpired { get { return _sessionsExpired; } }

        /// <summary>Connections whose CONNECT was accepted since start (<see cref="ConnectionAccepted"/>).</summary>
        public int ConnectionsAccepted { get { return _connectionsAccepted; } }

        /// <summary>
        /// Brings back the persistent sessions and subscriptions kept in the session store, as they were when the broker
        /// stopped: all away. Their stored messages may have reached a connection before the stop, so they are
        /// redelivered with DUP set. Call once, before accepting connections.
        /// </summary>
        public int Restore()
        {
            ArrayList sessionRecords = _sessionStore.LoadSessions();
            long nowMs = Clock.NowMs();
            for (int i = 0; i < sessionRecords.Count; i++)
            {
                SessionRecord sessionRecord = (SessionRecord)sessionRecords[i];

                // A session still connected when the broker stopped (a crash) counts as left now; so does one that left
                // while the wall clock was unset, counted on an uptime that ended with that run.
                long leftAtMs = Clock.IsValid(sessionRecord.DisconnectedAtMs) ? sessionRecord.DisconnectedAtMs : nowMs;
                if (HasExpired(sessionRecord.ExpiryIntervalSeconds, leftAtMs, nowMs))
                {
                    // It expired while the broker was stopped: the clock does not restart with the broker.
                    _offlineStore.Discard(sessionRecord.ClientId);
                    _sessionStore.DeleteSession(sessionRecord.ClientId);
                    Interlocked.Increment(ref _sessionsExpired);
                    continue;
                }

                bool existed;
                Session session = _sessions.GetOrCreate(sessionRecord.ClientId, out existed);
                session.IsPersistent = true;
                session.IsStored = true;
                session.ExpiryIntervalSeconds = sessionRecord.ExpiryIntervalSeconds;
                session.DisconnectedAtMs = leftAtMs;
                session.RedeliveryBoundary = _offlineStore.LastId(sessionRecord.ClientId);
                for (int j = 0; j < sessionRecord.Subscriptions.Count; j++)
                {
                    SubscriptionRecord stored = (SubscriptionRecord)sessionRecord.Subscriptions[j];
                    Subscription subscription = _subscriptions.Add(session, stored.Filter, stored.GrantedQos);
                    subscription.NoLocal = stored.NoLocal;
                    subscription.RetainAsPublished = stored.RetainAsPublished;
                    subscription.Identifier = stored.Identifier;
                }
            }

            return sessionRecords.Count;
        }

        /// <summary><see cref="Connect(string, bool, uint, IClientConnection, bool)"/> for a client whose credentials do
        /// not prove its client ID.</summary>
        public bool Connect(string clientId, bool cleanStart, uint sessionExpirySeconds, IClientConnection connection)
        {
            return Connect(clientId, cleanStart, sessionExpirySeconds, connection, false);
        }

        /// <summary>
        /// A CONNECT was accepted and <paramref name="connection"/> now serves <paramref name="clientId"/>.
        /// With <paramref name="cleanStart"/> any earlier session is discarded first. Kept messages follow, oldest
        /// first and in batches, before anything newer. Returns whether a session was present (CONNACK flag); throws
        /// <see cref="SessionNotStoredException"/> when the CONNECT is refused because the session store cannot keep a
        /// persistent session (nothing changed: the engine answers "server unavailable").
        /// <paramref name="credentialsProveId"/>: the client connected with credentials bound to its ID
        /// (<see cref="Security.AuthenticatedClient.ProvesClientId"/>), so only such credentials may take the session
        /// over, also while it is away (<see cref="IsHeldWithProvenId"/>).
        /// </summary>
        public bool Connect(string clientId, bool cleanStart, uint sessionExpirySeconds, IClientConnection connection, bool credentialsProveId)
        {
            bool existed;
            ArrayList handOn = null;
            RoutedMessage will = null;
            long nowMs = Clock.NowMs();
            Session session = _sessions.GetOrCreate(clientId, out existed);
            if (existed)
            {
                bool discarded = false;
                lock (session.SyncRoot)
                {
                    // An away session whose expiry has passed is gone, whether or not the sweep has got to it yet.
                    bool expired = !session.IsOnline && HasExpired(session.ExpiryIntervalSeconds, session.DisconnectedAtMs, nowMs);
                    if (cleanStart || expired)
                    {
                        handOn = SharedDeliveries.TakeAll(session);
                        will = TakeEndingWill(session, expired);
                        if (expired)
                        {
                            Interlocked.Increment(ref _sessionsExpired);
                        }

                        Discard(session);
                        discarded = true;
                    }
                }

                if (discarded)
                {
                    ForgetRoutesOf(clientId);
                    session = _sessions.GetOrCreate(clientId, out existed);
                }
            }

            lock (session.SyncRoot)
            {
                if (sessionExpirySeconds > 0)
                {
                    SaveConnecting(session, !existed, sessionExpirySeconds);
                }

                session.IsPersistent = sessionExpirySeconds > 0;
                session.ExpiryIntervalSeconds = sessionExpirySeconds;
                session.DisconnectedAtMs = 0;
                session.HeldWithProvenId = credentialsProveId;

                if (session.Connection != null)
                {
                    // A takeover: the older connection may have received what it did not acknowledge, and its end is
                    // reported later (and ignored), so its deliveries count as sent now: they come back with DUP.
                    KeepUnacknowledged(session, session.Connection);
                    _offline.Stop(session);
                    handOn = SharedDeliveries.TakeAll(session);
                    will = TakeEndingWill(session, false);
                }

                // A new connection for the client ID: the will of an earlier one, waiting out its delay, is not sent
                // [MQTT-3.1.3-9].
                DropWill(session);
                SetConnection(session, connection);
                ResendUnacknowledged(session, connection);
                _offline.Start(session, nowMs, Clock.MonotonicMs());
            }

            HandOn(handOn);
            PublishWill(will);

            // Announced connected, also when an away session resumes: a gateway's claim of an away session yields to it.
            ReachabilityChanged(clientId);
            FollowClient(clientId, false, null);
            return existed;
        }

        /// <summary>Stores the session a CONNECT connects to, before anything of it changes. When the store cannot take it
        /// (a full disk, a failed write) the CONNECT is refused — <see cref="SessionNotStoredException"/>, which the
        /// engine answers "server unavailable", counted in <see cref="SessionsRefused"/> — and the session stays as it
        /// was: a new one (<paramref name="isNew"/>) is not kept, where it held a place among <see cref="MaxSessions"/>
        /// with no connection and no expiry until its client ID came back. Under the session's lock.</summary>
        void SaveConnecting(Session session, bool isNew, uint sessionExpirySeconds)
        {
            try
            {
                _sessionStore.SaveSession(session.ClientId, sessionExpirySeconds, 0);
            }
            catch (Exception e)
            {
                // Whatever the store threw, the session is not durable, and a client told it is would lose it.
                if (isNew)
                {
                    _sessions.Remove(session);
                }

                Interlocked.Increment(ref _sessionsRefused);
                throw new SessionNotStoredException(e);
            }

            session.IsStored = true;
        }

        /// <summary>
        /// <paramref name="connection"/> of <paramref name="clientId"/> ended. Ignored when a newer connection has
        /// taken the session over. A session that is not persistent ends with it.
        /// <paramref name="sessionExpirySeconds"/> is the expiry in force now (MQTT 5 DISCONNECT may change it).
        /// </summary>
        public void Disconnect(string clientId, IClientConnection connection, uint sessionExpirySeconds)
        {
            EndConnection(clientId, connection, true, sessionExpirySeconds);
        }

        /// <summary><paramref name="connection"/> of <paramref name="clientId"/> ended, and the session expiry its
        /// CONNECT set stays in force.</summary>
        public void Disconnect(string clientId, IClientConnection connection)
        {
            EndConnection(clientId, connection, false, 0);
        }

        void EndConnection(string clientId, IClientConnection connection, bool newExpiry, uint sessionExpirySeconds)
        {
            Session session = _sessions.Find(clientId);
            if (session == null)
            {
                return;
            }

            ArrayList handOn;
            RoutedMessage will = null;
            bool kept;
            lock (session.SyncRoot)
            {
                if (session.Connection != connection)
                {
                    return;
                }

                _offline.Stop(session);
                SetConnection(session, null);
                handOn = SharedDeliveries.TakeAll(session);
                session.DisconnectedAtMs = Clock.NowMs();
                if (newExpiry)
                {
                    session.ExpiryIntervalSeconds = sessionExpirySeconds;
                }

                sessionExpirySeconds = session.ExpiryIntervalSeconds;
                session.IsPersistent = sessionExpirySeconds > 0;
                if (session.Will != null)
                {
                    if (session.WillDelaySeconds == 0 || !session.IsPersistent)
                    {
                        will = TakeWill(session);
                    }
                    else
                    {
                        // Published when the delay has passed or the session ends, whichever comes first (§3.1.2.5).
                        uint delay = session.WillDelaySeconds < sessionExpirySeconds ? session.WillDelaySeconds : sessionExpirySeconds;
                        session.WillDueMs = Clock.MonotonicMs() + (long)delay * 1000;
                        _due.Add(session);
                    }
                }

                kept = session.IsPersistent;
                if (kept)
                {
                    KeepUnacknowledged(session, connection);
                    _sessionStore.SaveSession(clientId, sessionExpirySeconds, session.DisconnectedAtMs);
                }
                else
                {
                    // Still under the session's lock, so a reconnect cannot slip in and lose its fresh state.
                    Discard(session);
                }
            }

            // Outside the lock: handing on and publishing lock other sessions.
            HandOn(handOn);
            PublishWill(will);
            if (kept)
            {
                // Announced away: a gateway where the client connects meanwhile takes its route.
                ReachabilityChanged(clientId);
            }
            else
            {
                ForgetRoutesOf(clientId);
            }

            FollowClient(clientId, false, null);
        }

        /// <summary>
        /// <paramref name="connection"/>, just accepted for <paramref name="clientId"/>, carries a will: the core
        /// publishes it if the connection ends without a DISCONNECT (<see cref="DisconnectReceived"/>) — at once, or
        /// after <paramref name="delaySeconds"/> (MQTT 5 Will Delay Interval) unless a new connection for the client ID
        /// comes first, or when the session ends if that is sooner. The access policy judges it now, as the client's
        /// PUBLISH to the will topic: a client may leave no will where it may not publish. Returns whether it is kept;
        /// the room <see cref="ReserveWill"/> took stays with the kept will, or is given back.
        /// </summary>
        public bool KeepWill(string clientId, IClientConnection connection, WillReservation reservation, uint delaySeconds)
        {
            RoutedMessage will = reservation.Will;
            Session session = _sessions.Find(clientId);
            if (session != null && TopicValidator.IsValidTopicName(will.Topic)
                && _router.Policy.CanPublish(clientId, will.Topic, P2PAddress.ReceiverStart(will.Topic)))
            {
                lock (session.SyncRoot)
                {
                    if (session.Connection == connection && _wills.Close(reservation))
                    {
                        DropWill(session);
                        will.SenderClientId = clientId;
                        session.Will = will.Detach();
                        session.WillBytes = reservation.Bytes;
                        session.WillDelaySeconds = delaySeconds;
                        session.WillDueMs = 0;
                        return true;
                    }
                }
            }

            _wills.Release(reservation);
            return false;
        }

        /// <summary>MQTT 5: the client's DISCONNECT carries a Session Expiry Interval. Refused (false, a protocol error,
        /// DISCONNECT 0x82) when the CONNECT's was 0 and this one is not [MQTT-3.14.2-2]; otherwise it is the session's
        /// expiry from now on, to be passed to <see cref="Disconnect"/>.</summary>
        public bool MayChangeSessionExpiry(string clientId, IClientConnection connection, uint sessionExpirySeconds)
        {
            Session session = _sessions.Find(clientId);
            if (session == null)
            {
                return false;
            }

            lock (session.SyncRoot)
            {
                return session.Connection == connection && (session.ExpiryIntervalSeconds > 0 || sessionExpirySeconds == 0);
            }
        }

        /// <summary>Whether a session that ended at <paramref name="disconnectedAtMs"/> with
        /// <paramref name="expiryIntervalSeconds"/> to live has run out by <paramref name="nowMs"/>, on the clock
        /// <paramref name="nowMs"/> is read from (<see cref="Clock.Rebased(long, long)"/>: one that ended before the wall
        /// clock was set is not expired because it was).</summary>
        static bool HasExpired(uint expiryIntervalSeconds, long disconnectedAtMs, long nowMs)
        {
            return expiryIntervalSeconds != NeverExpires
                && Clock.Rebased(disconnectedAtMs, nowMs) + (long)expiryIntervalSeconds * 1000 <= nowMs;
        }

        /// <summary>The will to publish as a new connection arrives for the session: a connection taken over ends
        /// without DISCONNECT, so its will goes out unless it has a delay, which the new connection cuts short
        /// ([MQTT-3.1.4-3], §3.1.2.5); an expired session's will goes out as it ends. Null otherwise.</summary>
        RoutedMessage TakeEndingWill(Session session, bool expired)
        {
            return expired || (session.IsOnline && session.WillDelaySeconds == 0) ? TakeWill(session) : null;
        }

        /// <summary>The session's will, to be published, now no longer the session's: its room in
        /// <see cref="MaxWillBytes"/> is free again. Under the session's lock.</summary>
        RoutedMessage TakeWill(Session session)
        {
            RoutedMessage will = session.Will;
            if (will != null)
            {
                session.Will = null;
                _wills.Release(session.WillBytes);
                session.WillBytes = 0;
            }

            return will;
        }

        /// <summary>Discards the session's will, if any (not published). Under the session's lock.</summary>
        void DropWill(Session session)
        {
            TakeWill(session);
        }

        /// <summary>Routes a will: judged by the access policy when it was kept, so not again (the client has gone). Not
        /// while the broker shuts down (<see cref="BeginShutdown"/>).</summary>
        void PublishWill(RoutedMessage will)
        {
            if (will != null && !_shuttingDown)
            {
                _router.PublishWill(will);
            }
        }

        /// <summary>Shared-subscription messages a connection ended (or was replaced) without acknowledging go to another
        /// member of their group, in turn — or back to the same client if it is the one connected now (§4.8.2).</summary>
        void HandOn(ArrayList deliveries)
        {
            if (deliveries == null)
            {
                return;
            }

            for (int i = 0; i < deliveries.Count; i++)
            {
                SharedDelivery delivery = (SharedDelivery)deliveries[i];
                Subscription[] members = _subscriptions.NextInTurn(delivery.Group);
                if (members != null)
                {
                    _router.DeliverShared(members, delivery.Message);
                }
            }
        }

        /// <summary>The client completed the QoS 1/2 handshake for the message sent with <paramref name="deliveryTag"/>.</summary>
        public void Acknowledge(string clientId, long deliveryTag)
        {
            Session session = _sessions.Find(clientId);
            if (session == null)
            {
                return;
            }

            lock (session.SyncRoot)
            {
                if (deliveryTag < 0)
                {
                    SharedDeliveries.Forget(session, deliveryTag);
                }
                else
                {
                    _offline.Acknowledged(session, deliveryTag, Clock.NowMs(), Clock.MonotonicMs());
                }
            }
        }

        /// <summary>
        /// The engine did not send a message to <paramref name="clientId"/> because its PUBLISH is larger than the
        /// Maximum Packet Size the client announced. MQTT 5 [MQTT-3.1.2-25] has the server discard it "as if it had
        /// completed sending": it is counted (<see cref="RoutingCounters.TooLargeDropped"/>) and, when the core kept it
        /// for the client (<paramref name="deliveryTag"/> non-zero), released as if acknowledged, so it is neither
        /// resent nor left in the offline store. The engine reports it outside the <see cref="IClientConnection.Send"/>
        /// call that handed the message over, as it would a PUBACK.
        /// </summary>
        public void DiscardedTooLarge(string clientId, long deliveryTag)
        {
            _counters.CountTooLargeDropped();
            if (deliveryTag != 0)
            {
                Acknowledge(clientId, deliveryTag);
            }
        }

        /// <summary>
        /// The engine did not send a message to <paramref name="clientId"/> because its MQTT 5 expiry interval
        /// (<see cref="RoutedMessage.ExpiredBy"/>) ran out while it waited in the connection's queue, behind a slow
        /// reader or for a place in the client's Receive Maximum. [MQTT-3.3.2-5] has the server delete its copy: it is
        /// counted (<see cref="RoutingCounters.ExpiredDropped"/>) and released as if acknowledged, as
        /// <see cref="DiscardedTooLarge"/> says, and reported the same way.
        /// </summary>
        public void DiscardedExpired(string clientId, long deliveryTag)
        {
            _counters.CountExpiredDropped();
            if (deliveryTag != 0)
            {
                Acknowledge(clientId, deliveryTag);
            }
        }

        /// <summary><see cref="Qos2Arrived"/>: a new message, to be routed (and then <see cref="Qos2Accepted"/>).</summary>
        public const int Qos2Route = 0;

        /// <summary><see cref="Qos2Arrived"/>: a resend of a message routed before and not yet released: answer PUBREC
        /// again, do not route it [MQTT-4.3.3-2].</summary>
        public const int Qos2Resent = 1;

        /// <summary><see cref="Qos2Arrived"/>: the session already holds <see cref="MaxAwaitingRelease"/> messages
        /// awaiting PUBREL; the client is not completing its handshakes (MQTT 5: Receive Maximum exceeded, 0x93; MQTT
        /// 3.1.1: the connection ends).</summary>
        public const int Qos2TooMany = 2;

        /// <summary>How many of a client's QoS 2 PUBLISHes its session keeps awaiting PUBREL, across its connections
        /// (the host sets the Receive Maximum it announces, the relay its own small bound). 0 (the default) sets none
        /// beyond the 65,535 packet identifiers.</summary>
        public int MaxAwaitingRelease
        {
            get { return _maxAwaitingRelease; }
            set { _maxAwaitingRelease = value; }
        }

        /// <summary>
        /// The client sent a QoS 2 PUBLISH with <paramref name="packetId"/>: <see cref="Qos2Route"/> (route it, then
        /// call <see cref="Qos2Accepted"/> as the PUBREC goes out), <see cref="Qos2Resent"/> (the session routed it
        /// already, on this connection or an earlier one, and awaits its PUBREL: PUBREC again, no routing) or
        /// <see cref="Qos2TooMany"/>. Asks only; the connection's reader calls it, one packet at a time.
        /// </summary>
        public int Qos2Arrived(string clientId, int packetId)
        {
            Session session = _sessions.Find(clientId);
            if (session == null)
            {
                return Qos2Route;
            }

            lock (session.SyncRoot)
            {
                OpenExchanges exchanges = session.Exchanges;
                if (exchanges == null)
                {
                    return Qos2Route;
                }

                if (exchanges.AwaitsRelease(packetId))
                {
                    return Qos2Resent;
                }

                int limit = _maxAwaitingRelease > 0 ? _maxAwaitingRelease : FlowLimits.MaxTwoByteValue;
                return exchanges.AwaitingReleaseCount >= limit ? Qos2TooMany : Qos2Route;
            }
        }

        /// <summary>The client's QoS 2 PUBLISH <paramref name="packetId"/> was routed and accepted: its PUBREC goes out
        /// and the session remembers the identifier until the PUBREL (<see cref="Qos2Released"/>), across a reconnect. Not
        /// called for one refused (an MQTT 5 PUBREC with an error code ends the exchange; an MQTT 3.1.1 connection ends
        /// without PUBREC, so the client's resend is routed).</summary>
        public void Qos2Accepted(string clientId, int packetId)
        {
            Session session = _sessions.Find(clientId);
            if (session == null)
            {
                return;
            }

            lock (session.SyncRoot)
            {
                ExchangesOf(session).AwaitingRelease.Add(packetId);
            }
        }

        /// <summary>The client's PUBREL for <paramref name="packetId"/>: the identifier may carry a new message. Returns
        /// whether the session awaited it (the engine answers PUBCOMP either way; MQTT 5 says 0x92 when not).</summary>
        public bool Qos2Released(string clientId, int packetId)
        {
            Session session = _sessions.Find(clientId);
            if (session == null)
            {
                return false;
            }

            lock (session.SyncRoot)
            {
                OpenExchanges exchanges = session.Exchanges;
                if (exchanges == null || !exchanges.AwaitsRelease(packetId))
                {
                    return false;
                }

                exchanges.AwaitingRelease.Remove(packetId);
                LetGoOfEmpty(session);
                return true;
            }
        }

        /// <summary>
        /// The client received the QoS 2 delivery the engine sent with <paramref name="packetId"/> (its PUBREC) and the
        /// engine releases it (PUBREL). The session remembers the identifier, with the message's
        /// <paramref name="deliveryTag"/> (0 if the core keeps nothing for it), until <see cref="Qos2Completed"/>: the
        /// kept message is never sent as a PUBLISH again [MQTT-4.3.3-1] — a resumed session gets the PUBREL again
        /// (<see cref="Qos2ReleasesToResend"/>) — and is let go at the PUBCOMP. A shared-subscription delivery is not
        /// handed on to another member from now on.
        /// </summary>
        public void Qos2DeliveryReceived(string clientId, long deliveryTag, int packetId)
        {
            Session session = _sessions.Find(clientId);
            if (session == null)
            {
                return;
            }

            lock (session.SyncRoot)
            {
                if (deliveryTag < 0)
                {
                    SharedDeliveries.Forget(session, deliveryTag);
                    deliveryTag = 0;
                }

                ExchangesOf(session).Released.Add(packetId, deliveryTag);
            }
        }

        /// <summary>The client's PUBCOMP for the released delivery <paramref name="packetId"/>: the handshake is over and
        /// what the core kept for the message is let go (as <see cref="Acknowledge"/>). Returns whether the session held it.</summary>
        public bool Qos2Completed(string clientId, int packetId)
        {
            Session session = _sessions.Find(clientId);
            if (session == null)
            {
                return false;
            }

            lock (session.SyncRoot)
            {
                OpenExchanges exchanges = session.Exchanges;
                long deliveryTag;
                if (exchanges == null || !exchanges.Released.Remove(packetId, out deliveryTag))
                {
                    return false;
                }

                LetGoOfEmpty(session);
                if (deliveryTag > 0)
                {
                    _offline.Acknowledged(session, deliveryTag, Clock.NowMs(), Clock.MonotonicMs());
                }

                return true;
            }
        }

        /// <summary>The identifiers of the deliveries released before this connection and not completed, oldest
        /// first: the engine sends each a PUBREL again once its CONNACK is out, before anything else [MQTT-4.4.0-1], and
        /// numbers no new delivery with them until their PUBCOMP. Null when there are none. Call after
        /// <see cref="Connect"/> (a clean start has discarded them).</summary>
        public int[] Qos2ReleasesToResend(string clientId)
        {
            Session session = _sessions.Find(clientId);
            if (session == null)
            {
                return null;
            }

            lock (session.SyncRoot)
            {
                int[] released = session.Exchanges == null ? null : session.Exchanges.ReleasedIds();
                return released == null || released.Length == 0 ? null : released;
            }
        }

        /// <summary>The deliveries <paramref name="connection"/> sent and its client did not acknowledge stay with the
        /// session, for its next connection to resend with the same identifiers [MQTT-4.4.0-1] (in memory, as the QoS 2
        /// handshakes: after a restart they are resent with new ones). Under the session's lock.</summary>
        static void KeepUnacknowledged(Session session, IClientConnection connection)
        {
            connection.CopyUnacknowledged(ExchangesOf(session).Unacknowledged);
            LetGoOfEmpty(session);
        }

        /// <summary>The session's open handshakes, made at the first (<see cref="LetGoOfEmpty"/> lets go of them once none
        /// is open). Under the session's lock.</summary>
        static OpenExchanges ExchangesOf(Session session)
        {
            if (session.Exchanges == null)
            {
                session.Exchanges = new OpenExchanges();
            }

            return session.Exchanges;
        }

        /// <summary>Hands the session's unacknowledged deliveries to the connection that resumes it, before its first
        /// batch. Under the session's lock.</summary>
        static void ResendUnacknowledged(Session session, IClientConnection connection)
        {
            PacketIdentifiers resends = session.Exchanges == null ? null : session.Exchanges.TakeUnacknowledged();
            if (resends != null)
            {
                connection.ResendWith(resends);
            }

            LetGoOfEmpty(session);
        }

        /// <summary>A session with no handshake open keeps no table for them. Under the session's lock.</summary>
        static void LetGoOfEmpty(Session session)
        {
            if (session.Exchanges != null && session.Exchanges.IsEmpty)
            {
                session.Exchanges = null;
            }
        }

        /// <summary>Time passes: sends overdue offline batches and wills whose delay has passed, and deletes the retained
        /// messages whose expiry interval ran out. Engines call it about once a second; it looks only at the sessions
        /// listed as <see cref="DueSessions"/>. <paramref name="nowMs"/> is the wall clock (<see cref="Clock.NowMs"/>),
        /// which stored and retained messages' expiry is judged at; <paramref name="monotonicMs"/> the interval clock
        /// (<see cref="Clock.MonotonicMs"/>), which the batch interval and the will delay are timed on.</summary>
        public void Tick(long nowMs, long monotonicMs)
        {
            lock (_due)
            {
                ArrayList due = _due.Take();
                int next = 0;
                try
                {
                    while (next < due.Count)
                    {
                        Session session = (Session)due[next];
                        RoutedMessage will = null;
                        lock (session.SyncRoot)
                        {
                            if (!session.IsDiscarded)
                            {
                                _offline.Tick(session, nowMs, monotonicMs);
                                if (session.Will != null && !session.IsOnline && session.WillDueMs <= monotonicMs)
                                {
                                    will = TakeWill(session);
                                }
                            }

                            _due.Settle(session, MayBecomeDue(session));
                        }

                        next++;
                        PublishWill(will);
                    }
                }
                finally
                {
                    // A fault (the store's) ends this tick early: the sessions it did not settle wait for the next.
                    _due.Relist(due, next);
                }
            }

            RetainedDelivery retained = _retainedDelivery;
            if (retained != null)
            {
                retained.Messages.RemoveExpired(nowMs);
            }
        }

        /// <summary>Whether <see cref="Tick"/> may have something to do for <paramref name="session"/> later: a backlog
        /// its connection has not been handed yet, or a will waiting out its delay. Call under its lock.</summary>
        static bool MayBecomeDue(Session session)
        {
            return !session.IsDiscarded && (session.IsOnline ? session.BacklogPending : session.Will != null);
        }

        /// <summary>
        /// The broker is stopping in order (SIGTERM, Ctrl+C, a service stop): the connections it closes from now on are
        /// ended by the broker, not lost by their clients, so their wills are not published.
        /// A will tells its subscribers that a client failed; an operator restarting the gateway is no such news, and
        /// would otherwise reach every subscriber (and the offline store, the retained store and the uplink) once per
        /// connected client. Sessions are kept as after any disconnection.
        /// </summary>
        public void BeginShutdown()
        {
            _shuttingDown = true;
        }

        /// <summary>
        /// Presence: <paramref name="connection"/>'s CONNECT for <paramref name="clientId"/> was accepted. Engines call
        /// this right after <see cref="Connect"/> (so an application that reacts to the connect event can already reach
        /// the client by P2P); the core publishes the connect event, naming the connection's
        /// <see cref="IClientConnection.ClientAddress"/>.
        /// Presence follows TCP connections, not sessions: every accepted connection is reported, takeovers included.
        /// </summary>
        public void ConnectionAccepted(string clientId, IClientConnection connection)
        {
            Interlocked.Increment(ref _connectionsAccepted);
            _presence.ConnectionAccepted(clientId, connection);
        }

        /// <summary>The client sent DISCONNECT on <paramref name="connection"/>: its will is discarded [MQTT-3.14.4-3], and
        /// presence reports the disconnect event. Report it before <see cref="Disconnect"/> and
        /// <see cref="ConnectionClosed"/>.</summary>
        public void DisconnectReceived(string clientId, IClientConnection connection)
        {
            DisconnectReceived(clientId, connection, false);
        }

        /// <summary>As <see cref="DisconnectReceived(string, IClientConnection)"/>; with <paramref name="keepWill"/> (an MQTT 5
        /// reason code other than 0x00, normal disconnection: [MQTT-3.1.2-10]) the will is published as for a lost
        /// connection.</summary>
        public void DisconnectReceived(string clientId, IClientConnection connection, bool keepWill)
        {
            Session session = keepWill ? null : _sessions.Find(clientId);
            if (session != null)
            {
                lock (session.SyncRoot)
                {
                    if (session.Connection == connection)
                    {
                        DropWill(session);
                    }
                }
            }

            _presence.DisconnectReceived(clientId, connection);
        }

        /// <summary>
        /// Presence: <paramref name="connection"/>'s TCP connection closed, whatever the reason — after DISCONNECT,
        /// network loss, keep-alive expiry, takeover by a newer connection (even though <see cref="Disconnect"/>
        /// ignores that one), or the broker closing it (tcpclean event). Safe to report twice.
        /// </summary>
        public void ConnectionClosed(string clientId, IClientConnection connection)
        {
            _presence.ConnectionClosed(clientId, connection);
            RetainedDelivery delivery = _retainedDelivery;
            if (delivery != null)
            {
                delivery.Closed(clientId, connection);
            }
        }

        /// <summary>Ends every offline session whose expiry interval has passed; returns their client IDs so the
        /// engine can drop its own state too.</summary>
        public ArrayList ExpireSessions(long nowMs)
        {
            ArrayList expired = new ArrayList();
            ArrayList sessions = _sessions.Persistent(awayOnly: true);
            for (int i = 0; i < sessions.Count; i++)
            {
                Session session = (Session)sessions[i];
                RoutedMessage will;
                lock (session.SyncRoot)
                {
                    if (session.IsOnline || !HasExpired(session.ExpiryIntervalSeconds, session.DisconnectedAtMs, nowMs))
                    {
                        continue;
                    }

                    will = TakeWill(session);
                    Discard(session);
                }

                // A will still waiting goes out as its session ends (§3.1.2.5).
                PublishWill(will);
                ForgetRoutesOf(session.ClientId);

                expired.Add(session.ClientId);
                Interlocked.Increment(ref _sessionsExpired);
            }

            return expired;
        }

        /// <summary>
        /// The one SUBSCRIBE decision, per filter, for both engines: checks the filter, asks the access policy and the
        /// per-client limit, and keeps the subscription; <c>$share/{name}/{filter}</c> joins a share group (the policy
        /// judges its topic filter). Returns the SUBACK code: the granted QoS (at most <see cref="MaxQos"/>), or
        /// <see cref="TopicFilterInvalid"/>, <see cref="NotAuthorized"/>, <see cref="QuotaExceeded"/> or
        /// <see cref="SubscribeFailure"/> (no session), or <see cref="ProtocolError"/> (no SUBACK). Engines translate it (MQTT 3.1.1 has only 0x80 for a refusal, and
        /// closes the connection for an invalid filter) and decide nothing themselves.
        /// </summary>
        public int Subscribe(string clientId, string filter, int requestedQos, bool noLocal, bool retainAsPublished, int identifier)
        {
            bool shared = SharedFilter.IsShared(filter);
            if (shared ? !SharedFilter.IsValid(filter) : !TopicValidator.IsValidTopicFilter(filter))
            {
                return TopicFilterInvalid;
            }

            if (shared && noLocal)
            {
                return ProtocolError;
            }

            if (!_router.Policy.CanSubscribe(clientId, shared ? SharedFilter.TopicFilterOf(filter) : filter))
            {
                return NotAuthorized;
            }

            Session session = _sessions.Find(clientId);
            if (session == null)
            {
                return SubscribeFailure;
            }

            int granted = requestedQos < _maxQos ? requestedQos : _maxQos;
            lock (session.SyncRoot)
            {
                if (session.IsDiscarded)
                {
                    return SubscribeFailure;
                }

                if (_maxSubscriptionsPerClient > 0 && session.Subscriptions.Count >= _maxSubscriptionsPerClient && !Holds(session, filter))
                {
                    return QuotaExceeded;
                }

                Subscription subscription = _subscriptions.Add(session, filter, granted);
                subscription.NoLocal = noLocal;
                subscription.RetainAsPublished = retainAsPublished;
                subscription.Identifier = identifier;
                if (session.IsPersistent)
                {
                    _sessionStore.SaveSubscription(clientId, new SubscriptionRecord(filter, granted, noLocal, retainAsPublished, identifier));
                }
            }

            return granted;
        }

        /// <summary>Whether <paramref name="clientId"/>'s session holds <paramref name="filter"/> (as subscribed): MQTT 5
        /// Retain Handling 1 sends retained messages only for a subscription that did not exist.</summary>
        public bool HasSubscription(string clientId, string filter)
        {
            Session session = _sessions.Find(clientId);
            if (session == null)
            {
                return false;
            }

            lock (session.SyncRoot)
            {
                return Holds(session, filter);
            }
        }

        public bool Unsubscribe(string clientId, string filter)
        {
            Session session = _sessions.Find(clientId);
            if (session == null)
            {
                return false;
            }

            bool removed;
            lock (session.SyncRoot)
            {
                removed = _subscriptions.Remove(session, filter);
                if (removed && session.IsPersistent)
                {
                    _sessionStore.DeleteSubscription(clientId, filter);
                }
            }

            RetainedDelivery delivery = _retainedDelivery;
            if (removed && delivery != null)
            {
                // [MQTT-3.10.4-2]: its retained messages not sent yet are not sent.
                delivery.Unsubscribed(clientId, filter);
            }

            return removed;
        }

        /// <summary>Messages kept in the offline store for persistent sessions, all clients together (the
        /// <c>$SYS</c> tree's queue depth). Asks the store once per persistent session.</summary>
        public int OfflineQueueDepth()
        {
            int depth = 0;
            ArrayList sessions = _sessions.Persistent(awayOnly: false);
            for (int i = 0; i < sessions.Count; i++)
            {
                depth += KeptFor((Session)sessions[i]);
            }

            return depth;
        }

        /// <summary>The persistent sessions that have messages kept in the offline store, as <see cref="OfflineQueue"/>
        /// entries (a dashboard's per-client view of <see cref="OfflineQueueDepth"/>). Asks the store once per persistent
        /// session.</summary>
        public ArrayList OfflineQueues()
        {
            ArrayList queues = new ArrayList();
            ArrayList sessions = _sessions.Persistent(awayOnly: false);
            for (int i = 0; i < sessions.Count; i++)
            {
                Session session = (Session)sessions[i];
                int kept = KeptFor(session);
                if (kept > 0)
                {
                    queues.Add(new OfflineQueue(session.ClientId, kept));
                }
            }

            return queues;
        }

        int KeptFor(Session session)
        {
            return session.IsPersistent ? _offlineStore.Count(session.ClientId) : 0;
        }

        /// <summary>A client's PUBLISH; the outcome is what its publisher is told, and what it kept for persistent
        /// sessions is durable when it returns. A route announcement from a federated gateway below
        /// (<see cref="P2PEnvelope.AnnouncementPrefix"/>) changes the route table and is not routed; one from a client
        /// the access policy does not take as a gateway is refused (<see cref="PublishOutcome.NotAuthorized"/>).</summary>
        public PublishOutcome Publish(string publisherClientId, RoutedMessage message)
        {
            PendingCommit pending;
            return Publish(publisherClientId, message, null, true, out pending);
        }

        /// <summary>As <see cref="Publish(string, RoutedMessage)"/>, routed by what <see cref="MatchSubscribers"/>
        /// matched for its topic a moment ago (null matches now): for an engine that checked the receivers' readers
        /// and did not have to wait for them.</summary>
        public PublishOutcome Publish(string publisherClientId, RoutedMessage message, SubscriberMatch match)
        {
            PendingCommit pending;
            return Publish(publisherClientId, message, match, true, out pending);
        }

        /// <summary>
        /// A client's PUBLISH, routed without waiting for the offline store to commit what it kept: when
        /// <paramref name="pending"/> is not null the engine acknowledges the publisher only once it has settled, with
        /// the outcome <see cref="Settled"/> gives (an engine that cannot hold the acknowledgement uses
        /// <see cref="Publish(string, RoutedMessage)"/>). Receivers online get the message at once, as with
        /// <see cref="Publish(string, RoutedMessage)"/>; the publisher's acknowledgement still follows the commit.
        /// Meanwhile the engine reads and routes the connection's next PUBLISH, so one publisher's messages share
        /// commits. A message with a dedupe id is committed before this returns (its id is remembered only then).
        /// </summary>
        /// <param name="match">What <see cref="MatchSubscribers"/> matched for the topic a moment ago, routed by
        /// instead of matching again; null matches now.</param>
        public PublishOutcome PublishWithoutWaiting(string publisherClientId, RoutedMessage message, SubscriberMatch match, out PendingCommit pending)
        {
            return Publish(publisherClientId, message, match, false, out pending);
        }

        /// <summary>What to acknowledge a PUBLISH with once its <paramref name="pending"/> commit (from
        /// <see cref="PublishWithoutWaiting"/>, which returned <paramref name="outcome"/>) has settled:
        /// <paramref name="outcome"/> when the messages are durable, else <see cref="PublishOutcome.StoreUnavailable"/>
        /// (the publisher must send it again).</summary>
        public PublishOutcome Settled(PublishOutcome outcome, PendingCommit pending)
        {
            return _router.Settled(outcome, pending);
        }

        PublishOutcome Publish(string publisherClientId, RoutedMessage message, SubscriberMatch match, bool waitForStore, out PendingCommit pending)
        {
            pending = null;
            string announced = P2PEnvelope.AnnouncedClientId(message.Topic);
            if (announced == null)
            {
                return _router.Publish(publisherClientId, message, match == null ? null : match.Matches, waitForStore, out pending);
            }

            if (!_router.Policy.CanAnnounceRoutes(publisherClientId, message.Topic))
            {
                return PublishOutcome.NotAuthorized;
            }

            Session announcer = _sessions.Find(publisherClientId);
            string route = P2PEnvelope.AnnouncedRoute(message.Payload, message.PayloadOffset, message.PayloadLength);
            string pathBelow = route == null ? null : P2PEnvelope.PathOf(route);
            if (pathBelow != null && pathBelow.Length > 0 && _uplinks.IsOwnIdentityIn(pathBelow))
            {
                CycleDetected(publisherClientId, pathBelow);
                return PublishOutcome.Delivered;
            }

            if (announcer == null || !announcer.IsOnline)
            {
                return PublishOutcome.Delivered;
            }

            bool connected = route != null && P2PEnvelope.IsConnected(route);
            string displaced;
            string evicted;
            int change = _routes.Announced(publisherClientId, announced, pathBelow, connected, out displaced, out evicted);
            if (evicted != null)
            {
                RouteGone(evicted);
            }

            if (displaced != null && connected)
            {
                // The client connected through this gateway: the one whose away session lost the route keeps its
                // senders' new messages for it no longer.
                _router.SendConnectedElsewhere(displaced, announced);
            }

            if (change != RemoteRoutes.Unchanged)
            {
                ReachabilityChanged(announced);
            }

            if (change == RemoteRoutes.RouteChanged)
            {
                // Gateway-level presence: a persistent client connecting or leaving its gateway is no change of route.
                _router.PublishFromBroker(RouteEvent.For(announced, _routes.PathFor(announced, 0, announced.Length), Clock.NowMs()));
            }

            if (route != null && !connected)
            {
                FollowClient(announced, false, publisherClientId);
            }

            return PublishOutcome.Delivered;
        }

        /// <summary>The session of <paramref name="gatewayClientId"/> ended: the routes it announced go with it (a route
        /// outliving it would reach no one and hold its place in the bounded table), each client shown unreachable and
        /// announced upward as it can be reached now. Called outside every session's lock.</summary>
        void ForgetRoutesOf(string gatewayClientId)
        {
            if (!_routes.IsGateway(gatewayClientId))
            {
                return;
            }

            ArrayList forgotten = new ArrayList();
            _routes.ForgetGateway(gatewayClientId, forgotten);
            for (int i = 0; i < forgotten.Count; i++)
            {
                RouteGone((string)forgotten[i]);
            }
        }

        /// <summary><paramref name="clientId"/>'s route below was removed without its gateway's announcement.</summary>
        void RouteGone(string clientId)
        {
            ReachabilityChanged(clientId);
            _router.PublishFromBroker(RouteEvent.For(clientId, null, Clock.NowMs()));
        }

        /// <summary>
        /// The subscriptions matching <paramref name="topic"/> now, with the connections of their live sessions (every
        /// member of a share group, each connection once; turns untouched, <see cref="SubscriberMatch.Connections"/>):
        /// the receivers whose earlier SUBSCRIBE and UNSUBSCRIBE an engine makes sure are in effect before it publishes
        /// there (see <see cref="ReaderProgress"/>). When it need not wait for any of them, it publishes with the match
        /// (<see cref="Publish(string, RoutedMessage, SubscriberMatch)"/>, <see cref="PublishWithoutWaiting"/>) and the
        /// tree is matched once. Null for a P2P address or an invalid topic, which no subscription receives, at no
        /// allocation: a P2P receiver is chosen by its client ID, not by subscriptions.
        /// </summary>
        public SubscriberMatch MatchSubscribers(string topic)
        {
            return MatchSubscribers(topic, null);
        }

        /// <summary>
        /// As <see cref="MatchSubscribers(string)"/>, filling <paramref name="reused"/> — a match this core made
        /// before, which nothing uses any more (published with, or its connections read and let go of) — instead of
        /// making one; null makes one. Null for a P2P address or an invalid topic, <paramref name="reused"/> then
        /// untouched.
        /// </summary>
        public SubscriberMatch MatchSubscribers(string topic, SubscriberMatch reused)
        {
            if (!TopicValidator.IsValidTopicName(topic) || P2PAddress.ReceiverStart(topic) >= 0)
            {
                return null;
            }

            SubscriberMatch match = reused;
            if (match == null)
            {
                MatchSet made = new MatchSet();
                made.LeavesTurns = true;
                match = new SubscriberMatch(made);
            }
            else
            {
                match.Clear();
            }

            MatchSet matches = match.Matches;
            _subscriptions.Match(topic, matches);
            for (int i = 0; i < matches.Count; i++)
            {
                Subscription[] shared = matches.SharedAt(i);
                if (shared == null)
                {
                    AddConnectionOf(matches.SessionAt(i), match);
                    continue;
                }

                for (int m = 0; m < shared.Length; m++)
                {
                    AddConnectionOf(shared[m].Session, match);
                }
            }

            return match;
        }

        static void AddConnectionOf(Session session, SubscriberMatch match)
        {
            IClientConnection connection = session.Connection;
            if (connection != null)
            {
                match.AddConnection(connection);
            }
        }

        /// <summary>A route announced by <paramref name="gatewayClientId"/> leads back up through this broker: the route
        /// is ignored, the gateway's P2P messages never go up again (<see cref="RemoteRoutes.MarkAbove"/>), and the
        /// engine is told once.</summary>
        void CycleDetected(string gatewayClientId, string pathBelow)
        {
            UplinkCycleDetected handler = CycleOfUplinks;
            if (_routes.MarkAbove(gatewayClientId) && handler != null)
            {
                handler(gatewayClientId, pathBelow);
            }
        }

        /// <summary>Told once per gateway whose announcements show that the federated uplinks form a cycle (engines log
        /// it as an error; docs/federation.md).</summary>
        public UplinkCycleDetected CycleOfUplinks { get; set; }

        /// <summary>Tells federated uplinks whether and how <paramref name="clientId"/> can be reached here (a session of
        /// this broker or a route below, connected or away) after its session or route changed; it is no longer taken as
        /// unknown everywhere, nor, once it is reached here connected or not at all, as connected above. Locks no other
        /// session: it may be called under the client's session lock.</summary>
        void ReachabilityChanged(string clientId)
        {
            _unreachable.Forget(clientId);
            string route = RouteHere(clientId);
            if (route == null || P2PEnvelope.IsConnected(route))
            {
                _routes.ForgetConnectedAbove(clientId);
            }

            if (_uplinks.FederatesP2P)
            {
                _uplinks.Announce(clientId, route);
            }
        }

        /// <summary>What announcing <paramref name="clientId"/> upward says (<see cref="P2PEnvelope.RouteOf"/>): its
        /// session here or the route a gateway below announced, connected or only away — connected wins, a session here
        /// first —; null when it cannot be reached here.</summary>
        string RouteHere(string clientId)
        {
            Session session = _sessions.Find(clientId);
            if (session != null && session.IsOnline)
            {
                return P2PEnvelope.Connected;
            }

            bool connected;
            string path = _routes.PathFor(clientId, 0, clientId.Length, out connected);
            if (path != null && (connected || session == null))
            {
                return P2PEnvelope.RouteOf(path, connected);
            }

            return session == null ? null : P2PEnvelope.Away;
        }

        /// <summary>
        /// Follows <paramref name="clientId"/> to where it is connected (docs/federation.md, "A client that moves"), from
        /// what this broker holds of it now. When it is connected here or through a gateway below, a gateway below that
        /// has only an away session of it — its route here, or <paramref name="awayGateway"/>, which has just announced
        /// one — is told (<see cref="P2PEnvelope.ConnectedElsewhereNotice"/>), so that its senders' new messages come
        /// up. When it is only away here and below but connected above — an upstream said so
        /// (<paramref name="connectedAbove"/>, or before) or another gateway's retained route says so —, it is marked
        /// (<see cref="RemoteRoutes.MarkConnectedAbove"/>: its new P2P messages go up) and that gateway below is told too.
        /// Called outside every session's lock: telling a gateway takes its session's.
        /// </summary>
        void FollowClient(string clientId, bool connectedAbove, string awayGateway)
        {
            Session session = _sessions.Find(clientId);
            bool connectedBelow;
            string path = _routes.PathFor(clientId, 0, clientId.Length, out connectedBelow);
            string awayBelow = path != null && !connectedBelow ? RemoteRoutes.FirstLevel(path) : awayGateway;
            if (awayBelow == null && (session == null || session.IsOnline || connectedBelow))
            {
                return;
            }

            if ((session == null || !session.IsOnline) && !connectedBelow)
            {
                if (!connectedAbove && !_routes.IsConnectedAbove(clientId, 0, clientId.Length) && !_uplinks.PeerHasConnected(clientId))
                {
                    return;
                }

                if (session != null || path != null)
                {
                    _routes.MarkConnectedAbove(clientId);
                }
            }

            if (awayBelow != null)
            {
                _router.SendConnectedElsewhere(awayBelow, clientId);
            }
        }

        /// <summary>A federated uplink learnt that <paramref name="clientId"/> is connected on another gateway of its
        /// upstream (<see cref="ClientConnectedElsewhere"/>).</summary>
        void ConnectedAbove(string clientId)
        {
            FollowClient(clientId, true, null);
        }

        void CollectReachable(string clientId, ArrayList clientIds, ArrayList routes)
        {
            if (clientId != null)
            {
                string route = RouteHere(clientId);
                if (route != null)
                {
                    clientIds.Add(clientId);
                    routes.Add(route);
                }

                return;
            }

            ArrayList sessions = _sessions.Snapshot();
            for (int i = 0; i < sessions.Count; i++)
            {
                string sessionClientId = ((Session)sessions[i]).ClientId;
                clientIds.Add(sessionClientId);
                routes.Add(RouteHere(sessionClientId));
            }

            // A client with a session here is announced as RouteHere says, whatever a gateway below said.
            ArrayList routedIds = new ArrayList();
            ArrayList routedRoutes = new ArrayList();
            _routes.CollectRoutes(routedIds, routedRoutes);
            for (int i = 0; i < routedIds.Count; i++)
            {
                if (_sessions.Find((string)routedIds[i]) == null)
                {
                    clientIds.Add(routedIds[i]);
                    routes.Add(routedRoutes[i]);
                }
            }
        }

        /// <summary>Routes a message the broker itself originates (an uplink's state on <c>$SYS/…</c>): no access
        /// check, never P2P, never to an uplink; a retained one is kept.</summary>
        public PublishOutcome PublishFromBroker(RoutedMessage message)
        {
            return _router.PublishFromBroker(message);
        }

        /// <summary>Routes a message that came down an uplink, as made by <see cref="Uplink.Uplink.Down"/> (remapped,
        /// marked with its origin so it never goes back up that uplink); the engine sets its
        /// <see cref="RoutedMessage.EngineProperties"/> for the local topic first.</summary>
        public PublishOutcome PublishFromUplink(RoutedMessage message)
        {
            if (message.UnreachableNotice)
            {
                UnknownAbove(message.Topic);
            }

            return _router.PublishFromUplink(message);
        }

        /// <summary>Whether <paramref name="message"/>, from an uplink, would now find a receiver here connected but with its
        /// offline quota full of a backlog it is still being sent: routed now, it would be dropped for that receiver,
        /// though the upstream was told it arrived. An uplink that can hold back the upstream (one that acknowledges a
        /// message only once it is routed) waits while this holds, so the upstream keeps the rest; a receiver that
        /// acknowledges makes room within its round trip.</summary>
        public bool FindsReceiverBackedUp(RoutedMessage message)
        {
            return _router.FindsReceiverBackedUp(message);
        }

        /// <summary>An upstream said the receiver of the P2P address <paramref name="topic"/> is unknown everywhere: if it
        /// was marked as connected above (<see cref="FollowClient"/>), the gateway where it was connected no longer holds
        /// it, so its session here or route below serves it again, and is announced again — the upstream had taken that
        /// gateway's route over this broker's.</summary>
        void UnknownAbove(string topic)
        {
            string clientId = topic.Substring(P2PAddress.ReceiverStart(topic));
            if (_routes.ForgetConnectedAbove(clientId))
            {
                ReachabilityChanged(clientId);
            }
        }

        /// <summary>Whether <paramref name="session"/> holds a subscription to <paramref name="filter"/> (a SUBSCRIBE
        /// for it replaces that one, so it counts against no limit). Called under the session's lock.</summary>
        static bool Holds(Session session, string filter)
        {
            ArrayList subscriptions = session.Subscriptions;
            for (int i = 0; i < subscriptions.Count; i++)
            {
                if (((Subscription)subscriptions[i]).Filter == filter)
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>Every change of a session's connection goes through here (under the session's lock), keeping
        /// <see cref="ConnectedSessionCount"/>.</summary>
        void SetConnection(Session session, IClientConnection connection)
        {
            if (session.Connection == null && connection != null)
            {
                Interlocked.Increment(ref _connectedSessions);
            }
            else if (session.Connection != null && connection == null)
            {
                Interlocked.Decrement(ref _connectedSessions);
            }

            session.Connection = connection;
        }

        /// <summary>Forgets a session entirely: subscriptions, kept messages, stored entry, registration. Called
        /// under the session's lock.</summary>
        void Discard(Session session)
        {
            // A will not published as the session ends (a clean start cuts a delayed one short) gives its room back.
            DropWill(session);
            _subscriptions.RemoveAll(session);
            if (session.IsStored)
            {
                _offlineStore.Discard(session.ClientId);
                _sessionStore.DeleteSession(session.ClientId);
                session.IsStored = false;
            }

            _offline.ForgetVolatile(session);

            // Calls that found this session before it was discarded and waited for its lock (the old connection's end
            // after a clean start, a SUBSCRIBE in flight) must not write it back to the store.
            SetConnection(session, null);
            session.IsDiscarded = true;
            _sessions.Remove(session);
            ReachabilityChanged(session.ClientId);
        }
    }
}
