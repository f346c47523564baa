using EdgeBroker.Core.Text;
using EdgeBroker.Core.Wire;

namespace EdgeBroker.Firmware.Relay.Codec
{
    /// <summary>Encodes the packets a server sends (MQTT 3.1.1 §3) straight into an outgoing buffer: no allocation.</summary>
    public static class PacketWriter
    {
        public const int ConnAckSize = 4;
        public const int AckSize = 4;
        public const int PingRespSize = 2;

        /// <summary>First bytes of the two-byte-body acknowledgements.</summary>
        public const int PubAckHeader = PacketType.PubAck << 4;
        public const int PubRecHeader = PacketType.PubRec << 4;
        public const int PubCompHeader = PacketType.PubComp << 4;
        public const int UnsubAckHeader = PacketType.UnsubAck << 4;

        public static void WriteConnAck(byte[] buffer, int offset, bool sessionPresent, int returnCode)
        {
            buffer[offset] = PacketType.ConnAck << 4;
            buffer[offset + 1] = 2;
            buffer[offset + 2] = (byte)(sessionPresent ? 1 : 0);
            buffer[offset + 3] = (byte)returnCode;
        }

        /// <summary>PUBACK, PUBREC, PUBCOMP or UNSUBACK: header byte, length 2, packet identifier.</summary>
        public static void WriteAck(byte[] buffer, int offset, int headerByte, int packetId)
        {
            buffer[offset] = (byte)headerByte;
            buffer[offset + 1] = 2;
            buffer[offset + 2] = (byte)(packetId >> 8);
            buffer[offset + 3] = (byte)packetId;
        }

        public static void WritePingResp(byte[] buffer, int offset)
        {
            buffer[offset] = PacketType.PingResp << 4;
            buffer[offset + 1] = 0;
        }

        public static int SubAckSize(int filterCount)
        {
            int remaining = 2 + filterCount;
            return 1 + RemainingLength.Size(remaining) + remaining;
        }

        public static void WriteSubAck(byte[] buffer, int offset, int packetId, int[] returnCodes)
        {
            buffer[offset++] = PacketType.SubAck << 4;
            offset += RemainingLength.Write(buffer, offset, 2 + returnCodes.Length);
            buffer[offset++] = (byte)(packetId >> 8);
            buffer[offset++] = (byte)packetId;
            for (int i = 0; i < returnCodes.Length; i++)
            {
                buffer[offset++] = (byte)returnCodes[i];
            }
        }

        /// <summary>Size of a PUBLISH whose topic takes <paramref name="topicBytes"/> bytes of UTF-8.</summary>
        public static int PublishSize(int topicBytes, int payloadLength, int qos)
        {
            int remaining = 2 + topicBytes + (qos > 0 ? 2 : 0) + payloadLength;
            return 1 + RemainingLength.Size(remaining) + remaining;
        }

        public static void WritePublish(byte[] buffer, int offset, string topic, int topicBytes, byte[] payload,
            int payloadOffset, int payloadLength, int qos, bool retain, bool duplicate, int packetId)
        {
            int flags = (qos << 1) | (retain ? 0x01 : 0) | (duplicate ? 0x08 : 0);
            buffer[offset++] = (byte)((PacketType.Publish << 4) | flags);
            offset += RemainingLength.Write(buffer, offset, 2 + topicBytes + (qos > 0 ? 2 : 0) + payloadLength);
            buffer[offset++] = (byte)(topicBytes >> 8);
            buffer[offset++] = (byte)topicBytes;
            offset += Utf8.Encode(topic, buffer, offset);
            if (qos > 0)
            {
                buffer[offset++] = (byte)(packetId >> 8);
                buffer[offset++] = (byte)packetId;
            }

            if (payloadLength > 0)
            {
                System.Array.Copy(payload, payloadOffset, buffer, offset, payloadLength);
            }
        }
    }
}
