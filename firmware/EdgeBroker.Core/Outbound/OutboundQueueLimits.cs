namespace EdgeBroker.Core.Outbound
{
    /// <summary>
    /// How much may wait to be sent to one connected client, and which PUBLISH gives way first when a client stops
    /// reading. Both engines ask <see cref="Admits"/> before queuing a PUBLISH, so the host and the device drop the same
    /// messages: QoS 0 may fill the queue only up to three quarters of each limit, the last quarter is kept for QoS 1/2,
    /// so under pressure QoS 0 goes first. A refused QoS 1/2 delivery to a persistent session is not lost: it stays in
    /// the offline store and follows when the client catches up (see <c>OfflineDelivery</c>); any other refused
    /// delivery is dropped and counted (<c>RoutingCounters.EngineDropped</c>), as mosquitto drops what exceeds its
    /// <c>max_queued_messages</c> / <c>max_queued_bytes</c>.
    /// </summary>
    public sealed class OutboundQueueLimits
    {
        public OutboundQueueLimits(int maxMessages, int maxBytes)
        {
            MaxMessages = maxMessages;
            MaxBytes = maxBytes;
        }

        /// <summary>PUBLISH packets waiting for one client.</summary>
        public int MaxMessages { get; private set; }

        /// <summary>Bytes of the PUBLISH packets waiting for one client: as encoded (the relay), or each message's
        /// <see cref="Routing.MessageFootprint"/> — topic, payload and MQTT 5 properties — where the engine keeps the
        /// message rather than its encoding (the host).</summary>
        public int MaxBytes { get; private set; }

        /// <summary>Whether a PUBLISH of <paramref name="size"/> bytes at <paramref name="qos"/> may join a queue that
        /// holds <paramref name="queuedMessages"/> messages of <paramref name="queuedBytes"/> bytes. An empty queue takes
        /// one message whatever its size, so a message larger than the byte limit still reaches a client that reads.</summary>
        public bool Admits(int qos, int queuedMessages, long queuedBytes, int size)
        {
            if (queuedMessages == 0)
            {
                return true;
            }

            long maxMessages = MaxMessages;
            long maxBytes = MaxBytes;
            if (qos == 0)
            {
                maxMessages = maxMessages - maxMessages / 4;
                maxBytes = maxBytes - maxBytes / 4;
            }

            return queuedMessages < maxMessages && queuedBytes + size <= maxBytes;
        }
    }
}
