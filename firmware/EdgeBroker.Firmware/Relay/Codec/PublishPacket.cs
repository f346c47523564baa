namespace EdgeBroker.Firmware.Relay.Codec
{
    /// <summary>
    /// A decoded PUBLISH (§3.3) as positions in the receive buffer: nothing is copied, so one instance per connection
    /// serves every message it sends. The topic is left as bytes; the connection turns it into a string (usually
    /// without allocating, see <see cref="Relay.TopicCache"/>).
    /// </summary>
    public sealed class PublishPacket
    {
        public int Qos;
        public bool Retain;
        public bool Duplicate;
        public int PacketId;
        public int TopicOffset;
        public int TopicLength;
        public int PayloadOffset;
        public int PayloadLength;

        public void Decode(int flags, PacketReader reader)
        {
            Duplicate = (flags & 0x08) != 0;
            Qos = (flags >> 1) & 0x03;
            Retain = (flags & 0x01) != 0;
            if (Qos == 0 && Duplicate)
            {
                throw new MalformedPacketException("DUP set on a QoS 0 PUBLISH"); // [MQTT-3.3.1-2]
            }

            TopicOffset = reader.ReadField(out TopicLength);
            PacketId = Qos > 0 ? reader.ReadPacketId() : 0;
            PayloadOffset = reader.Position;
            PayloadLength = reader.Remaining;
        }
    }
}
