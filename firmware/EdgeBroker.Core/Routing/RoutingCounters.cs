using System.Threading;

namespace EdgeBroker.Core.Routing
{
    /// <summary>What the router did, counted for the status API and the logs. Counters are 32-bit because the
    /// device has no 64-bit interlocked operations; they wrap after 2^31 messages.</summary>
    public sealed class RoutingCounters
    {
        int _published;
        int _p2pDelivered;
        int _p2pQueued;
        int _p2pDroppedOffline;
        int _p2pDroppedNoSession;
        int _pubSubDeliveries;
        int _pubSubQueued;
        int _noMatchingSubscribers;
        int _denied;
        int _invalidTopic;
        int _quotaDropped;
        int _sentUnkept;
        int _engineDropped;
        int _duplicateDropped;
        int _storeRefused;
        int _fromBroker;
        int _p2pForwardedUp;
        int _p2pWrapped;
        int _p2pDroppedHops;
        int _p2pDroppedUnreachable;
        int _p2pUnreachableNotices;
        int _p2pDroppedLoop;
        int _tooLargeDropped;
        int _expiredDropped;

        public int Published { get { return _published; } }

        public int P2PDelivered { get { return _p2pDelivered; } }

        public int P2PQueued { get { return _p2pQueued; } }

        /// <summary>P2P messages whose receiver's session had no connection and was not persistent, so nothing could keep
        /// them (a clean session between its connection's end and its removal).</summary>
        public int P2PDroppedOffline { get { return _p2pDroppedOffline; } }

        /// <summary>P2P messages for a client ID with no session at all.</summary>
        public int P2PDroppedNoSession { get { return _p2pDroppedNoSession; } }

        public int PubSubDeliveries { get { return _pubSubDeliveries; } }

        public int PubSubQueued { get { return _pubSubQueued; } }

        public int NoMatchingSubscribers { get { return _noMatchingSubscribers; } }

        public int Denied { get { return _denied; } }

        public int InvalidTopic { get { return _invalidTopic; } }

        public int QuotaDropped { get { return _quotaDropped; } }

        /// <summary>QoS 1/2 messages for a connected persistent receiver whose offline quota was full, sent without being
        /// kept instead of dropped (<see cref="Offline.OfflineDelivery.Keep"/>).</summary>
        public int SentUnkept { get { return _sentUnkept; } }

        /// <summary>Messages an engine could not queue for a connected client (its send queue was full) and that are not
        /// kept in the offline store either: QoS 0, and QoS 1/2 for sessions that end with their connection.</summary>
        public int EngineDropped { get { return _engineDropped; } }

        /// <summary>Resends from a gateway's uplink whose dedupe id was routed before.</summary>
        public int DuplicateDropped { get { return _duplicateDropped; } }
        /// <summary>Deliveries refused because the offline store could not write (<see cref="PublishOutcome.StoreUnavailable"/>).</summary>
        public int StoreRefused { get { return _storeRefused; } }
        /// <summary>Of <see cref="Published"/>, the messages the broker itself originated (presence events, the
        /// <c>$SYS</c> tree), so what clients sent can be told apart.</summary>
        public int FromBroker { get { return _fromBroker; } }

        /// <summary>P2P messages for a client neither here nor below, queued for a federated uplink.</summary>
        public int P2PForwardedUp { get { return _p2pForwardedUp; } }

        /// <summary>P2P messages wrapped into an envelope for the gateway below that hosts their receiver.</summary>
        public int P2PWrapped { get { return _p2pWrapped; } }

        /// <summary>Federated P2P messages dropped because forwarding them would exceed the maximum hop count.</summary>
        public int P2PDroppedHops { get { return _p2pDroppedHops; } }

        /// <summary>Federated P2P messages dropped here because an upstream said their target is unknown everywhere
        /// (the negative route cache, docs/federation.md) instead of going up.</summary>
        public int P2PDroppedUnreachable { get { return _p2pDroppedUnreachable; } }

        /// <summary>Unreachable notices received from the upstream (docs/federation.md).</summary>
        public int P2PUnreachableNotices { get { return _p2pUnreachableNotices; } }

        /// <summary>Federated P2P messages dropped instead of going up because they came from a gateway that is also
        /// above this broker (the uplinks form a cycle, docs/federation.md).</summary>
        public int P2PDroppedLoop { get { return _p2pDroppedLoop; } }

        /// <summary>Messages not sent to a client because their PUBLISH exceeded the Maximum Packet Size the client
        /// announced (MQTT 5 [MQTT-3.1.2-25]: discarded as if delivered).</summary>
        public int TooLargeDropped { get { return _tooLargeDropped; } }

        /// <summary>Messages not sent to a connected client because their MQTT 5 expiry interval ran out while they waited
        /// in its queue ([MQTT-3.3.2-5]: deleted, as if delivered).</summary>
        public int ExpiredDropped { get { return _expiredDropped; } }

        internal void CountPublished() { Interlocked.Increment(ref _published); }

        internal void CountP2PDelivered() { Interlocked.Increment(ref _p2pDelivered); }

        internal void CountP2PQueued() { Interlocked.Increment(ref _p2pQueued); }

        internal void CountP2PDroppedOffline() { Interlocked.Increment(ref _p2pDroppedOffline); }

        internal void CountP2PDroppedNoSession() { Interlocked.Increment(ref _p2pDroppedNoSession); }

        internal void CountPubSubDelivery() { Interlocked.Increment(ref _pubSubDeliveries); }

        internal void CountPubSubQueued() { Interlocked.Increment(ref _pubSubQueued); }

        internal void CountNoMatchingSubscribers() { Interlocked.Increment(ref _noMatchingSubscribers); }

        internal void CountDenied() { Interlocked.Increment(ref _denied); }

        internal void CountInvalidTopic() { Interlocked.Increment(ref _invalidTopic); }

        internal void CountQuotaDropped() { Interlocked.Increment(ref _quotaDropped); }

        internal void CountSentUnkept() { Interlocked.Increment(ref _sentUnkept); }

        internal void CountEngineDropped() { Interlocked.Increment(ref _engineDropped); }

        internal void CountDuplicateDropped() { Interlocked.Increment(ref _duplicateDropped); }
        internal void CountStoreRefused() { Interlocked.Increment(ref _storeRefused); }
        internal void CountP2PForwardedUp() { Interlocked.Increment(ref _p2pForwardedUp); }

        internal void CountP2PWrapped() { Interlocked.Increment(ref _p2pWrapped); }

        internal void CountP2PDroppedHops() { Interlocked.Increment(ref _p2pDroppedHops); }

        internal void CountP2PDroppedUnreachable() { Interlocked.Increment(ref _p2pDroppedUnreachable); }

        internal void CountP2PUnreachableNotice() { Interlocked.Increment(ref _p2pUnreachableNotices); }

        internal void CountP2PDroppedLoop() { Interlocked.Increment(ref _p2pDroppedLoop); }

        internal void CountFromBroker() { Interlocked.Increment(ref _fromBroker); }
        internal void CountTooLargeDropped() { Interlocked.Increment(ref _tooLargeDropped); }

        internal void CountExpiredDropped() { Interlocked.Increment(ref _expiredDropped); }
    }
}
