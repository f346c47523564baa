namespace EdgeBroker.Firmware.Relay.Codec
{
    /// <summary>A decoded CONNECT (MQTT 3.1.1 §3.1).</summary>
    public sealed class ConnectPacket
    {
        public const string ProtocolName = "MQTT";
        public const int ProtocolLevel311 = 4;

        /// <summary><see cref="ConnectReturnCode.Accepted"/>, or <see cref="ConnectReturnCode.UnacceptableProtocolVersion"/>
        /// for a client that speaks another MQTT version (the rest of its packet is not read).</summary>
        public int ReturnCode;
        public bool CleanSession;
        public int KeepAliveSeconds;
        public string ClientId;
        public bool HasWill;
        public string WillTopic;
        public byte[] WillPayload;
        public int WillQos;
        public bool WillRetain;
        public string UserName;
        public byte[] Password;

        public static ConnectPacket Decode(PacketReader reader)
        {
            ConnectPacket packet = new ConnectPacket();
            string protocol = reader.ReadString();
            int level = reader.ReadByte();
            if (protocol != ProtocolName || level != ProtocolLevel311)
            {
                // [MQTT-3.1.2-2]: answer 0x01, then close. MQTT 5 and 3.1 clients get this.
                packet.ReturnCode = ConnectReturnCode.UnacceptableProtocolVersion;
                return packet;
            }

            int flags = reader.ReadByte();
            if ((flags & 0x01) != 0)
            {
                throw new MalformedPacketException("CONNECT reserved flag set"); // [MQTT-3.1.2-3]
            }

            packet.CleanSession = (flags & 0x02) != 0;
            packet.HasWill = (flags & 0x04) != 0;
            packet.WillQos = (flags >> 3) & 0x03;
            packet.WillRetain = (flags & 0x20) != 0;
            bool hasPassword = (flags & 0x40) != 0;
            bool hasUserName = (flags & 0x80) != 0;
            if (packet.WillQos == 3)
            {
                throw new MalformedPacketException("will QoS 3"); // [MQTT-3.1.2-14]
            }

            if (!packet.HasWill && (packet.WillQos != 0 || packet.WillRetain))
            {
                throw new MalformedPacketException("will QoS or retain without a will"); // [MQTT-3.1.2-13], [MQTT-3.1.2-15]
            }

            if (hasPassword && !hasUserName)
            {
                throw new MalformedPacketException("password without user name"); // [MQTT-3.1.2-22]
            }

            packet.KeepAliveSeconds = reader.ReadUInt16();
            packet.ClientId = reader.ReadString();
            if (packet.HasWill)
            {
                packet.WillTopic = reader.ReadString();
                packet.WillPayload = reader.ReadBinary();
            }

            if (hasUserName)
            {
                packet.UserName = reader.ReadString();
            }

            if (hasPassword)
            {
                packet.Password = reader.ReadBinary();
            }

            reader.ExpectEnd();
            packet.ReturnCode = ConnectReturnCode.Accepted;
            return packet;
        }
    }
}
