using System.Buffers;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace EdgeBroker.Host.Mqtt;

/// <summary>
/// The two packets a stream of messages is made of — a PUBLISH without MQTT 5 properties and a plain PUBACK — decoded
/// by EdgeBroker straight from the connection's read buffer, when the whole packet is there. MQTTnet's decoder (which
/// decodes everything else, and these too when they arrive in pieces or carry more) copied each body into a pooled
/// frame, the payload into a new array and the topic into a new string, and made a PUBACK object per acknowledgement;
/// here the topic is this thread's string for it (<see cref="TopicNames"/>), the payload stays where it was read (the
/// PUBLISH borrows it: <see cref="GuardedChannel"/> keeps the buffer until the reader reads on), and the packet is this
/// thread's one PUBLISH or PUBACK, filled again for each, when the reader handles it before it reads on. The checks are
/// the same as on MQTTnet's path and come first (<see cref="PacketRules"/>); a packet this does not take is decoded by
/// MQTTnet as before, so malformed input gets the same answer either way.
/// </summary>
static class BufferedPackets
{
    const int Publish = 3;
    const int PubAck = 4;

    /// <summary>This thread's PUBACK and PUBLISH (<see cref="TryDecode"/>).</summary>
    [ThreadStatic]
    static MqttPubAckPacket? t_pubAck;

    [ThreadStatic]
    static MqttPublishPacket? t_publish;

    /// <summary>The fixed header of the packet at the start of <paramref name="buffered"/>: its first byte, the header's
    /// length and the body's; false when the header is not all there yet, or longer than four length bytes (the
    /// caller's reader reports that).</summary>
    public static bool TryReadHeader(ReadOnlySpan<byte> buffered, out byte first, out int headerLength, out int bodyLength)
    {
        first = 0;
        headerLength = 0;
        bodyLength = 0;
        for (var lengthBytes = 0; lengthBytes < 4 && 1 + lengthBytes < buffered.Length; lengthBytes++)
        {
            var next = buffered[1 + lengthBytes];
            bodyLength |= (next & 0x7F) << (7 * lengthBytes);
            if ((next & 0x80) == 0)
            {
                first = buffered[0];
                headerLength = 2 + lengthBytes;
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Decodes a PUBLISH or PUBACK whose <paramref name="body"/> lies in <paramref name="buffer"/> at
    /// <paramref name="bodyOffset"/>; null when it is another packet, or one MQTTnet decodes (MQTT 5 properties, a
    /// PUBACK with a reason code, anything short of its fields). Throws <see cref="BadPacketException"/> as the same
    /// checks on MQTTnet's path do. A PUBLISH borrows its payload from <paramref name="buffer"/>. With
    /// <paramref name="lend"/> the packet is this thread's, valid until the next is decoded on the thread: for a reader
    /// that handles it on this thread before it reads on, and keeps its own copy (<see cref="Kept"/>) of one it hands
    /// elsewhere or waits with.
    /// </summary>
    public static MqttPacket? TryDecode(byte first, byte[] buffer, int bodyOffset, int bodyLength, MqttProtocolVersion version, bool lend)
    {
        var body = buffer.AsSpan(bodyOffset, bodyLength);
        switch (first >> 4)
        {
            case PubAck when bodyLength == 2 && first == PubAck << 4:
                var pubAck = lend ? t_pubAck ??= new MqttPubAckPacket() : new MqttPubAckPacket();
                pubAck.PacketIdentifier = (ushort)((body[0] << 8) | body[1]);
                return pubAck;
            case Publish:
                return DecodePublish(first, buffer, bodyOffset, body, version, lend);
            default:
                return null;
        }
    }

    /// <summary><paramref name="packet"/>, or its own copy when it is this thread's (<see cref="TryDecode"/>): for a
    /// packet whose handling goes on on another thread or after a wait. The copy still borrows the payload, which stays
    /// valid until the connection's reader reads on.</summary>
    public static T Kept<T>(T packet) where T : MqttPacket => packet switch
    {
        MqttPublishPacket publish when ReferenceEquals(publish, t_publish) => (T)(MqttPacket)new MqttPublishPacket
        {
            Topic = publish.Topic,
            PacketIdentifier = publish.PacketIdentifier,
            QualityOfServiceLevel = publish.QualityOfServiceLevel,
            Retain = publish.Retain,
            Dup = publish.Dup,
            Payload = publish.Payload,
        },
        MqttPubAckPacket pubAck when ReferenceEquals(pubAck, t_pubAck) =>
            (T)(MqttPacket)new MqttPubAckPacket { PacketIdentifier = pubAck.PacketIdentifier },
        _ => packet,
    };

    static MqttPublishPacket? DecodePublish(byte first, byte[] buffer, int bodyOffset, ReadOnlySpan<byte> body, MqttProtocolVersion version,
        bool lend)
    {
        var qos = (first >> 1) & 0x03;
        if (body.Length < 2)
        {
            return null;
        }

        var topicLength = (body[0] << 8) | body[1];
        var at = 2 + topicLength + (qos > 0 ? 2 : 0);
        if (at > body.Length || (version == MqttProtocolVersion.V500 && (at == body.Length || body[at++] != 0)))
        {
            // Cut short, or MQTT 5 properties (or their length missing): MQTTnet's path decides.
            return null;
        }

        PacketRules.CheckFixedHeader(first, version);
        var topic = PacketRules.PublishTopic(first, buffer, bodyOffset, body.Length, version, out _);
        var publish = lend ? t_publish ??= new MqttPublishPacket() : new MqttPublishPacket();
        publish.Topic = topic;
        publish.PacketIdentifier = qos > 0 ? (ushort)((body[2 + topicLength] << 8) | body[3 + topicLength]) : (ushort)0;
        publish.QualityOfServiceLevel = (MqttQualityOfServiceLevel)qos;
        publish.Retain = (first & 0x01) != 0;
        publish.Dup = (first & 0x08) != 0;
        publish.Payload = at == body.Length ? default : new ReadOnlySequence<byte>(buffer, bodyOffset + at, body.Length - at);

        // What only MQTT 5 properties set, none here (the flow control may have resolved a topic alias of the last).
        publish.TopicAlias = 0;
        return publish;
    }
}
