using EdgeBroker.Core.Monitoring;
using EdgeBroker.Core.Offline;
using EdgeBroker.Core.Outbound;
using EdgeBroker.Firmware.Storage;

namespace EdgeBroker.Firmware.Relay.Settings
{
    /// <summary>
    /// How the relay listens and the device limits it enforces. The defaults are the ESP32's (16 lwIP sockets, a 50–110 KB
    /// managed heap); each can be set in <see cref="SettingsFile"/> under the key named on its constant.
    /// </summary>
    public sealed class RelaySettings
    {
        // The listener.
        public const string PortKey = "port";
        public const string BindKey = "bind";

        // What each client may hold of the device.
        public const string MaxClientsKey = "max_clients";
        public const string MaxPacketSizeKey = "max_packet_size";
        public const string MaxSubscriptionsPerClientKey = "max_subscriptions_per_client";
        public const string MaxRetainedMessagesKey = "max_retained_messages";
        public const string MaxRetainedBytesKey = "max_retained_bytes";
        public const string MaxWillBytesKey = "max_will_bytes";

        // Offline messages and persistent sessions.
        public const string MaxOfflineMessagesPerClientKey = "max_offline_messages_per_client";
        public const string MaxOfflineBytesPerClientKey = "max_offline_bytes_per_client";
        public const string MaxOfflineQos0BytesKey = "max_offline_qos0_bytes";
        public const string OfflineMessageTtlSecondsKey = "offline_message_ttl_seconds";
        public const string OfflineBatchSizeKey = "offline_batch_size";
        public const string OfflineBatchIntervalSecondsKey = "offline_batch_interval_seconds";
        public const string SessionExpirySecondsKey = "session_expiry_seconds";
        public const string FlashStoreBytesKey = "flash_store_bytes";

        // Slow consumers, slow or flooding peers.
        public const string MaxQueuedBytesPerClientKey = "max_queued_bytes_per_client";
        public const string MaxBufferBytesKey = "max_buffer_bytes";
        public const string MaxQueuedMessagesPerClientKey = "max_queued_messages_per_client";
        public const string ConnectTimeoutSecondsKey = "connect_timeout_seconds";
        public const string SendTimeoutSecondsKey = "send_timeout_seconds";
        public const string MaxConnectionsPerSourceKey = "max_connections_per_source";
        public const string ConnectionRateWindowSecondsKey = "connection_rate_window_seconds";

        /// <summary>Source addresses remembered for the connection rate and for logging problems once per address a
        /// minute (about 60 bytes each on the device); when full, the least recently seen is forgotten.</summary>
        public const int MaxTrackedSources = 32;

        /// <summary>Seconds between two publications of the <c>$SYS/broker/…</c> tree.</summary>
        public const string SysIntervalKey = "sys_interval";

        /// <summary>P2P federation: how long a target the upstream said is unknown everywhere is answered here as unknown.</summary>
        public const string P2PUnreachableTtlSecondsKey = "p2p_unreachable_ttl_seconds";

        /// <summary>P2P targets the device keeps as unknown everywhere at most (a client ID and an expiry each, on the
        /// heap); the entry nearest its expiry gives way.</summary>
        public const int P2PUnreachableCacheSize = 16;

        /// <summary>Smallest useful packet limit: a CONNECT with a client ID, a will and credentials.</summary>
        public const int MinPacketSize = 128;

        /// <summary>Largest packet the relay accepts at all; the device cannot hold more in one buffer.</summary>
        public const int MaxPacketSizeLimit = 65536;

        /// <summary>Smallest store worth having: room for sessions and a few messages of the largest packet size.</summary>
        public const int MinFlashStoreBytes = 16384;

        /// <summary>QoS 2 PUBLISHes a client's session may have awaiting PUBREL at once, across its connections (the core
        /// keeps them, <c>BrokerCore.MaxAwaitingRelease</c>); more is a client that never completes them.</summary>
        public const int MaxAwaitingRelease = 16;

        /// <summary>QoS 1 deliveries whose delivery tag is remembered until the client's PUBACK.</summary>
        public const int MaxTrackedDeliveries = 64;

        public RelaySettings()
        {
            Port = 1883;
            Bind = "0.0.0.0";
            MaxClients = 12;
            MaxPacketSize = 4096;
            MaxSubscriptionsPerClient = 16;
            MaxRetainedMessages = 32;
            MaxRetainedBytes = 16384;
            MaxWillBytes = 8192;
            MaxOfflineMessagesPerClient = 32;
            MaxOfflineBytesPerClient = 16384;
            MaxOfflineQos0Bytes = 4096;
            OfflineMessageTtlSeconds = 72 * 3600;
            OfflineBatchSize = 30;
            OfflineBatchIntervalSeconds = 5;
            SessionExpirySeconds = 7 * 24 * 3600;
            FlashStoreBytes = 64 * 1024;
            MaxQueuedBytesPerClient = 8192;
            MaxBufferBytes = 8192;
            MaxQueuedMessagesPerClient = 64;
            ConnectTimeoutSeconds = 10;
            SendTimeoutSeconds = 10;
            MaxConnectionsPerSource = 60;
            ConnectionRateWindowSeconds = 10;
            SysIntervalSeconds = SysTree.DefaultIntervalSeconds;
            P2PUnreachableTtlSeconds = EdgeBroker.Core.Uplink.UnreachableTargets.DefaultTtlSeconds;
        }

        /// <summary>MQTT listener port; 0 picks a free one.</summary>
        public int Port { get; set; }

        /// <summary>IPv4 address to listen on.</summary>
        public string Bind { get; set; }

        /// <summary>Connected clients at once (16 sockets less the listener, uplink, DNS and a spare); the next CONNECT gets
        /// CONNACK 0x03 (server unavailable). Taking over an existing client ID is always allowed.</summary>
        public int MaxClients { get; set; }

        /// <summary>Largest packet, fixed header included; a larger one closes the connection.</summary>
        public int MaxPacketSize { get; set; }

        /// <summary>Topic filters one session may hold; a SUBSCRIBE for more gets return code 0x80 for the excess.</summary>
        public int MaxSubscriptionsPerClient { get; set; }

        /// <summary>Topics with a retained message; a retained message for a further topic is not kept.</summary>
        public int MaxRetainedMessages { get; set; }

        /// <summary>Heap the retained messages may take together, counted as <see cref="RetainedFootprint"/> says (topic,
        /// payload and the objects that hold them); a retained message that would go beyond it is not kept, as for
        /// <see cref="MaxRetainedMessages"/> (a replacement that is not larger always is). 0 sets no limit. Without it a
        /// client could pin 32 packets of 4 KB — with the flash log's budget, about 60 KB of a 50–110 KB heap — and the
        /// messages come back from flash at every start, so a reboot would not free it.</summary>
        public int MaxRetainedBytes { get; set; }

        /// <summary>Heap the wills of connected clients may take together, each counted by its topic, its payload and the
        /// objects that hold it (<see cref="HeldMessage.ObjectBytes"/>); a CONNECT whose will does not fit gets CONNACK
        /// 0x03 (server unavailable). 0 sets no limit. 8 KB: every one of the 12 clients may leave a will of a few
        /// hundred bytes (an ordinary "offline" status counts about 300), or two clients one of the largest packet;
        /// without it 12 wills of 4 KB would take 52 KB of a 50–110 KB heap.</summary>
        public int MaxWillBytes { get; set; }

        /// <summary>Messages kept for an away persistent session; further ones are refused and counted.</summary>
        public int MaxOfflineMessagesPerClient { get; set; }

        /// <summary>Topic and payload bytes kept for an away persistent session, enforced like the message count.</summary>
        public int MaxOfflineBytesPerClient { get; set; }

        /// <summary>Topic and payload bytes of the QoS 0 messages kept for away persistent sessions, all together: they
        /// live on the heap (10 away sessions took 1.5 MB of it before this bound), not in the flash log.</summary>
        public int MaxOfflineQos0Bytes { get; set; }

        /// <summary>How long a kept message waits for its client before it is dropped.</summary>
        public int OfflineMessageTtlSeconds { get; set; }

        /// <summary>Kept messages handed to a reconnected client at once; 0 as many as a connection tracks until their
        /// PUBACKs (<see cref="MaxTrackedDeliveries"/>), which is also the most any batch gets.</summary>
        public int OfflineBatchSize { get; set; }

        /// <summary>The next batch follows when the previous one is acknowledged, or after this long.</summary>
        public int OfflineBatchIntervalSeconds { get; set; }

        /// <summary>How long a persistent session (clean session = 0) outlives its connection before it, its
        /// subscriptions and its kept messages are forgotten.</summary>
        public int SessionExpirySeconds { get; set; }

        /// <summary>Flash the store's log may take (internal flash <c>I:</c> is ~256 KB on 4 MB boards, shared with
        /// the application's files).</summary>
        public int FlashStoreBytes { get; set; }

        /// <summary>Bytes waiting to be sent to one client; further messages for it are dropped and counted (QoS 0
        /// first, see <see cref="ToOutboundQueueLimits"/>).</summary>
        public int MaxQueuedBytesPerClient { get; set; }

        /// <summary>Bytes of the receive and send buffers of all connections together, beyond one packet in hand per
        /// connection and direction (never refused, so every client that reads is served): a message waiting behind
        /// others that would take more is refused as by a full <see cref="MaxQueuedBytesPerClient"/>. 8 KB: what a board
        /// that passes HeapTests (16 KB free with 12 idle clients) has above the supervisor's restart level (8 KB);
        /// docs/firmware.md, "Device limits".</summary>
        public int MaxBufferBytes { get; set; }

        /// <summary>Packets waiting to be sent to one client, bounded like <see cref="MaxQueuedBytesPerClient"/>.</summary>
        public int MaxQueuedMessagesPerClient { get; set; }

        /// <summary>How long a new TCP connection may take to send its whole CONNECT, counted from the accept.</summary>
        public int ConnectTimeoutSeconds { get; set; }

        /// <summary>How long a client may read nothing while bytes wait for it before it is disconnected (the transmitter
        /// never waits on it meanwhile; it serves the other clients).</summary>
        public int SendTimeoutSeconds { get; set; }

        /// <summary>New connections one source address may open per <see cref="ConnectionRateWindowSeconds"/>; further
        /// ones are closed at once, before they take a thread. 0 turns the limit off. 60 per 10 s lets each of the
        /// device's 12 clients reconnect five times in a row, and cuts a script's flood to six connections a second.</summary>
        public int MaxConnectionsPerSource { get; set; }

        public int ConnectionRateWindowSeconds { get; set; }
        /// <summary>Seconds between publications of the <c>$SYS/broker/…</c> tree; 0 publishes none (mosquitto's
        /// <c>sys_interval</c>, same key and meaning).</summary>
        public int SysIntervalSeconds { get; set; }

        /// <summary>Seconds a P2P target the upstream said is unknown everywhere is answered here as unknown instead of
        /// going up (docs/federation.md).</summary>
        public int P2PUnreachableTtlSeconds { get; set; }

        /// <summary>Applies what <paramref name="file"/> sets; bad values are left at their defaults and reported in the
        /// file's <see cref="SettingsFile.Problems"/>.</summary>
        public void ApplyFrom(SettingsFile file)
        {
            Port = file.GetInt(PortKey, Port, 0, 65535);
            string bind = file.Get(BindKey);
            if (bind != null)
            {
                Bind = bind;
            }

            MaxClients = file.GetInt(MaxClientsKey, MaxClients, 1, 1000);
            MaxPacketSize = file.GetInt(MaxPacketSizeKey, MaxPacketSize, MinPacketSize, MaxPacketSizeLimit);
            MaxSubscriptionsPerClient = file.GetInt(MaxSubscriptionsPerClientKey, MaxSubscriptionsPerClient, 1, 10000);
            MaxRetainedMessages = file.GetInt(MaxRetainedMessagesKey, MaxRetainedMessages, 0, 100000);
            MaxRetainedBytes = file.GetInt(MaxRetainedBytesKey, MaxRetainedBytes, 0, 16777216);
            MaxWillBytes = file.GetInt(MaxWillBytesKey, MaxWillBytes, 0, 16777216);
            MaxOfflineMessagesPerClient = file.GetInt(MaxOfflineMessagesPerClientKey, MaxOfflineMessagesPerClient, 1, 100000);
            MaxOfflineBytesPerClient = file.GetInt(MaxOfflineBytesPerClientKey, MaxOfflineBytesPerClient, 1, 16777216);
            MaxOfflineQos0Bytes = file.GetInt(MaxOfflineQos0BytesKey, MaxOfflineQos0Bytes, 0, 16777216);
            OfflineMessageTtlSeconds = file.GetInt(OfflineMessageTtlSecondsKey, OfflineMessageTtlSeconds, 1, 31536000);
            OfflineBatchSize = file.GetInt(OfflineBatchSizeKey, OfflineBatchSize, 0, 100000);
            OfflineBatchIntervalSeconds = file.GetInt(OfflineBatchIntervalSecondsKey, OfflineBatchIntervalSeconds, 1, 3600);
            SessionExpirySeconds = file.GetInt(SessionExpirySecondsKey, SessionExpirySeconds, 1, 315360000);
            FlashStoreBytes = file.GetInt(FlashStoreBytesKey, FlashStoreBytes, MinFlashStoreBytes, 16777216);
            MaxQueuedBytesPerClient = file.GetInt(MaxQueuedBytesPerClientKey, MaxQueuedBytesPerClient, MaxPacketSize, 16777216);
            MaxBufferBytes = file.GetInt(MaxBufferBytesKey, MaxBufferBytes, MaxPacketSize, 16777216);
            MaxQueuedMessagesPerClient = file.GetInt(MaxQueuedMessagesPerClientKey, MaxQueuedMessagesPerClient, 1, 1000000);
            ConnectTimeoutSeconds = file.GetInt(ConnectTimeoutSecondsKey, ConnectTimeoutSeconds, 1, 3600);
            SendTimeoutSeconds = file.GetInt(SendTimeoutSecondsKey, SendTimeoutSeconds, 1, 3600);
            MaxConnectionsPerSource = file.GetInt(MaxConnectionsPerSourceKey, MaxConnectionsPerSource, 0, 100000);
            ConnectionRateWindowSeconds = file.GetInt(ConnectionRateWindowSecondsKey, ConnectionRateWindowSeconds, 1, 3600);
            SysIntervalSeconds = file.GetInt(SysIntervalKey, SysIntervalSeconds, 0, 86400);
            P2PUnreachableTtlSeconds = file.GetInt(P2PUnreachableTtlSecondsKey, P2PUnreachableTtlSeconds, 1, 86400);
        }

        /// <summary>What the core keeps for away clients and how it hands it back, as set here.</summary>
        public OfflineLimits ToOfflineLimits()
        {
            OfflineLimits limits = new OfflineLimits();
            limits.MaxMessagesPerClient = MaxOfflineMessagesPerClient;
            limits.MaxBytesPerClient = MaxOfflineBytesPerClient;
            limits.MaxQos0BytesKept = MaxOfflineQos0Bytes;
            limits.DefaultMessageTtlMs = OfflineMessageTtlSeconds * 1000L;
            // A connection remembers at most MaxTrackedDeliveries unacknowledged deliveries: a larger batch would be
            // refused beyond them and wait for the next connection.
            limits.BatchSize = OfflineBatchSize == 0 || OfflineBatchSize > MaxTrackedDeliveries ? MaxTrackedDeliveries : OfflineBatchSize;
            limits.BatchIntervalMs = OfflineBatchIntervalSeconds * 1000L;
            return limits;
        }

        /// <summary>What may wait for one connected client, as set here; the core decides which PUBLISH gives way.</summary>
        public OutboundQueueLimits ToOutboundQueueLimits()
        {
            return new OutboundQueueLimits(MaxQueuedMessagesPerClient, MaxQueuedBytesPerClient);
        }

        /// <summary>The flash log's budget: <see cref="FlashStoreBytes"/>, compacted once half of it is dead, with a
        /// sixteenth kept for sessions and subscriptions (4 KB of the default 64 KB), at most a quarter taken by
        /// them (16 KB) and at most an eighth by paired devices (8 KB).</summary>
        public FlashStoreLimits ToFlashStoreLimits()
        {
            FlashStoreLimits limits = new FlashStoreLimits();
            limits.MaxLogBytes = FlashStoreBytes;
            limits.CompactAtDeadBytes = FlashStoreBytes / 2;
            limits.SessionReserveBytes = FlashStoreBytes / 16;
            limits.MaxSessionBytes = FlashStoreBytes / 4;
            limits.MaxDeviceBytes = FlashStoreBytes / 8;
            return limits;
        }
    }
}
