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
        }

        /// <summary>Messages kept per client; a message beyond it is refused (and counted), the kept ones stay.</summary>
        public int MaxMessagesPerClient { get; set; }

        /// <summary>Payload and topic bytes kept per client, enforced like <see cref="MaxMessagesPerClient"/>.</summary>
        public long MaxBytesPerClient { get; set; }

        /// <summary>Lifetime of a kept message without an MQTT 5 message expiry interval.</summary>
        public long DefaultMessageTtlMs { get; set; }

        /// <summary>Kept messages handed to a reconnected client at once; 0 hands over everything at once.</summary>
        public int BatchSize { get; set; }

        /// <summary>The next batch goes out when the previous one is acknowledged, or after this long.</summary>
        public long BatchIntervalMs { get; set; }
    }
}
