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
        /// <summary>Unique per TCP connection (32 hex characters); presence events name it.</summary>
        string ChannelId { get; }

        /// <summary>
        /// Queues one message for this client. <paramref name="subscriptionIdentifiers"/> is null for P2P
        /// messages and for subscriptions without identifiers (MQTT 5 only).
        /// Returns false when the engine had to drop it (its outgoing queue is full).
        /// </summary>
        bool Send(RoutedMessage message, int qos, bool retain, int[] subscriptionIdentifiers);
    }
}
