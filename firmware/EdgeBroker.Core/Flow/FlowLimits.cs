namespace EdgeBroker.Core.Flow
{
    /// <summary>
    /// What the broker announces to an MQTT 5 client in its CONNACK and holds it to: how many QoS 1/2 PUBLISHes the
    /// client may have unacknowledged towards the broker (Receive Maximum, MQTT 5 §3.2.2.3.3), how many topic aliases
    /// it may define (Topic Alias Maximum, §3.2.2.3.8) and the longest keep-alive the broker accepts (Server Keep Alive,
    /// §3.2.2.3.14); and how many topic aliases the broker uses towards the client, within what the client allows. Decided here once so every engine that speaks MQTT 5 negotiates the same way; MQTT 3.1.1 has none of
    /// these (its clients cannot be told a keep-alive, so theirs stands).
    /// </summary>
    public sealed class FlowLimits
    {
        /// <summary>Above a pipelining publisher's usual window (the benchmarks and the uplink use 16), low enough that a
        /// client cannot leave an unbounded number of QoS 2 handshakes open.</summary>
        public const int DefaultReceiveMaximum = 100;

        /// <summary>mosquitto's <c>max_topic_alias</c> default.</summary>
        public const int DefaultTopicAliasMaximum = 10;

        /// <summary>As many as a client may define towards the broker: enough for the few topics a device receives
        /// again and again, while each alias keeps its topic (at most <see cref="OutboundTopicAliases.MaxAliasedTopicLength"/>
        /// characters) for the whole connection.</summary>
        public const int DefaultOutboundTopicAliasMaximum = 10;

        /// <summary>mosquitto's <c>max_keepalive</c> default, the largest keep-alive MQTT can express: a client asking
        /// for none (0) is told 65535 s, so a half-open connection is still closed eventually.</summary>
        public const int DefaultMaxKeepAliveSeconds = 65535;

        /// <summary>The most that fits the two-byte fields of CONNACK.</summary>
        public const int MaxTwoByteValue = 65535;

        public FlowLimits(int receiveMaximum, int topicAliasMaximum, int outboundTopicAliasMaximum, int maxKeepAliveSeconds)
        {
            ReceiveMaximum = receiveMaximum;
            TopicAliasMaximum = topicAliasMaximum;
            OutboundTopicAliasMaximum = outboundTopicAliasMaximum;
            MaxKeepAliveSeconds = maxKeepAliveSeconds;
        }

        /// <summary>QoS 1/2 PUBLISHes a client may have sent and not yet had acknowledged (1–65535).</summary>
        public int ReceiveMaximum { get; private set; }

        /// <summary>The highest topic alias a client may use towards the broker; 0 allows none.</summary>
        public int TopicAliasMaximum { get; private set; }

        /// <summary>The most topic aliases the broker uses towards one client, whatever more the client allows; 0 uses
        /// none. MQTT 5 leaves the choice of which topics to alias to the sender (§3.3.2.3.4): a client announcing 65,535
        /// would otherwise have the broker keep 65,535 topics of up to 65,535 characters per connection.</summary>
        public int OutboundTopicAliasMaximum { get; private set; }

        /// <summary>The longest keep-alive the broker holds an MQTT 5 client to; 0 accepts any, including none.</summary>
        public int MaxKeepAliveSeconds { get; private set; }

        /// <summary>The keep-alive an MQTT 5 client that asked for <paramref name="requestedSeconds"/> is held to: its own
        /// when within the bound, else the bound (also for 0, "no keep-alive"). When it differs from the request the engine
        /// announces it as Server Keep Alive and closes the connection after 1.5 times it without a packet.</summary>
        public int KeepAliveFor(int requestedSeconds)
        {
            if (MaxKeepAliveSeconds == 0)
            {
                return requestedSeconds;
            }

            return requestedSeconds == 0 || requestedSeconds > MaxKeepAliveSeconds ? MaxKeepAliveSeconds : requestedSeconds;
        }

        /// <summary>The topic aliases the broker uses towards a client whose CONNECT allowed
        /// <paramref name="clientMaximum"/> (its Topic Alias Maximum, 0 = none): never more than the client allows
        /// [MQTT-3.3.2-9], nor than <see cref="OutboundTopicAliasMaximum"/>.</summary>
        public int OutboundTopicAliasesFor(int clientMaximum)
        {
            return clientMaximum < OutboundTopicAliasMaximum ? clientMaximum : OutboundTopicAliasMaximum;
        }

        /// <summary>Whether a client with <paramref name="inFlight"/> unacknowledged QoS 1/2 PUBLISHes towards the broker
        /// has broken its Receive Maximum (a protocol error: DISCONNECT 0x93, [MQTT-3.3.4-9]).</summary>
        public bool ExceedsReceiveMaximum(int inFlight)
        {
            return inFlight > ReceiveMaximum;
        }
    }
}
