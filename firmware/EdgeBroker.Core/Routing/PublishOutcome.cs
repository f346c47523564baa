namespace EdgeBroker.Core.Routing
{
    /// <summary>What became of one PUBLISH; engines turn it into the PUBACK/PUBREC reason code (MQTT 5) or just
    /// acknowledge it (MQTT 3.1.1 has no negative acknowledgement for PUBLISH).</summary>
    public enum PublishOutcome
    {
        /// <summary>Handed to at least one connected receiver.</summary>
        Delivered,

        /// <summary>Kept for at least one receiver that is away (and none was online).</summary>
        Queued,

        /// <summary>Nobody receives it: no subscriber, or the P2P receiver has no session (MQTT 5: 0x10).</summary>
        NoMatchingSubscribers,

        /// <summary>The access policy refused the publisher this topic (MQTT 5: 0x87).</summary>
        NotAuthorized,

        /// <summary>Not a valid topic name (MQTT 5: 0x90).</summary>
        TopicNameInvalid,

        /// <summary>The receiver's offline quota is full (MQTT 5: 0x97).</summary>
        QuotaExceeded,

        /// <summary>An uplink's queue is full and refuses new messages (MQTT 5: 0x97). An MQTT 3.1.1 publisher gets no
        /// acknowledgement (engines close its connection without one), so it sends the message again.</summary>
        UplinkQueueFull,

        /// <summary>
        /// The message must be stored (for an away receiver, or in an uplink's queue) and the store cannot write (disk
        /// or flash log full, I/O error): refused, so the publisher keeps it and tries again — MQTT 5: PUBACK 0x80
        /// (unspecified error); MQTT 3.1.1 has no negative PUBACK, so the engine closes the connection without
        /// acknowledging and the client resends after reconnecting. Wins over every other outcome: a publisher that
        /// resends may reach the other receivers twice, which QoS 1 allows, while acknowledging would lose the message.
        /// </summary>
        StoreUnavailable
    }
}
