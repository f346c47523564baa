using EdgeBroker.Core.Retained;
using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Text;

namespace EdgeBroker.Firmware.Relay
{
    /// <summary>
    /// What the relay holds on the heap for a retained message beyond what the core counts of it (the topic's characters
    /// and the payload's bytes, <see cref="RetainedMessages.SizeOf"/>), so that <c>max_retained_bytes</c> bounds the heap
    /// the retained messages take rather than only their content: a retained set of 32 one-byte messages costs the device
    /// about 11 KB. The relay speaks MQTT 3.1.1, so a message carries no MQTT 5 properties (the host's extra bytes); it
    /// does hold the objects around topic and payload, the topic as UTF-8 (as nanoFramework stores a string) and the
    /// publisher's client ID, which a kept message keeps alive after its client has gone.
    /// </summary>
    public static class RetainedFootprint
    {
        /// <summary>
        /// The heap a kept message takes on the device whatever its content: the objects of any message the relay holds
        /// (<see cref="HeldMessage.ObjectBytes"/>), the retained set's slots for it (message, topic, when kept: 32) and the
        /// flash store's index entry (two list slots and a boxed entry size: 48) — 340. On .NET x64 the same objects
        /// measured 232–238 bytes a message (tests/EdgeBroker.Relay.Tests/Measurements/RetainedMemoryTests).
        /// </summary>
        public const int PerMessageBytes = HeldMessage.ObjectBytes + 32 + 48;

        /// <summary>The core's <see cref="RetainedExtraBytes"/> for the relay: what <paramref name="message"/> takes on
        /// the device beside its topic's characters and its payload.</summary>
        public static int ExtraBytes(RoutedMessage message)
        {
            string topic = message.Topic;
            int extra = PerMessageBytes + Utf8.EncodedLength(topic) - topic.Length;
            string sender = message.SenderClientId;
            return sender == null ? extra : extra + Utf8.EncodedLength(sender);
        }
    }
}
