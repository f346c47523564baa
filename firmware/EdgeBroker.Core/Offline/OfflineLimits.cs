namespace EdgeBroker.Core.Offline
{
    /// <summary>How much is kept for clients that are away, for how long, and how fast it is handed back.</summary>
    public sealed class OfflineLimits
    {
        public OfflineLimits()
        {
            MaxMessagesPerClient = 1000;
            MaxBytesPerClient = 1024 * 1024;
            DefaultMessageTtlMs = 72L * 3600 * 1000;
            BatchSize = 30;
            BatchIntervalMs = 5000;
            MaxQos0BytesKept = 64L * 1024 * 1024;
        }

        /// <summary>Messages kept per client; a message beyond it is refused (and counted), the kept ones stay.</summary>
        public int MaxMessagesPerClient { get; set; }

        /// <summary>Bytes kept per client — each message's topic, payload and MQTT 5 properties, its
        /// <see cref="Routing.MessageFootprint"/> —, enforced like <see cref="MaxMessagesPerClient"/>.</summary>
        public long MaxBytesPerClient { get; set; }

        /// <summary>Bytes of the QoS 0 messages kept in memory for away sessions — each one's
        /// <see cref="Routing.MessageFootprint"/> and <see cref="KeptQos0OverheadBytes"/> —, all sessions together (each session is also held to
        /// <see cref="MaxBytesPerClient"/>): they are kept in memory only, so this bounds what a flood to many away
        /// sessions can pin; beyond it, a QoS 0 message for an away session is dropped.</summary>
        public long MaxQos0BytesKept { get; set; }

        /// <summary>What a QoS 0 message kept for an away session holds beside its topic, payload and properties, counted against
        /// <see cref="MaxQos0BytesKept"/> with them: its message and stored-message objects, the payload array's header
        /// and its slot in the session's list — about 320 bytes on nanoFramework, where every object field takes a
        /// 12-byte heap block (nf-interpreter's CLR_RT_HeapBlock, read 2026-12-07). Uncounted, the device's 4,096-byte
        /// budget admitted 292 messages of 14 bytes, about 95 KB of its heap.</summary>
        public const int KeptQos0OverheadBytes = 320;

        /// <summary>Lifetime of a kept message without an MQTT 5 message expiry interval.</summary>
        public long DefaultMessageTtlMs { get; set; }

        /// <summary>Kept messages handed to a reconnected client at once; 0 hands over everything at once.</summary>
        public int BatchSize { get; set; }

        /// <summary>The next batch goes out when the previous one is acknowledged, or after this long.</summary>
        public long BatchIntervalMs { get; set; }
    }
}
