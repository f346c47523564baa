using EdgeBroker.Firmware.Relay.Codec;

namespace EdgeBroker.Relay.Tests.Support;

/// <summary>
/// The relay's decoding path without a socket: frames a byte stream with <see cref="FixedHeader"/> exactly as
/// <c>RelayConnection.ReceiveAndHandle</c> does, and decodes each body with the decoder of its packet type.
/// </summary>
internal static class PacketDecoding
{
    /// <summary>Decodes every whole packet in <paramref name="stream"/>; returns how many. Throws
    /// <see cref="MalformedPacketException"/> at the first malformed one; a trailing partial packet is ignored.</summary>
    public static int DecodeAll(byte[] stream, int maxPacketSize)
    {
        var reader = new PacketReader(new StringDecoder());
        var publish = new PublishPacket();
        int position = 0;
        int decoded = 0;
        while (position < stream.Length)
        {
            int first = stream[position];
            if (!TryReadFixedHeader(stream, position, out int bodyStart, out int remaining))
            {
                return decoded;
            }

            if (bodyStart - position + remaining > maxPacketSize)
            {
                throw new MalformedPacketException("too large");
            }

            if (bodyStart + remaining > stream.Length)
            {
                return decoded;
            }

            reader.Reset(stream, bodyStart, remaining);
            DecodeBody(FixedHeader.TypeOf(first), first & 0x0F, reader, publish);
            position = bodyStart + remaining;
            decoded++;
        }

        return decoded;
    }

    /// <summary>Reads the fixed header of the packet at <paramref name="position"/> of <paramref name="stream"/> as
    /// <c>RelayConnection.ReceiveAndHandle</c> does: false while it is not whole; else where the body starts and how long
    /// it is (the body itself may not be whole yet).</summary>
    public static bool TryReadFixedHeader(byte[] stream, int position, out int bodyStart, out int remaining)
    {
        remaining = 0;
        int lengthBytes = 0;
        while (true)
        {
            if (position + 1 + lengthBytes >= stream.Length)
            {
                bodyStart = 0;
                return false;
            }

            int lengthByte = stream[position + 1 + lengthBytes];
            remaining = FixedHeader.AddLengthByte(remaining, lengthBytes, lengthByte);
            lengthBytes++;
            if (FixedHeader.IsLastLengthByte(lengthByte))
            {
                bodyStart = position + 1 + lengthBytes;
                return true;
            }
        }
    }

    static void DecodeBody(int type, int flags, PacketReader reader, PublishPacket publish)
    {
        switch (type)
        {
            case PacketType.Connect:
                ConnectPacket.Decode(reader);
                break;
            case PacketType.Publish:
                publish.Decode(flags, reader);
                reader.DecodeString(reader.Buffer, publish.TopicOffset, publish.TopicLength);
                break;
            case PacketType.Subscribe:
                SubscribePacket.Decode(reader);
                break;
            case PacketType.Unsubscribe:
                UnsubscribePacket.Decode(reader);
                break;
            case PacketType.PubAck:
            case PacketType.PubRec:
            case PacketType.PubRel:
            case PacketType.PubComp:
                reader.ReadPacketId();
                reader.ExpectEnd();
                break;
            default:
                reader.ExpectEnd();
                break;
        }
    }
}
