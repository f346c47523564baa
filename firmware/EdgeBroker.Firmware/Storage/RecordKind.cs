namespace EdgeBroker.Firmware.Storage
{
    /// <summary>
    /// What a log entry says, and which store it belongs to (each store owns a range, see <see cref="ILogSection"/>);
    /// an entry of a kind this build does not know is a damaged (or newer) log, never skipped. Written as the entry's first
    /// byte; the values are on flash, so they never change.
    /// </summary>
    internal enum RecordKind : byte
    {
        /// <summary>A message kept for a client: id, client, expiry, topic, flags, sender, times, subscription ids;
        /// the payload is the entry's payload.</summary>
        MessagePut = 1,

        /// <summary>The client acknowledged (or outlived) message id.</summary>
        MessageRemove = 2,

        /// <summary>Every message of a client is forgotten (clean start, expired session).</summary>
        MessagesDiscard = 3,

        SessionSave = 4,

        /// <summary>The session and its subscriptions are forgotten.</summary>
        SessionDelete = 5,

        SubscriptionSave = 6,

        SubscriptionDelete = 7,

        /// <summary>A topic's retained message: topic, QoS; the payload is the entry's payload.</summary>
        RetainedSave = 8,

        /// <summary>The topic's retained message was cleared.</summary>
        RetainedDelete = 9,

        /// <summary>A paired device's entry (client ID, group, name, salt, secret hash, revoked, paired at), replacing
        /// the client ID's earlier one.</summary>
        DeviceSave = 10,

        /// <summary>An uplink's queued entry: uplink, sequence, queued at, remote topic, QoS, retain and P2P flags, dedupe
        /// id, then (P2P flag only) the hop count; the payload is the entry's payload.</summary>
        UplinkPut = 11,

        /// <summary>The upstream acknowledged (or the queue dropped) an uplink's entry: uplink, sequence.</summary>
        UplinkRemove = 12,

        /// <summary>The last uplink sequence issued (written by compaction, so sequences never repeat).</summary>
        UplinkSequence = 13,
    }
}
