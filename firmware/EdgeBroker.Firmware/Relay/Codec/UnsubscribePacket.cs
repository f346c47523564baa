using System.Collections;

namespace EdgeBroker.Firmware.Relay.Codec
{
    /// <summary>A decoded UNSUBSCRIBE (§3.10).</summary>
    public sealed class UnsubscribePacket
    {
        public int PacketId;
        public string[] Filters;

        public static UnsubscribePacket Decode(PacketReader reader)
        {
            UnsubscribePacket packet = new UnsubscribePacket();
            packet.PacketId = reader.ReadPacketId();
            ArrayList filters = new ArrayList();
            while (reader.Remaining > 0)
            {
                filters.Add(reader.ReadString());
            }

            if (filters.Count == 0)
            {
                throw new MalformedPacketException("UNSUBSCRIBE without a topic filter"); // [MQTT-3.10.3-2]
            }

            packet.Filters = new string[filters.Count];
            for (int i = 0; i < filters.Count; i++)
            {
                packet.Filters[i] = (string)filters[i];
            }

            return packet;
        }
    }
}
