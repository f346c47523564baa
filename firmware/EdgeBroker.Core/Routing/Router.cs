using System.Collections;
using EdgeBroker.Core.Access;
using EdgeBroker.Core.Offline;
using EdgeBroker.Core.Sessions;
using EdgeBroker.Core.Subscriptions;
using EdgeBroker.Core.Topics;

namespace EdgeBroker.Core.Routing
{
    /// <summary>
    /// Decides who receives a PUBLISH and hands it to them: the one P2P receiver for <c>parent/p2p/{clientId}</c>,
    /// otherwise every matching subscriber. Receivers that are away and have a persistent session get it in the
    /// offline store. Engines call <see cref="Publish"/> and map the outcome to their acknowledgement.
    /// </summary>
    public sealed class Router
    {
        readonly SessionRegistry _sessions;
        readonly SubscriptionIndex _subscriptions;
        readonly IOfflineStore _offline;
        readonly RoutingCounters _counters;
        readonly int _maxQos;
        IAccessPolicy _policy;

        public Router(SessionRegistry sessions, SubscriptionIndex subscriptions, IOfflineStore offline,
            IAccessPolicy policy, RoutingCounters counters, int maxQos)
        {
            _sessions = sessions;
            _subscriptions = subscriptions;
            _offline = offline;
            _policy = policy;
            _counters = counters;
            _maxQos = maxQos;
        }

        public IAccessPolicy Policy
        {
            get { return _policy; }
            set { _policy = value; }
        }

        /// <summary>Routes a client's PUBLISH. <paramref name="publisherClientId"/> is checked against the access
        /// policy and used for MQTT 5 No Local.</summary>
        public PublishOutcome Publish(string publisherClientId, RoutedMessage message)
        {
            _counters.CountPublished();
            string topic = message.Topic;
            if (!TopicValidator.IsValidTopicName(topic))
            {
                _counters.CountInvalidTopic();
                return PublishOutcome.TopicNameInvalid;
            }

            int receiverStart = P2PAddress.ReceiverStart(topic);
            if (!_policy.CanPublish(publisherClientId, topic, receiverStart))
            {
                _counters.CountDenied();
                return PublishOutcome.NotAuthorized;
            }

            return receiverStart >= 0
                ? RouteToReceiver(message, receiverStart)
                : RouteToSubscribers(publisherClientId, message);
        }

        /// <summary>Routes a message the broker itself originates (presence events on <c>$SYS/…</c>): no access
        /// check, never P2P.</summary>
        public PublishOutcome PublishFromBroker(RoutedMessage message)
        {
            _counters.CountPublished();
            return RouteToSubscribers(null, message);
        }

        PublishOutcome RouteToReceiver(RoutedMessage message, int receiverStart)
        {
            string topic = message.Topic;
            Session receiver = _sessions.Find(topic, receiverStart, topic.Length - receiverStart);
            if (receiver == null)
            {
                _counters.CountP2PDroppedNoSession();
                return PublishOutcome.NoMatchingSubscribers;
            }

            int qos = message.Qos < _maxQos ? message.Qos : _maxQos;
            lock (receiver.SyncRoot)
            {
                IClientConnection connection = receiver.Connection;
                if (connection != null)
                {
                    // The retain flag is cleared: a P2P message is for this receiver now, never a retained message.
                    if (connection.Send(message, qos, false, null, 0, false))
                    {
                        _counters.CountP2PDelivered();
                    }
                    else
                    {
                        _counters.CountEngineDropped();
                    }

                    return PublishOutcome.Delivered;
                }

                if (!receiver.IsPersistent || qos == 0)
                {
                    _counters.CountP2PDroppedOffline();
                    return PublishOutcome.NoMatchingSubscribers;
                }

                if (!_offline.Enqueue(receiver.ClientId, new OfflineMessage(message.Detach(), qos, false, null)))
                {
                    _counters.CountQuotaDropped();
                    return PublishOutcome.QuotaExceeded;
                }

                _counters.CountP2PQueued();
                return PublishOutcome.Queued;
            }
        }

        PublishOutcome RouteToSubscribers(string publisherClientId, RoutedMessage message)
        {
            MatchSet matches = new MatchSet();
            _subscriptions.Match(message.Topic, matches);

            bool delivered = false;
            bool queued = false;
            bool quotaExceeded = false;
            for (int i = 0; i < matches.Count; i++)
            {
                Session session = matches.SessionAt(i);
                if (matches.NoLocalAt(i) && publisherClientId != null && publisherClientId == session.ClientId)
                {
                    continue;
                }

                int qos = message.Qos < matches.QosAt(i) ? message.Qos : matches.QosAt(i);
                bool retain = matches.RetainAsPublishedAt(i) && message.Retain;
                int[] identifiers = matches.IdentifiersAt(i);
                lock (session.SyncRoot)
                {
                    IClientConnection connection = session.Connection;
                    if (connection != null)
                    {
                        if (connection.Send(message, qos, retain, identifiers, 0, false))
                        {
                            _counters.CountPubSubDelivery();
                        }
                        else
                        {
                            _counters.CountEngineDropped();
                        }

                        delivered = true;
                    }
                    else if (session.IsPersistent)
                    {
                        if (_offline.Enqueue(session.ClientId, new OfflineMessage(message.Detach(), qos, retain, identifiers)))
                        {
                            _counters.CountPubSubQueued();
                            queued = true;
                        }
                        else
                        {
                            _counters.CountQuotaDropped();
                            quotaExceeded = true;
                        }
                    }
                }
            }

            if (delivered)
            {
                return PublishOutcome.Delivered;
            }

            if (queued)
            {
                return PublishOutcome.Queued;
            }

            if (quotaExceeded)
            {
                return PublishOutcome.QuotaExceeded;
            }

            _counters.CountNoMatchingSubscribers();
            return PublishOutcome.NoMatchingSubscribers;
        }

        /// <summary>Sends a reconnected client everything kept for it, oldest first. Called with the session's
        /// lock held, before any new message can reach the connection, so order is kept.</summary>
        internal void DeliverOffline(Session session, IClientConnection connection)
        {
            ArrayList batch = new ArrayList();
            while (_offline.Take(session.ClientId, 64, batch) > 0)
            {
                for (int i = 0; i < batch.Count; i++)
                {
                    OfflineMessage kept = (OfflineMessage)batch[i];
                    if (!connection.Send(kept.Message, kept.Qos, kept.Retain, kept.SubscriptionIdentifiers, 0, false))
                    {
                        _counters.CountEngineDropped();
                    }
                }

                batch.Clear();
            }
        }
    }
}
