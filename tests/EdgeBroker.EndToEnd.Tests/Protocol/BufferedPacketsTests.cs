using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using EdgeBroker.Host.Mqtt;
using MQTTnet.Adapter;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace EdgeBroker.EndToEnd.Tests.Protocol;

/// <summary>
/// The host's own decoding of the packets a stream of messages is made of (<see cref="BufferedPackets"/>): what it takes
/// decodes exactly as MQTTnet's formatter does (MQTT 3.1.1 and 5, every QoS and flag, empty and non-ASCII topics and
/// payloads), with the payload borrowed from the read buffer where it lies; what it does not take (MQTT 5 properties,
/// a PUBACK with a reason code, fields cut short) is left to MQTTnet; malformed input it takes throws the same
/// <see cref="BadPacketException"/> as the checks on MQTTnet's path. That the broker answers malformed input with the
/// same reason codes either way is <see cref="MalformedPacketTests"/>' part, run through this path.
/// </summary>
public sealed class BufferedPacketsTests
{
    static readonly MqttProtocolVersion[] Versions = [MqttProtocolVersion.V311, MqttProtocolVersion.V500];

    [Fact]
    public void Publishes_decode_as_MQTTnet_decodes_them_with_the_payload_borrowed_from_the_buffer()
    {
        var random = new Random(15);
        string[] topics = ["a", "sensors/p2p/device-7", "ünïcode/температура", "x/" + new string('y', 300), ""];
        foreach (var version in Versions)
        {
            for (var i = 0; i < 400; i++)
            {
                var topic = topics[random.Next(topics.Length)];
                if (topic.Length == 0)
                {
                    // Without a topic alias (none here: no properties) refused, below.
                    continue;
                }

                var qos = random.Next(3);
                var payload = new byte[random.Next(4) == 0 ? 0 : random.Next(1, 2000)];
                random.NextBytes(payload);
                var flags = (byte)((qos << 1) | (random.Next(2) == 1 ? 0x01 : 0) | (qos > 0 && random.Next(2) == 1 ? 0x08 : 0));
                var body = PublishBody(topic, qos > 0 ? (ushort)random.Next(1, 65536) : null, version, payload);
                var (buffer, offset) = InBuffer(body, random.Next(0, 50));

                var decoded = Assert.IsType<MqttPublishPacket>(BufferedPackets.TryDecode((byte)(0x30 | flags), buffer, offset, body.Length, version, lend: true));
                var expected = (MqttPublishPacket)MqttNetDecode(version, (byte)(0x30 | flags), body);

                Assert.Equal(expected.Topic, decoded.Topic);
                Assert.Equal(expected.PacketIdentifier, decoded.PacketIdentifier);
                Assert.Equal(expected.QualityOfServiceLevel, decoded.QualityOfServiceLevel);
                Assert.Equal(expected.Retain, decoded.Retain);
                Assert.Equal(expected.Dup, decoded.Dup);
                Assert.Equal(expected.Payload.ToArray(), decoded.Payload.ToArray());
                if (payload.Length > 0)
                {
                    Assert.True(MemoryMarshal.TryGetArray(decoded.Payload.First, out var segment) && segment.Array == buffer,
                        "the payload is borrowed from the read buffer, not copied");
                }
            }
        }
    }

    [Fact]
    public void A_publisher_that_keeps_its_topic_gets_the_same_string_on_a_thread_and_colliding_topics_stay_apart()
    {
        var first = Decode("sensors/kitchen/temperature", "1");
        var second = Decode("sensors/kitchen/temperature", "2");
        Assert.Same(first.Topic, second.Topic);

        // Many topics share the table's slots in turn: each still decodes to its own text.
        for (var round = 0; round < 3; round++)
        {
            for (var i = 0; i < 500; i++)
            {
                Assert.Equal($"t/{i}", Decode($"t/{i}", "x").Topic);
            }
        }

        // A non-ASCII topic whose bytes, read as Latin-1 characters, equal a cached ASCII-looking string is not confused.
        Assert.Equal("é", Decode("é", "x").Topic);
        Assert.Equal("Ã©", Decode("Ã©", "x").Topic);
        Assert.Equal("é", Decode("é", "x").Topic);
    }

    [Fact]
    public void A_lent_packet_is_the_threads_until_the_next_decode_and_a_kept_one_is_its_own()
    {
        var first = PublishBody("a/1", 7, MqttProtocolVersion.V311, "one"u8.ToArray());
        var second = PublishBody("b/2", 8, MqttProtocolVersion.V311, "two"u8.ToArray());
        var lent = (MqttPublishPacket)BufferedPackets.TryDecode(0x32, first, 0, first.Length, MqttProtocolVersion.V311, lend: true)!;
        var kept = BufferedPackets.Kept(lent);
        Assert.NotSame(lent, kept);
        Assert.Same(lent, BufferedPackets.TryDecode(0x32, second, 0, second.Length, MqttProtocolVersion.V311, lend: true));

        Assert.Equal(("b/2", (ushort)8), (lent.Topic, lent.PacketIdentifier));
        Assert.Equal(("a/1", (ushort)7, "one"), (kept.Topic, kept.PacketIdentifier, Encoding.UTF8.GetString(kept.Payload.ToArray())));
        Assert.Equal(MqttQualityOfServiceLevel.AtLeastOnce, kept.QualityOfServiceLevel);

        var own = (MqttPublishPacket)BufferedPackets.TryDecode(0x30, first, 0, first.Length - 5, MqttProtocolVersion.V311, lend: false)!;
        Assert.Same(own, BufferedPackets.Kept(own));
        var pubAck = BufferedPackets.TryDecode(0x40, [0x00, 0x09], 0, 2, MqttProtocolVersion.V311, lend: true)!;
        Assert.Equal(9, Assert.IsType<MqttPubAckPacket>(BufferedPackets.Kept(pubAck)).PacketIdentifier);
        Assert.NotSame(pubAck, BufferedPackets.Kept(pubAck));
    }

    [Fact]
    public void A_plain_puback_is_taken_one_with_a_reason_code_or_wrong_flags_is_left_to_MQTTnet()
    {
        foreach (var version in Versions)
        {
            var pubAck = Assert.IsType<MqttPubAckPacket>(BufferedPackets.TryDecode(0x40, [0x12, 0x34], 0, 2, version, lend: true));
            Assert.Equal(0x1234, pubAck.PacketIdentifier);
            Assert.Equal(MqttPubAckReasonCode.Success, pubAck.ReasonCode);
            Assert.Null(BufferedPackets.TryDecode(0x40, [0x12, 0x34, 0x10], 0, 3, version, lend: true));
            Assert.Null(BufferedPackets.TryDecode(0x42, [0x12, 0x34], 0, 2, version, lend: true));
            Assert.Null(BufferedPackets.TryDecode(0x50, [0x12, 0x34], 0, 2, version, lend: true));
        }
    }

    [Fact]
    public void Publishes_with_MQTT_5_properties_or_fields_cut_short_are_left_to_MQTTnet()
    {
        // A Message Expiry Interval property.
        byte[] withProperty = [0x00, 0x01, (byte)'a', 0x05, 0x02, 0x00, 0x00, 0x00, 0x3C, (byte)'p'];
        Assert.Null(BufferedPackets.TryDecode(0x30, withProperty, 0, withProperty.Length, MqttProtocolVersion.V500, lend: true));

        // No property length at all (MQTTnet's path refuses it as malformed).
        byte[] noPropertyLength = [0x00, 0x01, (byte)'a'];
        Assert.Null(BufferedPackets.TryDecode(0x30, noPropertyLength, 0, noPropertyLength.Length, MqttProtocolVersion.V500, lend: true));

        // A topic longer than the body, a QoS 1 PUBLISH without its packet identifier, an empty body.
        foreach (var version in Versions)
        {
            Assert.Null(BufferedPackets.TryDecode(0x30, [0x00, 0x0A, (byte)'a'], 0, 3, version, lend: true));
            Assert.Null(BufferedPackets.TryDecode(0x32, [0x00, 0x01, (byte)'a', 0x00], 0, 4, version, lend: true));
            Assert.Null(BufferedPackets.TryDecode(0x30, [], 0, 0, version, lend: true));
        }
    }

    [Fact]
    public void Malformed_publishes_it_takes_are_refused_as_on_MQTTnets_path()
    {
        foreach (var version in Versions)
        {
            byte[] nul = [0x00, 0x03, (byte)'a', 0x00, (byte)'b', 0x00];
            byte[] surrogate = [0x00, 0x04, (byte)'a', 0xED, 0xA0, 0x80, 0x00];
            byte[] qos3 = [0x00, 0x01, (byte)'a', 0x00, 0x01, 0x00];
            Assert.Equal(MqttDisconnectReasonCode.MalformedPacket,
                Assert.Throws<BadPacketException>(() => BufferedPackets.TryDecode(0x30, nul, 0, nul.Length, version, lend: true)).Reason);
            Assert.Equal(MqttDisconnectReasonCode.MalformedPacket,
                Assert.Throws<BadPacketException>(() => BufferedPackets.TryDecode(0x30, surrogate, 0, surrogate.Length, version, lend: true)).Reason);
            Assert.Equal(MqttDisconnectReasonCode.MalformedPacket,
                Assert.Throws<BadPacketException>(() => BufferedPackets.TryDecode(0x36, qos3, 0, qos3.Length, version, lend: true)).Reason);
        }
    }

    /// <summary>What parses but may not be routed: a wildcard or an empty topic without an alias ([MQTT-3.3.2-2],
    /// [MQTT-4.7.3-1]), packet identifier 0 at QoS 1 and 2 ([MQTT-2.3.1-1]), DUP on QoS 0 ([MQTT-3.3.1-2]). MQTT 5 gets
    /// the reason code the spec names (0x82 protocol error; 0x81 for DUP, a fixed header MQTT forbids); 3.1.1 only closes.</summary>
    [Fact]
    public void Publishes_that_may_not_be_routed_are_refused_before_routing()
    {
        foreach (var version in Versions)
        {
            var mqtt5 = version == MqttProtocolVersion.V500;
            foreach (var topic in new[] { "a/+/b", "a/#", "+", "#", "" })
            {
                var body = PublishBody(topic, null, version, "x"u8.ToArray());
                var refused = Assert.Throws<BadPacketException>(() => BufferedPackets.TryDecode(0x30, body, 0, body.Length, version, lend: true));
                Assert.Equal(mqtt5 || topic.Length > 0 ? MqttDisconnectReasonCode.ProtocolError : MqttDisconnectReasonCode.MalformedPacket, refused.Reason);
            }

            foreach (var first in new byte[] { 0x32, 0x34, 0x3A, 0x3C })
            {
                var body = PublishBody("a/b", 0, version, "x"u8.ToArray());
                Assert.Equal(MqttDisconnectReasonCode.ProtocolError,
                    Assert.Throws<BadPacketException>(() => BufferedPackets.TryDecode(first, body, 0, body.Length, version, lend: true)).Reason);
            }

            var dup = PublishBody("a/b", null, version, "x"u8.ToArray());
            Assert.Equal(MqttDisconnectReasonCode.MalformedPacket,
                Assert.Throws<BadPacketException>(() => BufferedPackets.TryDecode(0x38, dup, 0, dup.Length, version, lend: true)).Reason);

            // A refused topic is not kept: the next PUBLISH to it is refused again, a valid one still decodes.
            var wildcard = PublishBody("k/+", null, version, "x"u8.ToArray());
            Assert.Throws<BadPacketException>(() => BufferedPackets.TryDecode(0x30, wildcard, 0, wildcard.Length, version, lend: true));
            Assert.Throws<BadPacketException>(() => BufferedPackets.TryDecode(0x30, wildcard, 0, wildcard.Length, version, lend: true));
            var valid = PublishBody("k/1", 1, version, "x"u8.ToArray());
            Assert.Equal("k/1", Assert.IsType<MqttPublishPacket>(BufferedPackets.TryDecode(0x32, valid, 0, valid.Length, version, lend: true)).Topic);
        }
    }

    [Fact]
    public void A_fixed_header_is_read_once_it_is_all_there()
    {
        Assert.False(BufferedPackets.TryReadHeader([0x30], out _, out _, out _));
        Assert.False(BufferedPackets.TryReadHeader([0x30, 0x80], out _, out _, out _));
        Assert.True(BufferedPackets.TryReadHeader([0x30, 0x80, 0x01], out var first, out var header, out var body));
        Assert.Equal((0x30, 3, 128), (first, header, body));
        Assert.True(BufferedPackets.TryReadHeader([0x40, 0x02, 0x00], out first, out header, out body));
        Assert.Equal((0x40, 2, 2), (first, header, body));

        // A fifth length byte is the reader's to refuse (malformed): not read here.
        Assert.False(BufferedPackets.TryReadHeader([0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], out _, out _, out _));
    }

    static MqttPublishPacket Decode(string topic, string payload)
    {
        var body = PublishBody(topic, null, MqttProtocolVersion.V311, Encoding.UTF8.GetBytes(payload));
        return (MqttPublishPacket)BufferedPackets.TryDecode(0x30, body, 0, body.Length, MqttProtocolVersion.V311, lend: false)!;
    }

    static byte[] PublishBody(string topic, ushort? packetIdentifier, MqttProtocolVersion version, byte[] payload)
    {
        var topicBytes = Encoding.UTF8.GetBytes(topic);
        var body = new List<byte> { (byte)(topicBytes.Length >> 8), (byte)topicBytes.Length };
        body.AddRange(topicBytes);
        if (packetIdentifier is { } id)
        {
            body.Add((byte)(id >> 8));
            body.Add((byte)id);
        }

        if (version == MqttProtocolVersion.V500)
        {
            body.Add(0x00);
        }

        body.AddRange(payload);
        return [.. body];
    }

    /// <summary><paramref name="body"/> inside a larger buffer, as a read leaves it (other bytes before and after).</summary>
    static (byte[] Buffer, int Offset) InBuffer(byte[] body, int offset)
    {
        var buffer = new byte[offset + body.Length + 7];
        Array.Fill(buffer, (byte)0xAA);
        body.CopyTo(buffer, offset);
        return (buffer, offset);
    }

    static MqttPacket MqttNetDecode(MqttProtocolVersion version, byte first, byte[] body) =>
        new MqttPacketFormatterAdapter(version, new MqttBufferWriter(256, 4096))
            .Decode(new ReceivedMqttPacket(first, new ArraySegment<byte>(body.ToArray()), body.Length + 2));
}
