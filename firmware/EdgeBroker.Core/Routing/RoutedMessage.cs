namespace EdgeBroker.Core.Routing
{
    /// <summary>
    /// An application message on its way through the broker, as the publisher sent it. The payload may be a
    /// slice of a connection's receive buffer (<see cref="IsBorrowed"/>), so a device routes it without copying;
    /// anything that keeps a message beyond the routing call keeps a <see cref="Detach"/>ed copy.
    /// </summary>
    public sealed class RoutedMessage
    {
        public RoutedMessage(string topic, byte[] payload, int qos, bool retain)
        {
            Topic = topic;
            Payload = payload;
            PayloadLength = payload == null ? 0 : payload.Length;
            Qos = qos;
            Retain = retain;
        }

        public string Topic { get; set; }

        public byte[] Payload { get; set; }

        public int PayloadOffset { get; set; }

        public int PayloadLength { get; set; }

        public int Qos { get; set; }

        public bool Retain { get; set; }

        public string SenderClientId { get; set; }

        /// <summary>When the broker received it (Unix ms): the start of its lifetime.</summary>
        public long PublishedAtMs { get; set; }

        /// <summary>MQTT 5 message expiry interval in seconds; 0 when the publisher gave none.</summary>
        public uint MessageExpiryInterval { get; set; }

        /// <summary>True when <see cref="Payload"/> belongs to someone else's buffer and is only valid during the
        /// routing call.</summary>
        public bool IsBorrowed { get; set; }

        /// <summary>What the engine needs to re-create the message with its protocol extras (MQTT 5 properties on
        /// the host). The core never looks inside.</summary>
        public object EngineProperties { get; set; }

        /// <summary>The name of the uplink this message came down from, null for a local PUBLISH: it is never offered
        /// back up that uplink (loop prevention).</summary>
        public string OriginUplink { get; set; }

        /// <summary>The id a gateway's uplink gave the message (MQTT 5 user property
        /// <see cref="Uplink.UplinkEntry.DedupeProperty"/>), null for other publishers: a broker acting as upstream
        /// routes each id of a sender once (<see cref="Router.Dedupe"/>).</summary>
        public string DedupeId { get; set; }

        /// <summary>This message, or a copy that owns its payload when this one borrows it.</summary>
        public RoutedMessage Detach()
        {
            if (!IsBorrowed)
            {
                return this;
            }

            byte[] copy = new byte[PayloadLength];
            System.Array.Copy(Payload, PayloadOffset, copy, 0, PayloadLength);
            RoutedMessage detached = new RoutedMessage(Topic, copy, Qos, Retain);
            detached.SenderClientId = SenderClientId;
            detached.PublishedAtMs = PublishedAtMs;
            detached.MessageExpiryInterval = MessageExpiryInterval;
            detached.EngineProperties = EngineProperties;
            detached.OriginUplink = OriginUplink;
            detached.DedupeId = DedupeId;
            return detached;
        }
    }
}
