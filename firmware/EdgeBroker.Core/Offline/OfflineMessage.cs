using EdgeBroker.Core.Routing;

namespace EdgeBroker.Core.Offline
{
    /// <summary>A message kept for a client that is away, with the QoS and flags it is to be delivered with.</summary>
    public sealed class OfflineMessage
    {
        public OfflineMessage(RoutedMessage message, int qos, bool retain, int[] subscriptionIdentifiers)
        {
            Message = message;
            Qos = qos;
            Retain = retain;
            SubscriptionIdentifiers = subscriptionIdentifiers;
        }

        public RoutedMessage Message { get; private set; }

        public int Qos { get; private set; }

        public bool Retain { get; private set; }

        public int[] SubscriptionIdentifiers { get; private set; }
    }
}
