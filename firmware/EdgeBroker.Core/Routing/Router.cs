using EdgeBroker.Core.Access;
using EdgeBroker.Core.Offline;
using EdgeBroker.Core.Sessions;
using EdgeBroker.Core.Subscriptions;
using EdgeBroker.Core.Topics;
using EdgeBroker.Core.Uplink;

namespace EdgeBroker.Core.Routing
{
    /// <summary>
    /// Decides who receives a PUBLISH and hands it to them: the one P2P receiver for <c>parent/p2p/{clientId}</c>,
    /// otherwise every matching subscriber. Persistent sessions get QoS 1/2 messages through the offline store, so they
    /// survive a dropped connection or a crash. Engines call <see cref="Publish"/> and map the outcome to their
    /// acknowledgement.
    /// </summary>
    internal sealed class Router
    {
        readonly SessionRegistry _sessions;
        readonly SubscriptionIndex _subscriptions;
        readonly OfflineDelivery _offline;
        readonly RoutingCounters _counters;
        readonly int _maxQos;
        readonly UplinkSet _uplinks;
        IAccessPolicy _policy;
        RetainedKeeper _keepRetained;
        DedupeWindow _dedupe;

        internal Router(SessionRegistry sessions, SubscriptionIndex subscriptions, OfflineDelivery offline,
            IAccessPolicy policy, RoutingCounters counters, int maxQos, UplinkSet uplinks)
        {
            _uplinks = uplinks;
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

        /// <summary>The dedupe ids accepted from gateways' uplinks; null (the default) routes every message.</summary>
        public DedupeWindow Dedupe
        {
            get { return _dedupe; }
            set { _dedupe = value; }
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

            DedupeWindow dedupe = _dedupe;
            string dedupeId = message.DedupeId;
            if (dedupe == null || dedupeId == null || publisherClientId == null)
            {
                return Route(publisherClientId, message, receiverStart);
            }

            if (dedupe.Contains(publisherClientId, dedupeId))
            {
                // A gateway's resend of a message routed before (it did not see the PUBACK): acknowledged, not routed.
                _counters.CountDuplicateDropped();
                return PublishOutcome.Delivered;
            }

            PublishOutcome outcome = Route(publisherClientId, message, receiverStart);
            if (outcome == PublishOutcome.Delivered || outcome == PublishOutcome.Queued || outcome == PublishOutcome.NoMatchingSubscribers)
            {
                dedupe.Add(publisherClientId, dedupeId);
            }

            return outcome;
        }

        /// <summary>Routes a message that came down an uplink (its <see cref="RoutedMessage.OriginUplink"/> set): no
        /// access check — the uplink's subscribe rules chose it —, otherwise like a client's PUBLISH, other uplinks
        /// included.</summary>
        public PublishOutcome PublishFromUplink(RoutedMessage message)
        {
            _counters.CountPublished();
            if (!TopicValidator.IsValidTopicName(message.Topic))
            {
                _counters.CountInvalidTopic();
                return PublishOutcome.TopicNameInvalid;
            }

            return Route(null, message, P2PAddress.ReceiverStart(message.Topic));
        }

        /// <summary>Queues the message for the uplinks whose forward rules take it — before anyone local receives it,
        /// so a refused message is refused everywhere and its publisher's retry is not a duplicate — then routes it
        /// locally. A message only an uplink takes counts as queued.</summary>
        PublishOutcome Route(string publisherClientId, RoutedMessage message, int receiverStart)
        {
            StampArrival(message);
            UplinkOfferOutcome uplinked = _uplinks.Count == 0
                ? UplinkOfferOutcome.NotForwarded
                : _uplinks.Offer(message, message.PublishedAtMs);
            if (uplinked == UplinkOfferOutcome.Full)
            {
                _counters.CountQuotaDropped();
                return PublishOutcome.UplinkQueueFull;
            }

            if (uplinked == UplinkOfferOutcome.StoreFailed)
            {
                _offline.ReportStoreWritable(false);
                return PublishOutcome.StoreUnavailable;
            }

            if (uplinked == UplinkOfferOutcome.Queued)
            {
                _offline.ReportStoreWritable(true);
            }

            PublishOutcome outcome;
            if (receiverStart >= 0)
            {
                outcome = RouteToReceiver(message, receiverStart);
            }
            else
            {
                if (message.Retain && _keepRetained != null)
                {
                    _keepRetained(message);
                }

                outcome = RouteToSubscribers(publisherClientId, message);
            }

            return uplinked == UplinkOfferOutcome.Queued && outcome == PublishOutcome.NoMatchingSubscribers
                ? PublishOutcome.Queued
                : outcome;
        }

        /// <summary>Routes a message the broker itself originates (presence events, uplink states on <c>$SYS/…</c>):
        /// no access check, never P2P, never to an uplink; a retained one is kept.</summary>
        public PublishOutcome PublishFromBroker(RoutedMessage message)
        {
            _counters.CountPublished();
            _counters.CountFromBroker();
            StampArrival(message);
            if (message.Retain && _keepRetained != null)
            {
                _keepRetained(message);
            }

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
            bool storeUnavailable = false;
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
                storeUnavailable |= outcome == PublishOutcome.StoreUnavailable;
            }

            if (storeUnavailable)
            {
                return PublishOutcome.StoreUnavailable;
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
                CountNotKept(outcome);
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
                CountNotKept(outcome);
            }
        }

        void CountNotKept(PublishOutcome outcome)
        {
            if (outcome == PublishOutcome.StoreUnavailable)
            {
                _counters.CountStoreRefused();
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
