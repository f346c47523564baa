using EdgeBroker.Core.Access;
using EdgeBroker.Core.Offline;
using EdgeBroker.Core.Sessions;
using EdgeBroker.Core.Subscriptions;
using EdgeBroker.Core.Topics;

namespace EdgeBroker.Core.Routing
{
    /// <summary>
    /// Decides who receives a PUBLISH and hands it to them: the one P2P receiver for <c>parent/p2p/{clientId}</c>,
    /// otherwise every matching subscriber. Persistent sessions get QoS 1/2 messages through the offline store, so they
    /// survive a dropped connection or a crash. Engines call <see cref="Publish"/> and map the outcome to their
    /// acknowledgement.
    /// </summary>
    public sealed class Router
    {
        readonly SessionRegistry _sessions;
        readonly SubscriptionIndex _subscriptions;
        readonly OfflineDelivery _offline;
        readonly RoutingCounters _counters;
        readonly int _maxQos;
        IAccessPolicy _policy;
        RetainedKeeper _keepRetained;

        internal Router(SessionRegistry sessions, SubscriptionIndex subscriptions, OfflineDelivery offline,
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

        /// <summary>Where retained messages are kept (see <see cref="RetainedKeeper"/>); null keeps none.</summary>
        public RetainedKeeper KeepRetained
        {
            get { return _keepRetained; }
            set { _keepRetained = value; }
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

            StampArrival(message);
            if (receiverStart >= 0)
            {
                return RouteToReceiver(message, receiverStart);
            }

            if (message.Retain && _keepRetained != null)
            {
                _keepRetained(message);
            }

            return RouteToSubscribers(publisherClientId, message);
        }

        /// <summary>Routes a message the broker itself originates (presence events on <c>$SYS/…</c>): no access
        /// check, never P2P.</summary>
        public PublishOutcome PublishFromBroker(RoutedMessage message)
        {
            _counters.CountPublished();
            _counters.CountFromBroker();
            StampArrival(message);
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
                // The retain flag is cleared: a P2P message is for this receiver now, never a retained message.
                if (qos > 0 && receiver.IsPersistent)
                {
                    PublishOutcome kept = _offline.Keep(receiver, message, qos, false, null);
                    CountP2P(kept);
                    return kept;
                }

                IClientConnection connection = receiver.Connection;
                if (connection == null)
                {
                    _counters.CountP2PDroppedOffline();
                    return PublishOutcome.NoMatchingSubscribers;
                }

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
                PublishOutcome outcome = DeliverToSubscriber(session, message, qos, retain, identifiers);
                delivered |= outcome == PublishOutcome.Delivered;
                queued |= outcome == PublishOutcome.Queued;
                quotaExceeded |= outcome == PublishOutcome.QuotaExceeded;
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

        PublishOutcome DeliverToSubscriber(Session session, RoutedMessage message, int qos, bool retain, int[] identifiers)
        {
            lock (session.SyncRoot)
            {
                PublishOutcome outcome;
                if (qos > 0 && session.IsPersistent)
                {
                    outcome = _offline.Keep(session, message, qos, retain, identifiers);
                }
                else if (session.Connection != null)
                {
                    if (!session.Connection.Send(message, qos, retain, identifiers, 0, false))
                    {
                        _counters.CountEngineDropped();
                        return PublishOutcome.Delivered;
                    }

                    outcome = PublishOutcome.Delivered;
                }
                else if (session.IsPersistent)
                {
                    outcome = _offline.KeepVolatile(session, message, retain, identifiers)
                        ? PublishOutcome.Queued
                        : PublishOutcome.QuotaExceeded;
                }
                else
                {
                    return PublishOutcome.NoMatchingSubscribers;
                }

                CountPubSub(outcome);
                return outcome;
            }
        }

        void CountP2P(PublishOutcome outcome)
        {
            if (outcome == PublishOutcome.Delivered)
            {
                _counters.CountP2PDelivered();
            }
            else if (outcome == PublishOutcome.Queued)
            {
                _counters.CountP2PQueued();
            }
            else
            {
                _counters.CountQuotaDropped();
            }
        }

        void CountPubSub(PublishOutcome outcome)
        {
            if (outcome == PublishOutcome.Delivered)
            {
                _counters.CountPubSubDelivery();
            }
            else if (outcome == PublishOutcome.Queued)
            {
                _counters.CountPubSubQueued();
            }
            else
            {
                _counters.CountQuotaDropped();
            }
        }

        static void StampArrival(RoutedMessage message)
        {
            if (message.PublishedAtMs == 0)
            {
                message.PublishedAtMs = Clock.NowMs();
            }
        }
    }
}
