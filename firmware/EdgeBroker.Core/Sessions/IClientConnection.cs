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
    }
}
