using System.Collections;
using EdgeBroker.Core.Access;
using EdgeBroker.Core.Offline;
using EdgeBroker.Core.Outbound;
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
        readonly RemoteRoutes _routes;
        readonly UnreachableTargets _unreachable;
        readonly QueueFullDrops _queueFullDrops = new QueueFullDrops();
        IAccessPolicy _policy;
        RetainedKeeper _keepRetained;
        DedupeWindow _dedupe;

        internal Router(SessionRegistry sessions, SubscriptionIndex subscriptions, OfflineDelivery offline,
            IAccessPolicy policy, RoutingCounters counters, int maxQos, UplinkSet uplinks, RemoteRoutes routes,
            UnreachableTargets unreachable)
        {
            _uplinks = uplinks;
            _routes = routes;
            _unreachable = unreachable;
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

        /// <summary>Acknowledged messages a connected receiver's full queue dropped, for the engines' log.</summary>
        public QueueFullDrops QueueFullDrops
        {
            get { return _queueFullDrops; }
        }

        /// <summary>The dedupe ids accepted from gateways' uplinks; null (the default) routes every message.</summary>
        public DedupeWindow Dedupe
        {
            get { return _dedupe; }
            set { _dedupe = value; }
        }

        /// <summary>Routes a client's PUBLISH. <paramref name="publisherClientId"/> is checked against the access
        /// policy and used for MQTT 5 No Local. <paramref name="matched"/>, when not null, is what the subscription
        /// tree matched for the topic a moment ago (<see cref="BrokerCore.MatchSubscribers"/>), routed by instead of
        /// matching again. With <paramref name="waitForStore"/> the outcome holds once returned;
        /// without it, what the message kept in the offline store may still be committing: then
        /// <paramref name="pending"/> is not null and the outcome holds only once <see cref="Settled"/> says so.</summary>
        public PublishOutcome Publish(string publisherClientId, RoutedMessage message, MatchSet matched, bool waitForStore, out PendingCommit pending)
        {
            pending = null;
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
                return Route(publisherClientId, message, receiverStart, matched, waitForStore, out pending);
            }

            if (dedupe.Contains(publisherClientId, dedupeId))
            {
                // A gateway's resend of a message routed before (it did not see the PUBACK): acknowledged, not routed.
                _counters.CountDuplicateDropped();
                return PublishOutcome.Delivered;
            }

            // The id is remembered only once the message is durable: a resend after a failed commit must be routed.
            PublishOutcome outcome = Route(publisherClientId, message, receiverStart, matched, true, out pending);
            if (outcome == PublishOutcome.Delivered || outcome == PublishOutcome.Queued || outcome == PublishOutcome.NoMatchingSubscribers)
            {
                dedupe.Add(publisherClientId, dedupeId);
            }

            return outcome;
        }

        /// <summary>Routes a message that came down an uplink (its <see cref="RoutedMessage.OriginUplink"/> set): no
        /// access check — the uplink's subscribe rules chose it —, otherwise like a client's PUBLISH, other uplinks
        /// included. An unreachable notice is taken in instead (<see cref="NoticeReceived"/>).</summary>
        public PublishOutcome PublishFromUplink(RoutedMessage message)
        {
            if (message.UnreachableNotice)
            {
                return NoticeReceived(message.Topic);
            }

            _counters.CountPublished();
            if (!TopicValidator.IsValidTopicName(message.Topic))
            {
                _counters.CountInvalidTopic();
                return PublishOutcome.TopicNameInvalid;
            }

            PendingCommit pending;
            return Route(null, message, P2PAddress.ReceiverStart(message.Topic), null, true, out pending);
        }

        /// <summary>Whether a message from an uplink would now find a receiver here connected and backed up
        /// (<see cref="OfflineDelivery.IsBackedUp"/>): the P2P receiver, or a subscriber (shared subscriptions are not
        /// looked at: one of their members takes it).</summary>
        public bool FindsReceiverBackedUp(RoutedMessage message)
        {
            string topic = message.Topic;
            int receiverStart = P2PAddress.ReceiverStart(topic);
            if (receiverStart >= 0)
            {
                Session receiver = _sessions.Find(topic, receiverStart, topic.Length - receiverStart);
                return receiver != null && _offline.IsBackedUp(receiver);
            }

            MatchSet matches = new MatchSet();
            _subscriptions.Match(topic, matches);
            for (int i = 0; i < matches.Count; i++)
            {
                if (matches.SharedAt(i) == null && _offline.IsBackedUp(matches.SessionAt(i)))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>Routes a client's will (<see cref="BrokerCore.KeepWill"/>): the access policy judged it when it was kept,
        /// otherwise like the client's PUBLISH.</summary>
        internal PublishOutcome PublishWill(RoutedMessage will)
        {
            _counters.CountPublished();
            PendingCommit pending;
            return Route(will.SenderClientId, will, P2PAddress.ReceiverStart(will.Topic), null, true, out pending);
        }

        /// <summary>Queues the message for the uplinks whose forward rules take it — before anyone local receives it,
        /// so a refused message is refused everywhere and its publisher's retry is not a duplicate — then routes it
        /// locally. A message only an uplink takes counts as queued.</summary>
        PublishOutcome Route(string publisherClientId, RoutedMessage message, int receiverStart, MatchSet matched, bool waitForStore,
            out PendingCommit pending)
        {
            pending = null;
            StampArrival(message);
            UplinkOfferOutcome uplinked = _uplinks.Count == 0
                ? UplinkOfferOutcome.NotForwarded
                : _uplinks.Offer(message, message.PublishedAtMs);
            PublishOutcome outcome;
            if (RefusedByUplink(uplinked, out outcome))
            {
                return outcome;
            }

            bool kept = false;
            if (receiverStart >= 0)
            {
                outcome = RouteToReceiver(publisherClientId, message, receiverStart, ref kept);
            }
            else
            {
                if (message.Retain && _keepRetained != null)
                {
                    _keepRetained(message);
                }

                outcome = RouteToSubscribers(publisherClientId, message, matched, ref kept);
            }

            outcome = waitForStore ? Committed(kept, outcome) : CommitLater(kept, outcome, out pending);
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

            bool kept = false;
            PublishOutcome outcome = RouteToSubscribers(null, message, null, ref kept);
            return Committed(kept, outcome);
        }

        /// <summary>The outcome once what this PUBLISH <paramref name="kept"/> in the offline store is durable: committed
        /// outside every session's lock; <see cref="PublishOutcome.StoreUnavailable"/> when the store could not write it.</summary>
        PublishOutcome Committed(bool kept, PublishOutcome outcome)
        {
            return kept && !Commit() ? PublishOutcome.StoreUnavailable : outcome;
        }

        /// <summary><see cref="Committed"/> without waiting: when what this PUBLISH <paramref name="kept"/> is still being
        /// committed, <paramref name="pending"/> is what the outcome waits for (see <see cref="Settled"/>).</summary>
        PublishOutcome CommitLater(bool kept, PublishOutcome outcome, out PendingCommit pending)
        {
            pending = kept ? _offline.CommitLater() : null;
            return outcome;
        }

        /// <summary>The outcome of a PUBLISH whose <paramref name="pending"/> commit has settled: <paramref name="outcome"/>
        /// when it kept the messages, else <see cref="PublishOutcome.StoreUnavailable"/> (counted as refused for the
        /// store), as <see cref="Committed"/> decides for a commit waited for.</summary>
        internal PublishOutcome Settled(PublishOutcome outcome, PendingCommit pending)
        {
            if (_offline.Settled(pending))
            {
                return outcome;
            }

            _counters.CountStoreRefused();
            return PublishOutcome.StoreUnavailable;
        }

        /// <summary>Makes what this PUBLISH kept durable; false (counted as refused for the store) when the store could
        /// not write it.</summary>
        bool Commit()
        {
            if (_offline.Commit())
            {
                return true;
            }

            _counters.CountStoreRefused();
            return false;
        }

        /// <summary>Sets <paramref name="kept"/> when the message went into the offline store, which the caller then
        /// commits, outside the session's lock, before the publisher is acknowledged. A session here serves the receiver
        /// unless it is away while the receiver is connected elsewhere (<see cref="ConnectedElsewhere"/>).</summary>
        PublishOutcome RouteToReceiver(string publisherClientId, RoutedMessage message, int receiverStart, ref bool kept)
        {
            string topic = message.Topic;
            Session receiver = _sessions.Find(topic, receiverStart, topic.Length - receiverStart);
            if (receiver != null && (receiver.IsOnline || !ConnectedElsewhere(publisherClientId, message, receiverStart)))
            {
                return DeliverP2P(receiver, message, ref kept);
            }

            return RouteAway(publisherClientId, message, receiverStart, ref kept);
        }

        /// <summary>
        /// Whether the receiver of a P2P message, whose session here is away, is connected elsewhere, where the message
        /// goes instead (docs/federation.md, "A client that moves"): on a gateway below whose route says so (not the one
        /// the message came from), or above (<see cref="GoesUp"/>).
        /// </summary>
        bool ConnectedElsewhere(string publisherClientId, RoutedMessage message, int receiverStart)
        {
            string topic = message.Topic;
            bool connected;
            string path = _routes.PathFor(topic, receiverStart, topic.Length - receiverStart, out connected);
            if (path != null && connected)
            {
                return publisherClientId == null || !RemoteRoutes.FirstLevelIs(path, publisherClientId);
            }

            return GoesUp(publisherClientId, message, receiverStart);
        }

        /// <summary>
        /// Whether a P2P message for a receiver that has only an away session here or below goes up instead: an
        /// upstream said the receiver is connected on another gateway (<see cref="RemoteRoutes.MarkConnectedAbove"/>), and
        /// up is a way to it — the message did not come down an uplink (what comes down stays, so nothing goes round),
        /// an uplink can take it there (<see cref="UplinkSet.ReachesElsewhere"/>), one more hop is allowed, and its
        /// publisher is not a gateway above this broker too (a cycle of uplinks). Otherwise it is kept where it is.
        /// </summary>
        bool GoesUp(string publisherClientId, RoutedMessage message, int receiverStart)
        {
            string topic = message.Topic;
            int receiverLength = topic.Length - receiverStart;
            return message.OriginUplink == null && _routes.IsConnectedAbove(topic, receiverStart, receiverLength)
                && message.Hops < _routes.MaxHops && !_routes.IsAbove(publisherClientId)
                && _uplinks.ReachesElsewhere(topic, receiverStart, receiverLength);
        }

        /// <summary>
        /// P2P federation (docs/federation.md) for a receiver with no session here, or only an away one while it is
        /// connected elsewhere: along the path its envelope named, or else the one the gateways below announced — unless
        /// that route leads only to an away session while the receiver is connected above (<see cref="GoesUp"/>) —,
        /// never back to the gateway the message came from unless that gateway has only an away session of the
        /// receiver, as an envelope; else up a federated uplink unless it came down it — and unless an upstream said its
        /// receiver is unknown everywhere, or it came from a gateway that is above this broker too (a cycle of uplinks)
        /// —; else nowhere. A message that would exceed the maximum hop count is dropped. A gateway below that sent a
        /// message for a receiver with no route at all is told (an unreachable notice).
        /// </summary>
        PublishOutcome RouteAway(string publisherClientId, RoutedMessage message, int receiverStart, ref bool kept)
        {
            string topic = message.Topic;
            string path = message.Via;
            bool awayBelow = false;
            if (path == null)
            {
                bool connected;
                path = _routes.PathFor(topic, receiverStart, topic.Length - receiverStart, out connected);
                awayBelow = path != null && !connected;
                if (awayBelow && GoesUp(publisherClientId, message, receiverStart))
                {
                    path = null;
                    awayBelow = false;
                }
            }

            string gatewayId = path == null ? null : RemoteRoutes.FirstLevel(path);

            // A gateway with only an away session of the receiver sends a message for it up when it was told the receiver
            // is connected elsewhere; when this broker knows no better, it goes back and is kept there (what comes down
            // never goes up again).
            Session gateway = gatewayId == null || (gatewayId == publisherClientId && !awayBelow) ? null : _sessions.Find(gatewayId);
            if ((gateway != null || _uplinks.FederatesP2P) && message.Hops >= _routes.MaxHops)
            {
                _counters.CountP2PDroppedHops();
                return PublishOutcome.NoMatchingSubscribers;
            }

            if (gateway != null)
            {
                _counters.CountP2PWrapped();
                int hops = message.Hops + 1;
                RoutedMessage envelope = message.Readdressed(P2PEnvelope.Wrap(topic, receiverStart, path, hops), hops);

                // An uplink carries QoS 0 and 1 (the firmware's subscribes at most at QoS 1).
                envelope.Qos = envelope.Qos < 1 ? envelope.Qos : 1;
                return DeliverP2P(gateway, envelope, ref kept);
            }

            int receiverLength = topic.Length - receiverStart;
            if (message.OriginUplink == null && _unreachable.Contains(topic, receiverStart, receiverLength, Clock.MonotonicMs())
                && _uplinks.FederatesP2P)
            {
                _counters.CountP2PDroppedUnreachable();
                SendNotice(publisherClientId, topic, receiverStart);
                return PublishOutcome.NoMatchingSubscribers;
            }

            if (_routes.IsAbove(publisherClientId))
            {
                // Up again would take it round the cycle of uplinks, where an MQTT 3.1.1 hop resets its hop count.
                _counters.CountP2PDroppedLoop();
                return PublishOutcome.NoMatchingSubscribers;
            }

            UplinkOfferOutcome uplinked = _uplinks.OfferP2P(message, message.PublishedAtMs);
            PublishOutcome refused;
            if (RefusedByUplink(uplinked, out refused))
            {
                return refused;
            }

            if (uplinked == UplinkOfferOutcome.Queued)
            {
                _counters.CountP2PForwardedUp();
                return PublishOutcome.Queued;
            }

            _counters.CountP2PDroppedNoSession();
            if (path == null)
            {
                SendNotice(publisherClientId, topic, receiverStart);
            }

            return PublishOutcome.NoMatchingSubscribers;
        }

        /// <summary>
        /// The upstream said the receiver of the P2P address <paramref name="topic"/> is unknown everywhere: unless it is
        /// reachable here after all (it appeared meanwhile), it is kept as unknown for a while and every gateway below is
        /// told too, once while it stays cached — never the upstream, and no notice is answered with another, so notices
        /// cannot loop, not even round a cycle of uplinks.
        /// </summary>
        PublishOutcome NoticeReceived(string topic)
        {
            _counters.CountP2PUnreachableNotice();
            int receiverStart = P2PAddress.ReceiverStart(topic);
            int receiverLength = topic.Length - receiverStart;
            if (_sessions.Find(topic, receiverStart, receiverLength) != null || _routes.PathFor(topic, receiverStart, receiverLength) != null)
            {
                return PublishOutcome.Delivered;
            }

            long monotonicMs = Clock.MonotonicMs();
            bool told = _unreachable.Contains(topic, receiverStart, receiverLength, monotonicMs);
            _unreachable.Add(topic.Substring(receiverStart), monotonicMs);
            if (told)
            {
                return PublishOutcome.Delivered;
            }

            ArrayList gateways = new ArrayList();
            _routes.CollectGateways(gateways);
            for (int i = 0; i < gateways.Count; i++)
            {
                SendNotice((string)gateways[i], topic, receiverStart);
            }

            return PublishOutcome.Delivered;
        }

        /// <summary>Tells <paramref name="publisherClientId"/>, when it is a gateway below that is connected (and not
        /// above this broker too, round a cycle of uplinks), that the receiver of the P2P address <paramref name="topic"/>
        /// is unknown everywhere: a QoS 0 notice to its P2P address (<see cref="P2PEnvelope.UnreachableNotice"/>), not kept
        /// while it is away.</summary>
        void SendNotice(string publisherClientId, string topic, int receiverStart)
        {
            if (!_routes.IsGateway(publisherClientId) || _routes.IsAbove(publisherClientId))
            {
                return;
            }

            Session gateway = _sessions.Find(publisherClientId);
            if (gateway == null)
            {
                return;
            }

            RoutedMessage notice = new RoutedMessage(P2PEnvelope.UnreachableNotice(topic, receiverStart, publisherClientId), new byte[0], 0, false);
            notice.PublishedAtMs = Clock.NowMs();
            Send(gateway, notice);
        }

        /// <summary>Tells the gateway session <paramref name="gatewayClientId"/>, when it is connected (and not above this
        /// broker too, round a cycle of uplinks), that <paramref name="clientId"/>, of which it has only an away session,
        /// is connected elsewhere (<see cref="P2PEnvelope.ConnectedElsewhereNotice"/>): QoS 0, not kept while it is
        /// away — it announces its away session again when it reconnects, and is told again.</summary>
        internal void SendConnectedElsewhere(string gatewayClientId, string clientId)
        {
            if (_routes.IsAbove(gatewayClientId))
            {
                return;
            }

            Session gateway = _sessions.Find(gatewayClientId);
            if (gateway == null)
            {
                return;
            }

            RoutedMessage notice = P2PEnvelope.ConnectedElsewhereNotice(clientId);
            notice.PublishedAtMs = Clock.NowMs();
            Send(gateway, notice);
        }

        /// <summary>Sends the broker's own QoS 0 <paramref name="notice"/> to <paramref name="gateway"/>'s connection, if it
        /// has one.</summary>
        void Send(Session gateway, RoutedMessage notice)
        {
            lock (gateway.SyncRoot)
            {
                IClientConnection connection = gateway.Connection;
                if (connection != null && !connection.Send(notice, 0, false, null, 0, false))
                {
                    _counters.CountEngineDropped();
                }
            }
        }

        /// <summary>Whether the uplinks refused the message — a full queue under refuse-new, a store that cannot
        /// write —, with what its publisher is told; also tells the offline store's condition what the write showed.
        /// A full queue is counted by the uplink (<see cref="Uplink.UplinkStatus.Refused"/>), not as a quota drop: its
        /// publisher is told (or, on MQTT 3.1.1, sends it again), and a receiver's quota has nothing to do with it.</summary>
        bool RefusedByUplink(UplinkOfferOutcome uplinked, out PublishOutcome outcome)
        {
            outcome = PublishOutcome.Delivered;
            if (uplinked == UplinkOfferOutcome.Full)
            {
                outcome = PublishOutcome.UplinkQueueFull;
                return true;
            }

            if (uplinked == UplinkOfferOutcome.StoreFailed)
            {
                _offline.ReportStoreWritable(false);
                outcome = PublishOutcome.StoreUnavailable;
                return true;
            }

            if (uplinked == UplinkOfferOutcome.Queued)
            {
                _offline.ReportStoreWritable(true);
            }

            return false;
        }

        PublishOutcome DeliverP2P(Session receiver, RoutedMessage message, ref bool kept)
        {
            // The retain flag is cleared: a P2P message is for this receiver now, never a retained message.
            int qos = message.Qos < _maxQos ? message.Qos : _maxQos;
            return DeliverToSession(receiver, message, qos, false, null, true, ref kept);
        }

        /// <summary>Delivers to every session whose subscriptions match, by <paramref name="matched"/> when the engine
        /// matched a moment ago — unless it holds a share group, matched without taking a turn, whose member in turn
        /// is chosen only now.</summary>
        PublishOutcome RouteToSubscribers(string publisherClientId, RoutedMessage message, MatchSet matched, ref bool kept)
        {
            MatchSet matches = matched;
            if (matches == null || matches.HasShared)
            {
                matches = new MatchSet();
                _subscriptions.Match(message.Topic, matches);
            }

            bool delivered = false;
            bool queued = false;
            bool quotaExceeded = false;
            bool storeUnavailable = false;
            for (int i = 0; i < matches.Count; i++)
            {
                PublishOutcome outcome;
                Subscription[] shared = matches.SharedAt(i);
                if (shared != null)
                {
                    outcome = DeliverShared(shared, message, ref kept);
                }
                else
                {
                    Session session = matches.SessionAt(i);
                    if (matches.NoLocalAt(i) && publisherClientId != null && publisherClientId == session.ClientId)
                    {
                        continue;
                    }

                    int qos = message.Qos < matches.QosAt(i) ? message.Qos : matches.QosAt(i);
                    bool retain = matches.RetainAsPublishedAt(i) && message.Retain;
                    outcome = DeliverToSession(session, message, qos, retain, matches.IdentifiersAt(i), false, ref kept);
                }

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

        /// <summary>Hands on a shared-subscription message its member's connection ended without acknowledging
        /// (<see cref="BrokerCore"/>), committing what the offline store kept of it.</summary>
        internal PublishOutcome DeliverShared(Subscription[] members, RoutedMessage message)
        {
            bool kept = false;
            PublishOutcome outcome = DeliverShared(members, message, ref kept);
            return Committed(kept, outcome);
        }

        /// <summary>
        /// Hands a message to one member of a share group: the first of <paramref name="members"/> (in turn order) that
        /// is connected and whose engine takes it — a QoS 1/2 one is remembered until acknowledged, to be handed on if
        /// that connection ends first (<see cref="SharedDeliveries"/>). When no connected member takes it, the first
        /// persistent member keeps it for its return, as its own subscription would; when there is none either, it is
        /// dropped as one receiver's full queue drops it (<see cref="QueueFullDropped"/>), naming the last member that
        /// refused it at QoS 1/2 (one refused at QoS 0 only when none did: not logged). Never retained, never P2P.
        /// </summary>
        PublishOutcome DeliverShared(Subscription[] members, RoutedMessage message, ref bool kept)
        {
            string refusedBy = null;
            int refusedQos = 0;
            for (int i = 0; i < members.Length; i++)
            {
                Subscription member = members[i];
                Session session = member.Session;
                lock (session.SyncRoot)
                {
                    IClientConnection connection = session.Connection;
                    if (session.IsDiscarded || connection == null)
                    {
                        continue;
                    }

                    int qos = DeliveryQos(message, member);
                    long tag = qos > 0 ? SharedDeliveries.Track(session, message, member.Group) : 0;
                    if (connection.Send(message, qos, member.RetainAsPublished && message.Retain, IdentifiersOf(member), tag, false))
                    {
                        CountPubSub(PublishOutcome.Delivered);
                        return PublishOutcome.Delivered;
                    }

                    // Its queue is full: the next member in turn gets the chance. Not a drop yet: another may take it.
                    SharedDeliveries.Forget(session, tag);
                    if (refusedBy == null || qos > 0)
                    {
                        refusedBy = session.ClientId;
                        refusedQos = qos;
                    }
                }
            }

            for (int i = 0; i < members.Length; i++)
            {
                Subscription member = members[i];
                if (member.Session.IsPersistent && !member.Session.IsDiscarded)
                {
                    return DeliverToSession(member.Session, message, DeliveryQos(message, member), member.RetainAsPublished && message.Retain,
                        IdentifiersOf(member), false, ref kept);
                }
            }

            if (refusedBy == null)
            {
                return PublishOutcome.NoMatchingSubscribers;
            }

            QueueFullDropped(refusedBy, refusedQos);
            return PublishOutcome.Delivered;
        }

        static int DeliveryQos(RoutedMessage message, Subscription subscription)
        {
            return message.Qos < subscription.GrantedQos ? message.Qos : subscription.GrantedQos;
        }

        static int[] IdentifiersOf(Subscription subscription)
        {
            return subscription.Identifier == 0 ? null : new int[] { subscription.Identifier };
        }

        /// <summary>
        /// Hands a message to one session, for its subscription or, <paramref name="p2p"/>, at its P2P address — one rule
        /// for both: QoS 1/2 for a persistent session goes through the offline store (sent from there while it is
        /// connected); otherwise it goes to the connection, or, while a persistent session is away, is kept in memory
        /// within the QoS 0 budgets. Counted as P2P or pub/sub.
        /// </summary>
        PublishOutcome DeliverToSession(Session session, RoutedMessage message, int qos, bool retain, int[] identifiers, bool p2p,
            ref bool kept)
        {
            lock (session.SyncRoot)
            {
                PublishOutcome outcome;
                if (session.IsDiscarded)
                {
                    return PublishOutcome.NoMatchingSubscribers;
                }

                if (qos > 0 && session.IsPersistent)
                {
                    outcome = _offline.Keep(session, message, qos, retain, identifiers);
                    kept |= outcome == PublishOutcome.Delivered || outcome == PublishOutcome.Queued;
                }
                else if (session.Connection != null)
                {
                    if (!session.Connection.Send(message, qos, retain, identifiers, 0, false))
                    {
                        QueueFullDropped(session.ClientId, qos);
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
                    if (p2p)
                    {
                        _counters.CountP2PDroppedOffline();
                    }

                    return PublishOutcome.NoMatchingSubscribers;
                }

                if (p2p)
                {
                    CountP2P(outcome);
                }
                else
                {
                    CountPubSub(outcome);
                }

                return outcome;
            }
        }

        /// <summary>
        /// A message that <paramref name="receiverClientId"/>'s connection refused (its queue is full) and that nothing
        /// keeps — its session ends with its connection, or no other member of its share group took it — is dropped:
        /// its publisher is still acknowledged (other receivers may have it), as mosquitto does past
        /// <c>max_queued_messages</c>. Counted; at QoS 1/2 also logged (<see cref="QueueFullDrops"/>).
        /// </summary>
        void QueueFullDropped(string receiverClientId, int qos)
        {
            _counters.CountEngineDropped();
            if (qos > 0)
            {
                _queueFullDrops.Count(receiverClientId);
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
