using System.Collections;
using System.Threading;
using EdgeBroker.Core.Access;
using EdgeBroker.Core.Offline;
using EdgeBroker.Core.Presence;
using EdgeBroker.Core.Routing;
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
    public sealed class BrokerCore
    {
        /// <summary>MQTT 5 session expiry value meaning "never expires".</summary>
        public const uint NeverExpires = 0xFFFFFFFF;

        /// <summary>SUBACK failure code (MQTT 3.1.1 0x80; MQTT 5 uses it as "unspecified error").</summary>
        public const int SubscribeFailure = 0x80;

        /// <summary>MQTT 5 SUBACK/PUBACK "not authorized".</summary>
        public const int NotAuthorized = 0x87;

        /// <summary>MQTT 5 SUBACK "topic filter invalid"; MQTT 3.1.1 has no code for it and closes the connection
        /// [MQTT-4.8.0-1].</summary>
        public const int TopicFilterInvalid = 0x8F;

        /// <summary>MQTT 5 SUBACK "quota exceeded": the client holds <see cref="MaxSubscriptionsPerClient"/>
        /// subscriptions already.</summary>
        public const int QuotaExceeded = 0x97;

        readonly SessionRegistry _sessions;
        readonly SubscriptionIndex _subscriptions;
        readonly IOfflineStore _offlineStore;
        readonly ISessionStore _sessionStore;
        readonly OfflineDelivery _offline;
        readonly RoutingCounters _counters;
        readonly Router _router;
        readonly PresenceTracker _presence;
        readonly UplinkSet _uplinks;
        readonly int _maxQos;
        int _sessionsExpired;
        int _connectionsAccepted;
        int _maxSubscriptionsPerClient;

        public BrokerCore(IAccessPolicy policy, IOfflineStore offlineStore, ISessionStore sessionStore, OfflineLimits limits,
            int maxQos, int expectedClients)
        {
            _sessions = new SessionRegistry(expectedClients);
            _subscriptions = new SubscriptionIndex();
            _offlineStore = offlineStore;
            _sessionStore = sessionStore;
            _offline = new OfflineDelivery(offlineStore, limits);
            _counters = new RoutingCounters();
            _maxQos = maxQos;
            _uplinks = new UplinkSet();
            _router = new Router(_sessions, _subscriptions, _offline, policy, _counters, maxQos, _uplinks);
            _presence = new PresenceTracker(_router);
        }

        internal SessionRegistry Sessions { get { return _sessions; } }

        internal SubscriptionIndex Subscriptions { get { return _subscriptions; } }

        public RoutingCounters Counters { get { return _counters; } }

        internal Router Router { get { return _router; } }

        /// <summary>Where retained messages are kept: the engine's store, which the core calls for every authorized
        /// retained PUBLISH (see <see cref="RetainedKeeper"/>); null keeps none.</summary>
        public RetainedKeeper KeepRetained
        {
            get { return _router.KeepRetained; }
            set { _router.KeepRetained = value; }
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

        /// <summary>Whether the core holds a session for <paramref name="clientId"/> (connected or away).</summary>
        public bool HasSession(string clientId)
        {
            return _sessions.Find(clientId) != null;
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

        /// <summary>The configured uplinks; every accepted PUBLISH is offered to them (see <see cref="Router"/>).</summary>
        public UplinkSet Uplinks { get { return _uplinks; } }

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
                bool existed;
                Session session = _sessions.GetOrCreate(sessionRecord.ClientId, out existed);
                session.IsPersistent = true;
                session.IsStored = true;
                session.ExpiryIntervalSeconds = sessionRecord.ExpiryIntervalSeconds;
                session.DisconnectedAtMs = sessionRecord.DisconnectedAtMs > 0 ? sessionRecord.DisconnectedAtMs : nowMs;
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

        /// <summary>
        /// A CONNECT was accepted and <paramref name="connection"/> now serves <paramref name="clientId"/>.
        /// With <paramref name="cleanStart"/> any earlier session is discarded first. Kept messages follow, oldest
        /// first and in batches, before anything newer. Returns whether a session was present (CONNACK flag).
        /// </summary>
        public bool Connect(string clientId, bool cleanStart, uint sessionExpirySeconds, IClientConnection connection)
        {
            bool existed;
            Session session = _sessions.GetOrCreate(clientId, out existed);
            if (existed && cleanStart)
            {
                lock (session.SyncRoot)
                {
                    Discard(session);
                }

                session = _sessions.GetOrCreate(clientId, out existed);
            }

            lock (session.SyncRoot)
            {
                session.IsPersistent = sessionExpirySeconds > 0;
                session.ExpiryIntervalSeconds = sessionExpirySeconds;
                session.DisconnectedAtMs = 0;
                if (session.IsPersistent)
                {
                    _sessionStore.SaveSession(clientId, sessionExpirySeconds, 0);
                    session.IsStored = true;
                }

                if (session.Connection != null)
                {
                    // A takeover: the older connection may have received what it did not acknowledge, and its end is
                    // reported later (and ignored), so its deliveries count as sent now: they come back with DUP.
                    _offline.Stop(session);
                }

                session.Connection = connection;
                _offline.Start(session, Clock.NowMs());
            }

            return existed;
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

            lock (session.SyncRoot)
            {
                if (session.Connection != connection)
                {
                    return;
                }

                _offline.Stop(session);
                session.Connection = null;
                session.DisconnectedAtMs = Clock.NowMs();
                if (newExpiry)
                {
                    session.ExpiryIntervalSeconds = sessionExpirySeconds;
                }

                sessionExpirySeconds = session.ExpiryIntervalSeconds;
                session.IsPersistent = sessionExpirySeconds > 0;
                if (session.IsPersistent)
                {
                    _sessionStore.SaveSession(clientId, sessionExpirySeconds, session.DisconnectedAtMs);
                }
                else
                {
                    // Still under the session's lock, so a reconnect cannot slip in and lose its fresh state.
                    Discard(session);
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
                _offline.Acknowledged(session, deliveryTag, Clock.NowMs());
            }
        }

        /// <summary>Time passes: sends overdue offline batches. Engines call it about once a second.</summary>
        public void Tick(long nowMs)
        {
            ArrayList sessions = _sessions.Snapshot();
            for (int i = 0; i < sessions.Count; i++)
            {
                Session session = (Session)sessions[i];
                lock (session.SyncRoot)
                {
                    _offline.Tick(session, nowMs);
                }
            }
        }

        /// <summary>
        /// Presence: <paramref name="connection"/>'s CONNECT for <paramref name="clientId"/> was accepted. Engines call
        /// this right after <see cref="Connect"/> (so an application that reacts to the connect event can already reach
        /// the client by P2P), with the client's address as <c>ip:port</c>; the core publishes the connect event.
        /// Presence follows TCP connections, not sessions: every accepted connection is reported, takeovers included.
        /// </summary>
        public void ConnectionAccepted(string clientId, IClientConnection connection, string clientAddress)
        {
            Interlocked.Increment(ref _connectionsAccepted);
            _presence.ConnectionAccepted(clientId, connection, clientAddress);
        }

        /// <summary>Presence: the client sent DISCONNECT on <paramref name="connection"/> (disconnect event). Report it
        /// before <see cref="ConnectionClosed"/>.</summary>
        public void DisconnectReceived(string clientId, IClientConnection connection)
        {
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
        }

        /// <summary>Ends every offline session whose expiry interval has passed; returns their client IDs so the
        /// engine can drop its own state too.</summary>
        public ArrayList ExpireSessions(long nowMs)
        {
            ArrayList expired = new ArrayList();
            ArrayList sessions = _sessions.Snapshot();
            for (int i = 0; i < sessions.Count; i++)
            {
                Session session = (Session)sessions[i];
                lock (session.SyncRoot)
                {
                    if (session.IsOnline || session.ExpiryIntervalSeconds == NeverExpires)
                    {
                        continue;
                    }

                    if (session.DisconnectedAtMs + (long)session.ExpiryIntervalSeconds * 1000 > nowMs)
                    {
                        continue;
                    }

                    Discard(session);
                }

                expired.Add(session.ClientId);
                Interlocked.Increment(ref _sessionsExpired);
            }

            return expired;
        }

        /// <summary>
        /// The one SUBSCRIBE decision, per filter, for both engines: checks the filter, asks the access policy and the
        /// per-client limit, and keeps the subscription. Returns the SUBACK code: the granted QoS (at most
        /// <see cref="MaxQos"/>), or <see cref="TopicFilterInvalid"/>, <see cref="NotAuthorized"/>,
        /// <see cref="QuotaExceeded"/> or <see cref="SubscribeFailure"/> (no session). Engines translate it (MQTT 3.1.1
        /// has only 0x80 for a refusal, and closes the connection for an invalid filter) and decide nothing themselves.
        /// </summary>
        public int Subscribe(string clientId, string filter, int requestedQos, bool noLocal, bool retainAsPublished, int identifier)
        {
            if (!TopicValidator.IsValidTopicFilter(filter))
            {
                return TopicFilterInvalid;
            }

            if (!_router.Policy.CanSubscribe(clientId, filter))
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

        public bool Unsubscribe(string clientId, string filter)
        {
            Session session = _sessions.Find(clientId);
            if (session == null)
            {
                return false;
            }

            lock (session.SyncRoot)
            {
                bool removed = _subscriptions.Remove(session, filter);
                if (removed && session.IsPersistent)
                {
                    _sessionStore.DeleteSubscription(clientId, filter);
                }

                return removed;
            }
        }

        /// <summary>Messages kept in the offline store for persistent sessions, all clients together (the
        /// <c>$SYS</c> tree's queue depth). Asks the store once per persistent session.</summary>
        public int OfflineQueueDepth()
        {
            int depth = 0;
            ArrayList sessions = _sessions.Snapshot();
            for (int i = 0; i < sessions.Count; i++)
            {
                Session session = (Session)sessions[i];
                if (session.IsPersistent)
                {
                    depth += _offlineStore.Count(session.ClientId);
                }
            }

            return depth;
        }

        public PublishOutcome Publish(string publisherClientId, RoutedMessage message)
        {
            return _router.Publish(publisherClientId, message);
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
            return _router.PublishFromUplink(message);
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

        /// <summary>Forgets a session entirely: subscriptions, kept messages, stored entry, registration. Called
        /// under the session's lock.</summary>
        void Discard(Session session)
        {
            _subscriptions.RemoveAll(session);
            if (session.IsStored)
            {
                _offlineStore.Discard(session.ClientId);
                _sessionStore.DeleteSession(session.ClientId);
                session.IsStored = false;
            }

            session.VolatileQueue = null;

            // Calls that found this session before it was discarded and waited for its lock (the old connection's end
            // after a clean start, a SUBSCRIBE in flight) must not write it back to the store.
            session.Connection = null;
            session.IsDiscarded = true;
            _sessions.Remove(session);
        }
    }
}
