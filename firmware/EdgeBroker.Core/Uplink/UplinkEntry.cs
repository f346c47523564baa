namespace EdgeBroker.Core.Uplink
{
    /// <summary>
    /// One message waiting in an uplink's queue: what goes upstream, under which remote topic, with the dedupe id that
    /// lets an EdgeBroker upstream drop a resend it already accepted. The store assigns <see cref="Sequence"/>.
    /// </summary>
    public sealed class UplinkEntry
    {
        /// <summary>Per-entry overhead counted in <see cref="Size"/> besides the topic and payload.</summary>
        public const int Overhead = 32;

        /// <summary>The MQTT 5 user property that carries <see cref="DedupeId"/> upstream.</summary>
        public const string DedupeProperty = "eb-dedupe";

        public UplinkEntry(string remoteTopic, byte[] payload, int qos, bool retain, string dedupeId, long enqueuedAtMs)
        {
            RemoteTopic = remoteTopic;
            Payload = payload == null ? new byte[0] : payload;
            Qos = qos;
            Retain = retain;
            DedupeId = dedupeId;
            EnqueuedAtMs = enqueuedAtMs;
        }

        /// <summary>Increasing per uplink, assigned by the store when the entry became durable: the FIFO order and the
        /// tag acknowledgements are matched by.</summary>
        public long Sequence { get; set; }

        public string RemoteTopic { get; private set; }

        public byte[] Payload { get; private set; }

        /// <summary>The QoS used upstream.</summary>
        public int Qos { get; private set; }

        public bool Retain { get; private set; }

        public string DedupeId { get; private set; }

        /// <summary>Unix ms the entry was queued (oldest queued age in the status).</summary>
        public long EnqueuedAtMs { get; private set; }

        /// <summary>The engine's own extras for the upstream PUBLISH (MQTT 5 properties on the host); the core and the
        /// device ignore it.</summary>
        public object EngineProperties { get; set; }

        /// <summary>Set when the entry is handed out again after a lost connection: send it with DUP.</summary>
        public bool Duplicate { get; set; }

        /// <summary>What the entry counts against <see cref="UplinkSettings.MaxQueuedBytes"/>.</summary>
        public long Size
        {
            get { return SizeOf(RemoteTopic, Payload.Length); }
        }

        /// <summary>The size an entry for <paramref name="remoteTopic"/> with a payload of
        /// <paramref name="payloadLength"/> bytes counts as: one rule for every store.</summary>
        public static long SizeOf(string remoteTopic, int payloadLength)
        {
            return Overhead + remoteTopic.Length + payloadLength;
        }
    }
}
