namespace EdgeBroker.Core.Uplink
{
    /// <summary>A snapshot of one uplink for <c>GET /uplinks</c>, <c>$SYS/uplink/{name}/state</c> and the CLI.</summary>
    public sealed class UplinkStatus
    {
        public string Name { get; set; }

        public UplinkState State { get; set; }

        /// <summary>The address connected to or tried last (never with credentials).</summary>
        public string Address { get; set; }

        public int Queued { get; set; }

        public long QueuedBytes { get; set; }

        /// <summary>Age of the oldest queued entry in ms, 0 when the queue is empty.</summary>
        public long OldestQueuedAgeMs { get; set; }

        public int InFlight { get; set; }

        /// <summary>Entries handed to the transport, resends included.</summary>
        public long Sent { get; set; }

        /// <summary>Entries the upstream acknowledged (QoS 1) or that were written (QoS 0).</summary>
        public long Acknowledged { get; set; }

        /// <summary>Entries deleted unsent because the queue was full (drop-oldest).</summary>
        public long Dropped { get; set; }

        /// <summary>New messages refused because the queue was full (refuse-new).</summary>
        public long Refused { get; set; }

        /// <summary>Entries the upstream refused (MQTT 5 PUBACK reason 0x80 or more) and that were deleted unsent.</summary>
        public long RefusedUpstream { get; set; }

        /// <summary>Messages from upstream skipped because they were larger than the gateway takes
        /// (<see cref="Uplink.SkippedTooLarge"/>).</summary>
        public long DownTooLarge { get; set; }

        /// <summary>Entries dropped unsent as too large for the upstream: larger than its announced Maximum Packet Size,
        /// or the connection lost right after each of several sends of it (<see cref="Uplink.LossesBeforeTooLarge"/>).</summary>
        public long TooLarge { get; set; }

        /// <summary>Consecutive failed connection attempts.</summary>
        public int Failures { get; set; }

        /// <summary>The upper bound of the current backoff wait in ms, 0 when not backing off.</summary>
        public int BackoffCapMs { get; set; }

        /// <summary>Why the last attempt failed or the last connection ended; null when none did.</summary>
        public string LastError { get; set; }

        /// <summary>Proxy sessions open upstream now (<see cref="Uplink.Proxies"/>).</summary>
        public int ProxySessions { get; set; }

        /// <summary>Clients of proxied groups that got no proxy session because the cap was reached, since start.</summary>
        public long ProxyOverCap { get; set; }

        /// <summary>The status as one JSON object (for <c>$SYS/uplink/{name}/state</c> and the HTTP API).</summary>
        public string ToJson()
        {
            return "{\"name\":" + Text.JsonString.Quote(Name)
                + ",\"state\":\"" + StateName(State) + "\""
                + ",\"address\":" + QuoteOrNull(Address)
                + ",\"queued\":" + ((long)Queued).ToString()
                + ",\"queuedBytes\":" + QueuedBytes.ToString()
                + ",\"oldestQueuedAgeMs\":" + OldestQueuedAgeMs.ToString()
                + ",\"inFlight\":" + ((long)InFlight).ToString()
                + ",\"sent\":" + Sent.ToString()
                + ",\"acknowledged\":" + Acknowledged.ToString()
                + ",\"dropped\":" + Dropped.ToString()
                + ",\"refused\":" + Refused.ToString()
                + ",\"refusedUpstream\":" + RefusedUpstream.ToString()
                + ",\"downTooLarge\":" + DownTooLarge.ToString()
                + ",\"tooLarge\":" + TooLarge.ToString()
                + ",\"failures\":" + ((long)Failures).ToString()
                + ",\"backoffCapMs\":" + ((long)BackoffCapMs).ToString()
                + ",\"lastError\":" + QuoteOrNull(LastError)
                + ",\"proxySessions\":" + ((long)ProxySessions).ToString()
                + ",\"proxyOverCap\":" + ProxyOverCap.ToString() + "}";
        }

        static string QuoteOrNull(string value)
        {
            return value == null ? "null" : Text.JsonString.Quote(value);
        }

        /// <summary>The state as status readers see it: <c>disconnected</c>, <c>connecting</c>, <c>connected</c>,
        /// <c>backing-off</c>.</summary>
        public static string StateName(UplinkState state)
        {
            switch (state)
            {
                case UplinkState.Connecting:
                    return "connecting";
                case UplinkState.Connected:
                    return "connected";
                case UplinkState.BackingOff:
                    return "backing-off";
                default:
                    return "disconnected";
            }
        }
    }
}
