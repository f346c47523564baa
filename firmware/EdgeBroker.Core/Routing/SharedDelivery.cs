using EdgeBroker.Core.Subscriptions;

namespace EdgeBroker.Core.Routing
{
    /// <summary>
    /// A QoS 1/2 message a share group's member was sent and has not acknowledged yet. If the member's connection ends
    /// first, the message goes to another member of the group (MQTT 5 §4.8.2): a shared subscription is for work that
    /// must be done once, by whoever is there.
    /// </summary>
    internal sealed class SharedDelivery
    {
        public SharedDelivery(long deliveryTag, RoutedMessage message, ShareGroup group)
        {
            DeliveryTag = deliveryTag;
            Message = message;
            Group = group;
        }

        /// <summary>Negative, so the engine's acknowledgement is told apart from a stored message's id.</summary>
        public long DeliveryTag { get; private set; }

        /// <summary>A copy that owns its payload.</summary>
        public RoutedMessage Message { get; private set; }

        public ShareGroup Group { get; private set; }
    }
}
