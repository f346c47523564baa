namespace EdgeBroker.Firmware.Relay.Codec
{
    /// <summary>MQTT 3.1.1 control packet types (§2.2.1): the high nibble of a packet's first byte.</summary>
    public static class PacketType
    {
        /// <summary>Client to broker: connection request (§3.1).</summary>
        public const int Connect = 1;

        /// <summary>Broker to client: the answer to CONNECT (§3.2).</summary>
        public const int ConnAck = 2;

        /// <summary>Either way: an application message (§3.3).</summary>
        public const int Publish = 3;

        /// <summary>QoS 1 acknowledgement (§3.4).</summary>
        public const int PubAck = 4;

        /// <summary>QoS 2, first answer: received (§3.5).</summary>
        public const int PubRec = 5;

        /// <summary>QoS 2, second step: release (§3.6).</summary>
        public const int PubRel = 6;

        /// <summary>QoS 2, last step: complete (§3.7).</summary>
        public const int PubComp = 7;

        /// <summary>Client to broker: subscribe to filters (§3.8).</summary>
        public const int Subscribe = 8;

        /// <summary>Broker to client: the granted QoS or failure per filter (§3.9).</summary>
        public const int SubAck = 9;

        /// <summary>Client to broker: drop filters (§3.10).</summary>
        public const int Unsubscribe = 10;

        /// <summary>Broker to client: the answer to UNSUBSCRIBE (§3.11).</summary>
        public const int UnsubAck = 11;

        /// <summary>Client to broker: keep-alive ping (§3.12).</summary>
        public const int PingReq = 12;

        /// <summary>Broker to client: the answer to a ping (§3.13).</summary>
        public const int PingResp = 13;

        /// <summary>Client to broker: a clean end, the will discarded (§3.14).</summary>
        public const int Disconnect = 14;
    }
}
