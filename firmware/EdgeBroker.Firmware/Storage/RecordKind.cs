namespace EdgeBroker.Firmware.Storage
{
    /// <summary>
    /// What a log entry says, and which store it belongs to (each store owns a range, see <see cref="ILogSection"/>);
    /// an entry of a kind this build does not know is a damaged (or newer) log, never skipped.
    /// </summary>
    internal static class RecordKind
    {
        /// <summary>A message kept for a client: id, client, expiry, topic, flags, sender, times, subscription ids;
        /// the payload is the entry's payload.</summary>
        public const int MessagePut = 1;

        /// <summary>The client acknowledged (or outlived) message id.</summary>
        public const int MessageRemove = 2;

        /// <summary>Every message of a client is forgotten (clean start, expired session).</summary>
        public const int MessagesDiscard = 3;

        public const int SessionSave = 4;

        /// <summary>The session and its subscriptions are forgotten.</summary>
        public const int SessionDelete = 5;

        public const int SubscriptionSave = 6;

        public const int SubscriptionDelete = 7;

        /// <summary>A topic's retained message: topic, QoS; the payload is the entry's payload.</summary>
        public const int RetainedSave = 8;

        /// <summary>The topic's retained message was cleared.</summary>
        public const int RetainedDelete = 9;

        /// <summary>A paired device's entry (client ID, group, name, salt, secret hash, revoked, paired at), replacing
        /// the client ID's earlier one.</summary>
        public const int DeviceSave = 10;

        /// <summary>An uplink's queued entry: uplink, sequence, queued at, remote topic, QoS and retain, dedupe id; the
        /// payload is the entry's payload.</summary>
        public const int UplinkPut = 11;

        /// <summary>The upstream acknowledged (or the queue dropped) an uplink's entry: uplink, sequence.</summary>
        public const int UplinkRemove = 12;

        /// <summary>The last uplink sequence issued (written by compaction, so sequences never repeat).</summary>
        public const int UplinkSequence = 13;
    }
}
