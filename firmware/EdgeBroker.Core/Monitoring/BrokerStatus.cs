using EdgeBroker.Core.Retained;
using EdgeBroker.Core.Routing;

namespace EdgeBroker.Core.Monitoring
{
    /// <summary>
    /// The broker's figures at one moment, derived once from the core's counters and the engine's numbers, so the
    /// <c>$SYS</c> tree and the host's <c>/metrics</c> cannot disagree on what "received" or "dropped" means.
    /// </summary>
    public sealed class BrokerStatus
    {
        /// <summary>PUBLISHes from clients (the broker's own presence and <c>$SYS</c> messages left out).</summary>
        public long MessagesReceived;

        /// <summary>Messages handed to clients' connections, P2P and pub/sub (<c>$SYS</c> deliveries included, as
        /// mosquitto counts them).</summary>
        public long MessagesSent;

        /// <summary>Messages given up: an offline quota full, a client's send queue full, a QoS 0 P2P message for an
        /// away client, a PUBLISH larger than the client's Maximum Packet Size.</summary>
        public long PublishDropped;

        /// <summary>PUBLISHes refused because the store could not keep them (full): not dropped — the publisher had no
        /// acknowledgement and sends again — so apart from <see cref="PublishDropped"/>.</summary>
        public long PublishStoreRefused;

        /// <summary>A gateway uplink's resends of messages routed before (acknowledged, not routed again).</summary>
        public long PublishDuplicates;

        public long BytesReceived;

        public long BytesSent;

        /// <summary>Sessions of clients online now.</summary>
        public int ClientsConnected;

        /// <summary>Sessions, online and away (persistent).</summary>
        public int ClientsTotal;

        /// <summary>Persistent sessions that expired since start.</summary>
        public int ClientsExpired;

        /// <summary>Connections whose CONNECT was accepted since start.</summary>
        public long ConnectionsAccepted;

        public int Subscriptions;

        public int RetainedMessages;

        /// <summary>Messages kept in the offline store for away persistent sessions.</summary>
        public int OfflineQueued;

        /// <summary>What the wills held (and those of CONNECTs under way) count against <see cref="MaxWillBytes"/>.</summary>
        public long WillBytes;

        /// <summary>The bound on held wills' bytes (<see cref="BrokerCore.MaxWillBytes"/>); 0 sets none.</summary>
        public long MaxWillBytes;

        /// <summary>CONNECTs refused since start because their will did not fit in <see cref="MaxWillBytes"/>.</summary>
        public int WillsRefused;

        /// <summary>What the retained messages take now, counted as <see cref="MaxRetainedBytes"/> bounds them.</summary>
        public long RetainedBytes;

        /// <summary>The bound on retained messages' bytes (<see cref="RetainedMessages.MaxBytes"/>); 0 sets none.</summary>
        public long MaxRetainedBytes;

        /// <summary>Retained messages not kept since start: the topic bound, <see cref="MaxRetainedBytes"/> or the store
        /// full (<see cref="RetainedMessages.Refused"/>). They were still routed to their subscribers.</summary>
        public int RetainedRefused;

        /// <summary>CONNECTs refused since start for want of a session place (<see cref="BrokerCore.SessionsRefused"/>).</summary>
        public int SessionsRefused;

        /// <summary>Of <see cref="PublishDropped"/>, the messages dropped because a receiver's offline quota was full (or an
        /// uplink's queue, under refuse-new).</summary>
        public int QuotaDropped;

        public int P2PRouted;

        public int P2PQueued;

        /// <summary>QoS 0 P2P messages for a known client that was away.</summary>
        public int P2PTargetOffline;

        /// <summary>P2P messages for a client ID without any session.</summary>
        public int P2PTargetUnknown;

        /// <summary>Federated P2P messages answered here as unknown because an upstream said so (docs/federation.md).</summary>
        public int P2PTargetUnreachable;

        /// <summary>Unreachable notices received from the upstream.</summary>
        public int P2PUnreachableNotices;

        public static BrokerStatus Take(BrokerCore core, IEngineStatistics engine)
        {
            RoutingCounters counters = core.Counters;
            BrokerStatus status = new BrokerStatus();
            status.MessagesReceived = (long)counters.Published - counters.FromBroker;
            status.MessagesSent = (long)counters.P2PDelivered + counters.PubSubDeliveries;
            status.PublishDropped = (long)counters.QuotaDropped + counters.EngineDropped + counters.P2PDroppedOffline + counters.TooLargeDropped
                + counters.ExpiredDropped;
            status.PublishStoreRefused = counters.StoreRefused;
            status.PublishDuplicates = counters.DuplicateDropped;
            status.BytesReceived = engine.BytesReceived;
            status.BytesSent = engine.BytesSent;
            status.ClientsTotal = core.SessionCount;
            status.ClientsConnected = core.ConnectedSessionCount;
            status.ClientsExpired = core.SessionsExpired;
            status.ConnectionsAccepted = core.ConnectionsAccepted;
            status.Subscriptions = core.Subscriptions.Count;
            status.RetainedMessages = engine.RetainedCount;
            status.OfflineQueued = core.OfflineQueueDepth();
            status.WillBytes = core.WillBytes;
            status.MaxWillBytes = core.MaxWillBytes;
            status.WillsRefused = core.WillsRefused;
            RetainedMessages retained = core.Retained;
            if (retained != null)
            {
                status.RetainedBytes = retained.Bytes;
                status.MaxRetainedBytes = retained.MaxBytes;
                status.RetainedRefused = retained.Refused;
            }

            status.SessionsRefused = core.SessionsRefused;
            status.QuotaDropped = counters.QuotaDropped;
            status.P2PRouted = counters.P2PDelivered;
            status.P2PQueued = counters.P2PQueued;
            status.P2PTargetOffline = counters.P2PDroppedOffline;
            status.P2PTargetUnknown = counters.P2PDroppedNoSession;
            status.P2PTargetUnreachable = counters.P2PDroppedUnreachable;
            status.P2PUnreachableNotices = counters.P2PUnreachableNotices;
            return status;
        }
    }
}
