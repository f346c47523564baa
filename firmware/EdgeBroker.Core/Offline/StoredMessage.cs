using EdgeBroker.Core.Routing;

namespace EdgeBroker.Core.Offline
{
    /// <summary>A QoS 1/2 message kept for one client until it acknowledges it, with the QoS and flags it is delivered with.</summary>
    public sealed class StoredMessage
    {
        public StoredMessage(long id, RoutedMessage message, int qos, bool retain, int[] subscriptionIdentifiers, long expiresAtMs)
        {
            Id = id;
            Message = message;
            Qos = qos;
            Retain = retain;
            SubscriptionIdentifiers = subscriptionIdentifiers;
            ExpiresAtMs = expiresAtMs;
        }

        /// <summary>Increasing per store: the order messages are delivered in, and the tag the client's ack is matched by.</summary>
        public long Id { get; private set; }

        public RoutedMessage Message { get; private set; }

        public int Qos { get; private set; }

        public bool Retain { get; private set; }

        public int[] SubscriptionIdentifiers { get; private set; }

        /// <summary>When the message is dropped undelivered, on the clock of its <see cref="RoutedMessage.PublishedAtMs"/>:
        /// a store judges it with <see cref="Clock.HasPassed"/>.</summary>
        public long ExpiresAtMs { get; private set; }
    }
}
