using EdgeBroker.Core.Routing;

namespace EdgeBroker.Core.Sessions
{
    /// <summary>
    /// One live network connection of a client, as the engine that owns the socket sees it. The core calls
    /// <see cref="Send"/> while holding the session's lock, so implementations must only queue the message for
    /// their writer (never block on the network).
    /// </summary>
    public interface IClientConnection
    {
        /// <summary>Unique per TCP connection (32 hex characters), the same every time it is asked; presence events name
        /// it. An engine may build it when asked rather than keep the string.</summary>
        string ChannelId { get; }

        /// <summary>The client's IP address and port as the engine saw them (<c>192.168.1.7:50312</c>), the same every
        /// time it is asked, also after the connection closed; presence events and the live-connection list name it.
        /// An engine may build it when asked rather than keep the string.</summary>
        string ClientAddress { get; }

        /// <summary>
        /// Queues one message for this client. <paramref name="subscriptionIdentifiers"/> is null for P2P
        /// messages and for subscriptions without identifiers (MQTT 5 only). A non-zero
        /// <paramref name="deliveryTag"/> marks a message the core keeps until the client has it: the engine calls
        /// <see cref="BrokerCore.Acknowledge"/> with the tag when the client completes the QoS 1 or 2 handshake.
        /// <paramref name="duplicate"/> sets the DUP flag (a redelivery of a message that may have been sent before).
        /// Returns false when the engine had to drop it (its outgoing queue is full).
        /// </summary>
        bool Send(RoutedMessage message, int qos, bool retain, int[] subscriptionIdentifiers, long deliveryTag, bool duplicate);

        /// <summary>
        /// The session resumes on this connection with deliveries an earlier connection sent and the client did not
        /// acknowledge: packet identifier → delivery tag, the set now the connection's. When the core hands one of
        /// those messages over again (<see cref="Send"/> with <paramref name="resends"/>' tag and DUP set), the engine
        /// numbers it with the same identifier [MQTT-4.4.0-1]; until then it numbers no other delivery with one of
        /// them. A kept message sent without DUP means every resend has been handed over (they come first): the rest
        /// are let go. Called once, under the session's lock, before the first <see cref="Send"/>.
        /// </summary>
        void ResendWith(PacketIdentifiers resends);

        /// <summary>
        /// The connection ends, or a new one takes its session over: adds to <paramref name="into"/> the deliveries of
        /// kept messages (delivery tag above 0) it sent and the client has not acknowledged — QoS 1 before its PUBACK,
        /// QoS 2 before its PUBREC — and those <see cref="ResendWith"/> gave it that it has not sent again, as packet
        /// identifier → delivery tag. Called under the session's lock.
        /// </summary>
        void CopyUnacknowledged(PacketIdentifiers into);
    }
}
