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

        /// <summary>When the broker received it (<see cref="Clock.NowMs"/>: Unix ms, or the boot's uptime while the wall
        /// clock was unset): the start of its lifetime.</summary>
        public long PublishedAtMs { get; set; }

        /// <summary>MQTT 5 message expiry interval in seconds; 0 when the publisher gave none.</summary>
        public uint MessageExpiryInterval { get; set; }

        /// <summary>When <see cref="MessageExpiryInterval"/> runs out, counted from <see cref="PublishedAtMs"/> on its clock
        /// (judged through <see cref="Clock.HasPassed"/>); <see cref="long.MaxValue"/> when the publisher gave none.</summary>
        public long ExpiresAtMs
        {
            get { return MessageExpiryInterval == 0 ? long.MaxValue : PublishedAtMs + (long)MessageExpiryInterval * 1000; }
        }

        /// <summary>Whether the message's expiry interval has run out by <paramref name="nowMs"/>: a copy not yet on its
        /// way to a receiver is then deleted, not sent [MQTT-3.3.2-5] — kept offline, retained, or waiting in a
        /// connection's queue alike.</summary>
        public bool ExpiredBy(long nowMs)
        {
            return Clock.HasPassed(ExpiresAtMs, nowMs);
        }

        /// <summary>The expiry interval a receiver gets at <paramref name="nowMs"/>: what is left of the publisher's after
        /// the time the message waited in the broker [MQTT-3.3.2-6], in whole seconds rounded up, so at least 1 while it is
        /// not <see cref="ExpiredBy"/>; 0 when the publisher gave none (or it has run out: such a copy is not sent).</summary>
        public uint RemainingExpiryInterval(long nowMs)
        {
            if (MessageExpiryInterval == 0)
            {
                return 0;
            }

            // Never more than the publisher's: a stamp that survived a restart with the clock unset may be rebased late.
            long leftMs = Clock.Rebased(ExpiresAtMs, nowMs) - nowMs;
            uint left = leftMs <= 0 ? 0 : (uint)((leftMs + 999) / 1000);
            return left > MessageExpiryInterval ? MessageExpiryInterval : left;
        }

        /// <summary>True when <see cref="Payload"/> belongs to someone else's buffer and is only valid during the
        /// routing call.</summary>
        public bool IsBorrowed { get; set; }

        /// <summary>What the engine needs to re-create the message with its protocol extras (MQTT 5 properties on
        /// the host); null without any (every MQTT 3.1.1 message, every message on the device). The core never looks
        /// inside: it asks what they count (<see cref="IEngineProperties.FootprintBytes"/>), part of the message's
        /// <see cref="MessageFootprint"/>, so no bound that keeps messages sees only their topic and payload.</summary>
        public IEngineProperties EngineProperties { get; set; }

        /// <summary>The name of the uplink this message came down from, null for a local PUBLISH: it is never offered
        /// back up that uplink (loop prevention).</summary>
        public string OriginUplink { get; set; }

        /// <summary>The id a gateway's uplink gave the message (MQTT 5 user property
        /// <see cref="Uplink.UplinkEntry.DedupeProperty"/>), null for other publishers: a broker acting as upstream
        /// routes each id of a sender once (<see cref="Router.Dedupe"/>).</summary>
        public string DedupeId { get; set; }

        /// <summary>Federated P2P hops so far (docs/federation.md): 0 for a local publisher's message, the envelope's
        /// count for one that came down an uplink, MQTT 5 <see cref="Uplink.P2PEnvelope.HopsProperty"/> for one a
        /// gateway sent up.</summary>
        public int Hops { get; set; }

        /// <summary>For a P2P message unwrapped from an envelope: the gateways below this broker it must still pass
        /// (<c>gw-a</c>, <c>gw-a/gw-x</c>), null when its receiver is a client here. Never copied: a readdressed
        /// message carries the rest of the path in its topic.</summary>
        public string Via { get; set; }

        /// <summary>An upstream's unreachable notice about the P2P address <see cref="Topic"/> (docs/federation.md), made
        /// by <see cref="Uplink.Uplink.Down"/>: never routed as a message.</summary>
        public bool UnreachableNotice { get; set; }

        /// <summary>The same message under another topic — a P2P envelope for the next gateway — sharing the payload
        /// (borrowed or not) and every property.</summary>
        public RoutedMessage Readdressed(string topic, int hops)
        {
            RoutedMessage copy = new RoutedMessage(topic, Payload, Qos, Retain);
            copy.PayloadOffset = PayloadOffset;
            copy.PayloadLength = PayloadLength;
            copy.IsBorrowed = IsBorrowed;
            CopyPropertiesTo(copy);
            copy.Hops = hops;
            return copy;
        }

        /// <summary>
        /// Makes this message — one an engine keeps to route every PUBLISH a connection or thread reads, as the relay
        /// and the host do — the PUBLISH just read: its topic, payload slice, QoS, retain flag and sender, and nothing
        /// of the message before it. What routing stamps on a message is cleared too: the router stamps the arrival
        /// time only on a message that has none, so a kept message would otherwise carry its first PUBLISH's time, and
        /// every later one stored offline would expire counted from then.
        /// </summary>
        public void Reuse(string topic, byte[] payload, int offset, int length, int qos, bool retain, string senderClientId, bool borrowed)
        {
            Topic = topic;
            Payload = payload;
            PayloadOffset = offset;
            PayloadLength = length;
            Qos = qos;
            Retain = retain;
            SenderClientId = senderClientId;
            IsBorrowed = borrowed;
            PublishedAtMs = 0;
            MessageExpiryInterval = 0;
            EngineProperties = null;
            OriginUplink = null;
            DedupeId = null;
            Hops = 0;
            Via = null;
            UnreachableNotice = false;
        }

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
            CopyPropertiesTo(detached);
            return detached;
        }

        void CopyPropertiesTo(RoutedMessage copy)
        {
            copy.SenderClientId = SenderClientId;
            copy.PublishedAtMs = PublishedAtMs;
            copy.MessageExpiryInterval = MessageExpiryInterval;
            copy.EngineProperties = EngineProperties;
            copy.OriginUplink = OriginUplink;
            copy.DedupeId = DedupeId;
            copy.Hops = Hops;
        }
    }
}
