using System.Text;
using EdgeBroker.Core.Text;
using EdgeBroker.Core.Wire;
using EdgeBroker.Firmware.Relay.Codec;
using EdgeBroker.Relay.Tests.Support;

namespace EdgeBroker.Relay.Tests.Codec;

/// <summary>The MQTT 3.1.1 codec's rules, one by one, against packets built independently of it.</summary>
public class CodecTests
{
    [Fact]
    public void Connect_fields_are_decoded()
    {
        var connect = ConnectPacket.Decode(Body(Packets.Connect("GID_a@@@dev", 30, cleanSession: false, "status/dev", "gone", "user", "secret")));

        Assert.Equal(ConnectReturnCode.Accepted, connect.ReturnCode);
        Assert.Equal("GID_a@@@dev", connect.ClientId);
        Assert.False(connect.CleanSession);
        Assert.Equal(30, connect.KeepAliveSeconds);
        Assert.Equal("status/dev", connect.WillTopic);
        Assert.Equal("gone", Encoding.UTF8.GetString(connect.WillPayload));
        Assert.Equal("user", connect.UserName);
        Assert.Equal("secret", Encoding.UTF8.GetString(connect.Password));
    }

    [Theory]
    [InlineData(5)]
    [InlineData(3)]
    public void Other_protocol_levels_get_unacceptable_protocol_version(int level)
    {
        var packet = Packets.Connect("x");
        packet[8] = (byte)level;

        Assert.Equal(ConnectReturnCode.UnacceptableProtocolVersion, ConnectPacket.Decode(Body(packet)).ReturnCode);
    }

    [Theory]
    [InlineData(0x01, "reserved flag")]
    [InlineData(0x18, "will QoS 3")]
    [InlineData(0x08, "will QoS without a will")]
    [InlineData(0x40, "password without user name")]
    public void Invalid_connect_flags_are_malformed(int flags, string why)
    {
        var packet = Packets.Connect("x");
        packet[9] = (byte)flags;

        Assert.Throws<MalformedPacketException>(() => ConnectPacket.Decode(Body(packet)));
        Assert.NotNull(why);
    }

    [Fact]
    public void Trailing_bytes_after_a_connect_are_malformed()
    {
        var packet = Packets.Connect("x").Concat(new byte[] { 0 }).ToArray();
        packet[1]++;

        Assert.Throws<MalformedPacketException>(() => ConnectPacket.Decode(Body(packet)));
    }

    [Theory]
    [InlineData(0x30, true)]
    [InlineData(0x3B, true)]
    [InlineData(0x36, false)]
    [InlineData(0x82, true)]
    [InlineData(0x80, false)]
    [InlineData(0x62, true)]
    [InlineData(0x60, false)]
    [InlineData(0xA2, true)]
    [InlineData(0xC0, true)]
    [InlineData(0xC1, false)]
    [InlineData(0x00, false)]
    [InlineData(0xF0, false)]
    public void First_bytes_are_checked_for_type_and_reserved_flags(int firstByte, bool valid)
    {
        if (valid)
        {
            Assert.Equal(firstByte >> 4, FixedHeader.TypeOf(firstByte));
        }
        else
        {
            Assert.Throws<MalformedPacketException>(() => FixedHeader.TypeOf(firstByte));
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(127)]
    [InlineData(128)]
    [InlineData(16383)]
    [InlineData(16384)]
    [InlineData(2097151)]
    [InlineData(2097152)]
    [InlineData(268435455)]
    public void Remaining_length_round_trips_in_the_fewest_bytes(int length)
    {
        var bytes = new byte[4];
        int written = RemainingLength.Write(bytes, 0, length);
        Assert.Equal(RemainingLength.Size(length), written);

        int decoded = 0;
        for (int i = 0; i < written; i++)
        {
            decoded = FixedHeader.AddLengthByte(decoded, i, bytes[i]);
            Assert.Equal(i == written - 1, FixedHeader.IsLastLengthByte(bytes[i]));
        }

        Assert.Equal(length, decoded);
    }

    [Fact]
    public void A_fifth_remaining_length_byte_is_malformed()
    {
        Assert.Throws<MalformedPacketException>(() => FixedHeader.AddLengthByte(0, 3, 0x80));
    }

    [Fact]
    public void Publish_encoding_decodes_back()
    {
        var buffer = new byte[64];
        const string topic = "a/ü/b";
        int topicBytes = Utf8.EncodedLength(topic);
        var payload = "xyz"u8.ToArray();
        PacketWriter.WritePublish(buffer, 0, topic, topicBytes, payload, 0, 3, 1, true, true, 513);
        int size = PacketWriter.PublishSize(topicBytes, 3, 1);

        var reader = new PacketReader(new StringDecoder());
        reader.Reset(buffer, 2, size - 2);
        var publish = new PublishPacket();
        publish.Decode(buffer[0] & 0x0F, reader);

        Assert.Equal((1, true, true, 513), (publish.Qos, publish.Retain, publish.Duplicate, publish.PacketId));
        Assert.Equal(topic, reader.DecodeString(buffer, publish.TopicOffset, publish.TopicLength));
        Assert.Equal("xyz", Encoding.UTF8.GetString(buffer, publish.PayloadOffset, publish.PayloadLength));
    }

    [Fact]
    public void Qos0_publish_with_dup_is_malformed()
    {
        var packet = Packets.Publish("a", "b");
        var reader = Body(packet);

        Assert.Throws<MalformedPacketException>(() => new PublishPacket().Decode(0x08, reader));
    }

    [Theory]
    [InlineData(new byte[] { 0xC3, 0x28 })]
    [InlineData(new byte[] { 0xC0, 0x80 })]
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })]
    [InlineData(new byte[] { 0xF4, 0x90, 0x80, 0x80 })]
    [InlineData(new byte[] { 0x61, 0x00 })]
    [InlineData(new byte[] { 0xE2, 0x82 })]
    public void Strings_that_are_not_mqtt_utf8_are_refused(byte[] bytes)
    {
        Assert.Equal(-1, Utf8.DecodeMqtt(bytes, 0, bytes.Length, new char[bytes.Length]));
    }

    [Fact]
    public void Subscribe_options_above_qos_2_are_malformed()
    {
        Assert.Throws<MalformedPacketException>(() => SubscribePacket.Decode(Body(Packets.Subscribe(1, ("a", 3)))));
        Assert.Throws<MalformedPacketException>(() => SubscribePacket.Decode(Body(Packets.Subscribe(1, ("a", 4)))));
    }

    [Fact]
    public void Subscribe_and_unsubscribe_need_a_filter_and_a_non_zero_packet_id()
    {
        Assert.Throws<MalformedPacketException>(() => SubscribePacket.Decode(Body(Packets.Subscribe(1))));
        Assert.Throws<MalformedPacketException>(() => UnsubscribePacket.Decode(Body(Packets.Unsubscribe(1))));
        Assert.Throws<MalformedPacketException>(() => SubscribePacket.Decode(Body(Packets.Subscribe(0, ("a", 1)))));
    }

    [Fact]
    public void Suback_carries_one_code_per_filter()
    {
        var buffer = new byte[PacketWriter.SubAckSize(3)];
        PacketWriter.WriteSubAck(buffer, 0, 258, [0, 1, 0x80]);

        Assert.Equal(new byte[] { 0x90, 5, 1, 2, 0, 1, 0x80 }, buffer);
    }

    static PacketReader Body(byte[] packet)
    {
        int lengthBytes = 1;
        while ((packet[lengthBytes] & 0x80) != 0)
        {
            lengthBytes++;
        }

        var reader = new PacketReader(new StringDecoder());
        reader.Reset(packet, 1 + lengthBytes, packet.Length - 1 - lengthBytes);
        return reader;
    }
}
