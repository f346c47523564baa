using EdgeBroker.Core.Text;
using EdgeBroker.Core.Wire;
using EdgeBroker.Firmware.Relay.Codec;

namespace EdgeBroker.Emulator.Uplink;

/// <summary>
/// The MQTT 3.1.1 packets only a client sends (CONNECT, SUBSCRIBE, PINGREQ, DISCONNECT), encoded with the relay's own
/// codec pieces (<see cref="FixedHeader"/>) and the core's <see cref="Utf8"/>; PUBLISH and PUBACK are the relay's
/// <see cref="PacketWriter"/>'s.
/// </summary>
static class ClientPackets
{
    public static readonly byte[] PingReq = [PacketType.PingReq << 4, 0];

    public static readonly byte[] Disconnect = [PacketType.Disconnect << 4, 0];

    /// <summary>CONNECT with clean session 0, the credentials when there is a user name, and when
    /// <paramref name="willTopic"/> is given a will on it: <paramref name="willPayload"/> retained at QoS 0.</summary>
    public static byte[] Connect(string clientId, string? userName, string? password, int keepAliveSeconds, string? willTopic, byte[]? willPayload)
    {
        const int willFlag = 0x04, willRetain = 0x20;
        int flags = (userName is null ? 0 : 0x80) | (userName is not null && password is not null ? 0x40 : 0)
            | (willTopic is null ? 0 : willFlag | willRetain);
        int remaining = StringSize(ConnectPacket.ProtocolName) + 1 + 1 + 2 + StringSize(clientId)
            + (willTopic is null ? 0 : StringSize(willTopic) + 2 + willPayload!.Length)
            + (userName is null ? 0 : StringSize(userName)) + ((flags & 0x40) != 0 ? StringSize(password!) : 0);
        var packet = new byte[1 + RemainingLength.Size(remaining) + remaining];
        int offset = 0;
        packet[offset++] = PacketType.Connect << 4;
        offset += RemainingLength.Write(packet, offset, remaining);
        offset = PutString(packet, offset, ConnectPacket.ProtocolName);
        packet[offset++] = ConnectPacket.ProtocolLevel311;
        packet[offset++] = (byte)flags;
        packet[offset++] = (byte)(keepAliveSeconds >> 8);
        packet[offset++] = (byte)keepAliveSeconds;
        offset = PutString(packet, offset, clientId);
        if (willTopic is not null)
        {
            offset = PutString(packet, offset, willTopic);
            packet[offset++] = (byte)(willPayload!.Length >> 8);
            packet[offset++] = (byte)willPayload.Length;
            willPayload.CopyTo(packet, offset);
            offset += willPayload.Length;
        }

        if (userName is not null)
        {
            offset = PutString(packet, offset, userName);
        }

        if ((flags & 0x40) != 0)
        {
            PutString(packet, offset, password!);
        }

        return packet;
    }

    public static byte[] Subscribe(int packetId, string[] filters, int[] qos)
    {
        int remaining = 2;
        foreach (var filter in filters)
        {
            remaining += StringSize(filter) + 1;
        }

        var packet = new byte[1 + RemainingLength.Size(remaining) + remaining];
        int offset = 0;
        packet[offset++] = (PacketType.Subscribe << 4) | 0x02;
        offset += RemainingLength.Write(packet, offset, remaining);
        packet[offset++] = (byte)(packetId >> 8);
        packet[offset++] = (byte)packetId;
        for (int i = 0; i < filters.Length; i++)
        {
            offset = PutString(packet, offset, filters[i]);
            packet[offset++] = (byte)qos[i];
        }

        return packet;
    }

    static int StringSize(string value) => 2 + Utf8.EncodedLength(value);

    static int PutString(byte[] packet, int offset, string value)
    {
        int length = Utf8.EncodedLength(value);
        packet[offset] = (byte)(length >> 8);
        packet[offset + 1] = (byte)length;
        return offset + 2 + Utf8.Encode(value, packet, offset + 2);
    }
}
