using MQTTnet.Adapter;
using MQTTnet.Formatter;
using MQTTnet.Packets;

namespace EdgeBroker.Host.Mqtt;

/// <summary>
/// MQTTnet's packet formatters, one per protocol version and thread, lent for the encoding or decoding of one packet.
/// A formatter per connection cost every idle connection about 250 bytes (an MQTT 5 one over 1 KB: its properties
/// writer starts at 1 KB), for something a connection uses only while a packet passes, synchronously. MQTTnet's
/// formatter keeps nothing between packets but its protocol version and its buffers (topic aliases are EdgeBroker's:
/// <see cref="EdgeBroker.Core.Flow.InboundTopicAliases"/>, <see cref="EdgeBroker.Core.Flow.OutboundTopicAliases"/>), so
/// the connection keeps only its version and asks for the formatter of that version when it encodes or decodes. The
/// work is never suspended between taking a formatter and finishing with it, so one per thread is never shared.
/// </summary>
static class PacketFormatters
{
    /// <summary>The encoding buffer a formatter starts with: the fixed header, topic and properties of most packets (the
    /// payload is not copied into it).</summary>
    const int EncodeBufferBytes = 256;

    /// <summary>What an encoding buffer shrinks back to after a larger packet.</summary>
    const int EncodeBufferMaxBytes = 4096;

    [ThreadStatic]
    static MqttPacketFormatterAdapter? t_v310;

    [ThreadStatic]
    static MqttPacketFormatterAdapter? t_v311;

    [ThreadStatic]
    static MqttPacketFormatterAdapter? t_v500;

    /// <summary>Decodes <paramref name="packet"/> as <paramref name="version"/> says; the packet decoded copies what it
    /// keeps of the bytes.</summary>
    public static MqttPacket Decode(MqttProtocolVersion version, ReceivedMqttPacket packet) => For(version).Decode(packet);

    /// <summary>Encodes <paramref name="packet"/>; the bytes are the formatter's until the result is disposed, which must
    /// happen before anything else is encoded on this thread.</summary>
    public static Encoded Encode(MqttProtocolVersion version, MqttPacket packet)
    {
        var formatter = For(version);
        return new Encoded(formatter, formatter.Encode(packet));
    }

    /// <summary>This thread's formatter for <paramref name="version"/>, made at its first use.</summary>
    static MqttPacketFormatterAdapter For(MqttProtocolVersion version) => version switch
    {
        MqttProtocolVersion.V500 => t_v500 ??= Made(version),
        MqttProtocolVersion.V311 => t_v311 ??= Made(version),
        MqttProtocolVersion.V310 => t_v310 ??= Made(version),
        _ => throw new InvalidOperationException("The connection's protocol version is not known yet."),
    };

    static MqttPacketFormatterAdapter Made(MqttProtocolVersion version) =>
        new(version, new MqttBufferWriter(EncodeBufferBytes, EncodeBufferMaxBytes));

    /// <summary>One encoded packet, lent: its bytes are valid until <see cref="Dispose"/>, which lets the formatter's
    /// buffer shrink back after a large packet.</summary>
    public readonly ref struct Encoded(MqttPacketFormatterAdapter formatter, MqttPacketBuffer buffer)
    {
        public MqttPacketBuffer Buffer => buffer;

        public void Dispose() => formatter.Cleanup();
    }
}
