using System;
using System.Collections;
using EdgeBroker.Core.Access;
using EdgeBroker.Core.Offline;
using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Sessions;
using EdgeBroker.Core.Subscriptions;
using EdgeBroker.Core.Topics;

namespace EdgeBroker.Core
{
    /// <summary>
    /// The routing core as an engine sees it: report connections, subscriptions and publications, and the core
    /// decides and delivers. One instance per broker; thread-safe.
    /// </summary>
    public sealed class BrokerCore
    {
        /// <summary>MQTT 5 session expiry value meaning "never expires".</summary>
        public const uint NeverExpires = 0xFFFFFFFF;

        /// <summary>SUBACK failure code (MQTT 3.1.1 0x80; MQTT 5 uses it as "unspecified error").</summary>
        public const int SubscribeFailure = 0x80;

        /// <summary>MQTT 5 SUBACK/PUBACK "not authorized".</summary>
        public const int NotAuthorized = 0x87;

        readonly SessionRegistry _sessions;
        readonly SubscriptionIndex _subscriptions;
        readonly IOfflineStore _offline;
        readonly RoutingCounters _counters;
        readonly Router _router;
        readonly int _maxQos;

        public BrokerCore(IAccessPolicy policy, IOfflineStore offline, int maxQos, int expectedClients)
        {
            _sessions = new SessionRegistry(expectedClients);
            _subscriptions = new SubscriptionIndex();
            _offline = offline;
            _counters = new RoutingCounters();
            _maxQos = maxQos;
            _router = new Router(_sessions, _subscriptions, offline, policy, _counters, maxQos);
        }

        public SessionRegistry Sessions { get { return _sessions; } }

        public SubscriptionIndex Subscriptions { get { return _subscriptions; } }

        public RoutingCounters Counters { get { return _counters; } }

        public Router Router { get { return _router; } }

        public IOfflineStore OfflineStore { get { return _offline; } }

        /// <summary>The highest QoS this broker grants and delivers at.</summary>
        public int MaxQos { get { return _maxQos; } }

        /// <summary>
        /// A CONNECT was accepted and <paramref name="connection"/> now serves <paramref name="clientId"/>.
        /// With <paramref name="cleanStart"/> any earlier session is discarded first. Messages kept while the client
        /// was away are delivered before anything newer. Returns whether a session was present (CONNACK flag).
        /// </summary>
        public bool Connect(string clientId, bool cleanStart, uint sessionExpirySeconds, IClientConnection connection)
        {
            bool existed;
            Session session = _sessions.GetOrCreate(clientId, out existed);
            if (existed && cleanStart)
            {
                Discard(session);
                session = _sessions.GetOrCreate(clientId, out existed);
            }

            lock (session.SyncRoot)
            {
                session.IsPersistent = sessionExpirySeconds > 0;
                session.ExpiryIntervalSeconds = sessionExpirySeconds;
                session.DisconnectedAtTicks = 0;
                session.Connection = connection;
                _router.DeliverOffline(session, connection);
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

                session.Connection = null;
                session.DisconnectedAtTicks = DateTime.UtcNow.Ticks;
                session.ExpiryIntervalSeconds = sessionExpirySeconds;
                session.IsPersistent = sessionExpirySeconds > 0;
                if (!session.IsPersistent)
                {
                    // Still under the session's lock, so a reconnect cannot slip in and lose its fresh state.
                    Discard(session);
                }
            }
        }

        /// <summary>Ends every offline session whose expiry interval has passed; returns their client IDs so the
        /// engine can drop its own state too.</summary>
        public ArrayList ExpireSessions(long nowTicks)
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

                    long expiresAt = session.DisconnectedAtTicks + (long)session.ExpiryIntervalSeconds * TimeSpan.TicksPerSecond;
                    if (expiresAt > nowTicks)
                    {
                        continue;
                    }

                    Discard(session);
                }

                expired.Add(session.ClientId);
            }

            return expired;
        }

        /// <summary>
        /// Asks the access policy and records a subscription. Returns the granted QoS, or
        /// <see cref="NotAuthorized"/> / <see cref="SubscribeFailure"/>.
        /// </summary>
        public int Subscribe(string clientId, string filter, int requestedQos, bool noLocal, bool retainAsPublished, int identifier)
        {
            if (!TopicValidator.IsValidTopicFilter(filter))
            {
                return SubscribeFailure;
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
            Subscription subscription = _subscriptions.Add(session, filter, granted);
            subscription.NoLocal = noLocal;
            subscription.RetainAsPublished = retainAsPublished;
            subscription.Identifier = identifier;
            return granted;
        }

        public bool Unsubscribe(string clientId, string filter)
        {
            Session session = _sessions.Find(clientId);
            return session != null && _subscriptions.Remove(session, filter);
        }

        public PublishOutcome Publish(string publisherClientId, RoutedMessage message)
        {
            return _router.Publish(publisherClientId, message);
        }

        /// <summary>
        /// <paramref name="clientId"/> completed the QoS 1 or 2 handshake for the message the core sent it with
        /// <paramref name="deliveryTag"/> (see <see cref="IClientConnection.Send"/>). The core hands out no delivery tags
        /// yet — every delivery is tagged 0 and engines only call this for non-zero tags — so nothing is kept for it to
        /// release; the durable offline store (offline-messages issue) releases its kept message here.
        /// </summary>
        public void Acknowledge(string clientId, long deliveryTag)
        {
        }

        /// <summary>Forgets a session entirely: subscriptions, offline messages, registration.</summary>
        public void Discard(Session session)
        {
            _subscriptions.RemoveAll(session);
            _offline.Discard(session.ClientId);
            _sessions.Remove(session);
        }
    }
}
