using EdgeBroker.Core.Routing;

namespace EdgeBroker.Core.Uplink
{
    /// <summary>
    /// One message waiting in an uplink's queue: what goes upstream, under which remote topic, with the dedupe id that
    /// lets an EdgeBroker upstream drop a resend it already accepted. The store assigns <see cref="Sequence"/>.
    /// </summary>
    public sealed class UplinkEntry
    {
        /// <summary>Per-entry overhead counted in <see cref="Size"/> besides the topic, payload and properties.</summary>
        public const int Overhead = 32;

        /// <summary>The MQTT 5 user property that carries <see cref="DedupeId"/> upstream.</summary>
        public const string DedupeProperty = "eb-dedupe";

        /// <summary>The <see cref="P2PHops"/> of an entry that is not a P2P message waiting for its address.</summary>
        public const int NotP2P = -1;

        readonly long _size;

        /// <summary>An entry without the engine's extras: the device's, and the gateway's own announcements.</summary>
        public UplinkEntry(string remoteTopic, byte[] payload, int qos, bool retain, string dedupeId, long enqueuedAtMs)
            : this(remoteTopic, payload, qos, retain, dedupeId, enqueuedAtMs, null)
        {
        }

        /// <summary>An entry carrying <paramref name="engineProperties"/> (null: none), which count in its
        /// <see cref="Size"/>.</summary>
        public UplinkEntry(string remoteTopic, byte[] payload, int qos, bool retain, string dedupeId, long enqueuedAtMs,
            IEngineProperties engineProperties)
        {
            RemoteTopic = remoteTopic;
            Payload = payload == null ? new byte[0] : payload;
            Qos = qos;
            Retain = retain;
            DedupeId = dedupeId;
            EnqueuedAtMs = enqueuedAtMs;
            P2PHops = NotP2P;
            EngineProperties = engineProperties;
            _size = SizeOf(remoteTopic, Payload.Length, engineProperties);
        }

        /// <summary>Increasing per uplink, assigned by the store when the entry became durable: the FIFO order and the
        /// tag acknowledgements are matched by.</summary>
        public long Sequence { get; set; }

        /// <summary>The topic it goes up on: as queued, until <see cref="Readdress"/> gives a P2P message its
        /// envelope.</summary>
        public string RemoteTopic { get; private set; }

        /// <summary>
        /// A federated P2P message queued as its plain address <c>{parent}/p2p/{target}</c> whose upstream topic is
        /// decided when it leaves the queue (with retained routes: the envelope to the gateway that hosts the target,
        /// as the routes say then): the hop count it had here. <see cref="NotP2P"/> for every other entry, and once
        /// decided. Stored with the entry.
        /// </summary>
        public int P2PHops { get; set; }

        public byte[] Payload { get; private set; }

        /// <summary>The QoS used upstream.</summary>
        public int Qos { get; private set; }

        public bool Retain { get; private set; }

        public string DedupeId { get; private set; }

        /// <summary>Unix ms the entry was queued (oldest queued age in the status).</summary>
        public long EnqueuedAtMs { get; private set; }

        /// <summary>The engine's own extras for the upstream PUBLISH (MQTT 5 properties on the host; null on the
        /// device): the core only counts them in <see cref="Size"/>. Given with the entry, since the stores count its
        /// size as it is appended.</summary>
        public IEngineProperties EngineProperties { get; private set; }

        /// <summary>Set when the entry is handed out again after a lost connection: send it with DUP.</summary>
        public bool Duplicate { get; set; }

        /// <summary>What the entry counts against <see cref="UplinkSettings.MaxQueuedBytes"/>: as queued, also after
        /// <see cref="Readdress"/>, since the stores counted it so.</summary>
        public long Size
        {
            get { return _size; }
        }

        /// <summary>The P2P message goes up on <paramref name="remoteTopic"/> (its envelope); decided, so
        /// <see cref="P2PHops"/> becomes <see cref="NotP2P"/>. What is stored is unchanged.</summary>
        public void Readdress(string remoteTopic)
        {
            RemoteTopic = remoteTopic;
            P2PHops = NotP2P;
        }

        /// <summary>The size an entry for <paramref name="remoteTopic"/> with a payload of
        /// <paramref name="payloadLength"/> bytes and <paramref name="engineProperties"/> (null: none) counts as: one rule
        /// for every store, the message's <see cref="MessageFootprint"/> under the topic it goes up on plus
        /// <see cref="Overhead"/>. Without the properties, 100 messages for a dead upstream with an empty payload and
        /// 905 KB of user properties each counted 4,100 bytes together against a 16 MiB bound, while the host's data
        /// directory grew from 2 to 120 MB.</summary>
        public static long SizeOf(string remoteTopic, int payloadLength, IEngineProperties engineProperties)
        {
            return Overhead + remoteTopic.Length + payloadLength + MessageFootprint.PropertiesOf(engineProperties);
        }
    }
}
