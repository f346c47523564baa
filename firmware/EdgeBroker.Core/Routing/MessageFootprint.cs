namespace EdgeBroker.Core.Routing
{
    /// <summary>
    /// What one message counts against every bound that keeps messages: a connection's outbound queue (the host's
    /// <c>OutboundQueue:MaxBytesPerClient</c>), a session's offline quota (<see cref="Offline.OfflineLimits.MaxBytesPerClient"/>),
    /// the QoS 0 budget of away sessions (<see cref="Offline.OfflineLimits.MaxQos0BytesKept"/>), the host's in-memory
    /// offline copies, the retained set (<see cref="Retained.RetainedMessages.MaxBytes"/>) and an uplink's queue
    /// (<see cref="Uplink.UplinkSettings.MaxQueuedBytes"/>, under the topic it goes up on: <see cref="Uplink.UplinkEntry.SizeOf"/>). Its topic's characters,
    /// its payload's bytes and what its MQTT 5 properties hold (<see cref="IEngineProperties.FootprintBytes"/>): an MQTT 5
    /// PUBLISH may carry nearly a packet's worth of properties and no payload, and a bound that saw only topic and
    /// payload let 100 such messages of 980 KB take a subscriber that does not read from 77 to 1,620 MB. Decided here
    /// once, so every bound of both engines counts a message alike; the bounds add what they keep beside it.
    /// </summary>
    public static class MessageFootprint
    {
        /// <summary>
        /// What a user property holds in memory beside its name's characters and its value's bytes: on the host,
        /// MQTTnet's decoded property object, its name string, its value array and its slot in the list. Measured on .NET
        /// 10 x64 (MQTTnet 5.2, 100,000 decoded user properties kept): 106.5 bytes for <c>a=b</c> (7 bytes on the wire),
        /// 151.7 bytes for a 15-character name and a 22-byte value (42 on the wire) — 104 and 115 bytes beside the
        /// content. Without it, a message of 140,000 properties <c>a=b</c> would count 280 KB and hold 15 MB.
        /// </summary>
        public const int PerUserPropertyBytes = 112;

        /// <summary>What <paramref name="message"/> counts against the bounds that keep it.</summary>
        public static long Of(RoutedMessage message)
        {
            return (long)message.Topic.Length + message.PayloadLength + PropertiesOf(message.EngineProperties);
        }

        /// <summary>What <paramref name="properties"/> — a message's or an uplink entry's — count: their
        /// <see cref="IEngineProperties.FootprintBytes"/>, 0 without any.</summary>
        public static int PropertiesOf(IEngineProperties properties)
        {
            return properties == null ? 0 : properties.FootprintBytes;
        }

        /// <summary>
        /// What a message's MQTT 5 properties count (the engine's <see cref="IEngineProperties.FootprintBytes"/>):
        /// <paramref name="contentBytes"/> — the characters of its strings (content type, response topic, user property
        /// names) and the bytes of its binary data (correlation data, user property values) — plus
        /// <see cref="PerUserPropertyBytes"/> for each of its <paramref name="userProperties"/>. At most
        /// <see cref="int.MaxValue"/>, which is beyond every bound.
        /// </summary>
        public static int OfProperties(long contentBytes, int userProperties)
        {
            long bytes = contentBytes + (long)userProperties * PerUserPropertyBytes;
            return bytes > int.MaxValue ? int.MaxValue : (int)bytes;
        }
    }
}
