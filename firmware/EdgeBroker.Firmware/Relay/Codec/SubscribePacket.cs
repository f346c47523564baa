using System.Collections;

namespace EdgeBroker.Firmware.Relay.Codec
{
    /// <summary>A decoded SUBSCRIBE (§3.8): its filters and the QoS asked for each.</summary>
    public sealed class SubscribePacket
    {
        public int PacketId;
        public string[] Filters;
        public int[] RequestedQos;

        public static SubscribePacket Decode(PacketReader reader)
        {
            SubscribePacket packet = new SubscribePacket();
            packet.PacketId = reader.ReadPacketId();
            ArrayList filters = new ArrayList();
            ArrayList qos = new ArrayList();
            while (reader.Remaining > 0)
            {
                filters.Add(reader.ReadString());
                int options = reader.ReadByte();
                if ((options & 0xFC) != 0 || (options & 0x03) == 3)
                {
                    throw new MalformedPacketException("SUBSCRIBE options byte " + options); // [MQTT-3-8.3-4]
                }

                qos.Add(options);
            }

            if (filters.Count == 0)
            {
                throw new MalformedPacketException("SUBSCRIBE without a topic filter"); // [MQTT-3.8.3-3]
            }

            packet.Filters = new string[filters.Count];
            packet.RequestedQos = new int[filters.Count];
            for (int i = 0; i < filters.Count; i++)
            {
                packet.Filters[i] = (string)filters[i];
                packet.RequestedQos[i] = (int)qos[i];
            }

            return packet;
        }
    }
}
