namespace EdgeBroker.Firmware.Relay.Codec
{
    /// <summary>
    /// The fixed header every MQTT packet starts with (§2.2): the first byte (type and flags) and the remaining length
    /// in one to four bytes. Validated byte by byte as it arrives, so a bad header closes the connection before the
    /// relay has read — or set aside memory for — anything else.
    /// </summary>
    public static class FixedHeader
    {
        /// <summary>The remaining length takes at most four bytes, so no packet is longer than 268,435,455 bytes.</summary>
        public const int MaxRemainingLengthBytes = 4;

        /// <summary>The packet type of <paramref name="firstByte"/>, after checking the flags that type requires
        /// ([MQTT-2.2.2-1], [MQTT-2.2.2-2], [MQTT-3.3.1-4]).</summary>
        public static int TypeOf(int firstByte)
        {
            int type = firstByte >> 4;
            int flags = firstByte & 0x0F;
            switch (type)
            {
                case PacketType.Publish:
                    if (((flags >> 1) & 0x03) == 3)
                    {
                        throw new MalformedPacketException("PUBLISH with QoS 3");
                    }

                    return type;
                case PacketType.PubRel:
                case PacketType.Subscribe:
                case PacketType.Unsubscribe:
                    if (flags != 0x02)
                    {
                        throw new MalformedPacketException("reserved flags of packet type " + type + " are not 0010");
                    }

                    return type;
                case PacketType.Connect:
                case PacketType.ConnAck:
                case PacketType.PubAck:
                case PacketType.PubRec:
                case PacketType.PubComp:
                case PacketType.SubAck:
                case PacketType.UnsubAck:
                case PacketType.PingReq:
                case PacketType.PingResp:
                case PacketType.Disconnect:
                    if (flags != 0)
                    {
                        throw new MalformedPacketException("reserved flags of packet type " + type + " are not 0000");
                    }

                    return type;
                default:
                    throw new MalformedPacketException("reserved packet type " + type);
            }
        }

        /// <summary>
        /// Adds the <paramref name="index"/>-th (0-based) byte of a remaining length to what the earlier ones gave.
        /// The caller stops after the first byte whose top bit is clear (<see cref="IsLastLengthByte"/>).
        /// </summary>
        public static int AddLengthByte(int lengthSoFar, int index, int lengthByte)
        {
            if (index == MaxRemainingLengthBytes - 1 && !IsLastLengthByte(lengthByte))
            {
                throw new MalformedPacketException("remaining length longer than four bytes");
            }

            return lengthSoFar + ((lengthByte & 0x7F) << (7 * index));
        }

        public static bool IsLastLengthByte(int lengthByte)
        {
            return (lengthByte & 0x80) == 0;
        }
    }
}
