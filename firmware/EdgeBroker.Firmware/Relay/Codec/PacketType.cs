namespace EdgeBroker.Firmware.Relay.Codec
{
    /// <summary>MQTT 3.1.1 control packet types (§2.2.1): the high nibble of a packet's first byte.</summary>
    public static class PacketType
    {
        public const int Connect = 1;
        public const int ConnAck = 2;
        public const int Publish = 3;
        public const int PubAck = 4;
        public const int PubRec = 5;
        public const int PubRel = 6;
        public const int PubComp = 7;
        public const int Subscribe = 8;
        public const int SubAck = 9;
        public const int Unsubscribe = 10;
        public const int UnsubAck = 11;
        public const int PingReq = 12;
        public const int PingResp = 13;
        public const int Disconnect = 14;
    }
}
