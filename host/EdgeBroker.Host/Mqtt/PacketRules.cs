using System.Text.Unicode;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace EdgeBroker.Host.Mqtt;

/// <summary>
/// The packet rules MQTTnet 5.2 does not enforce, checked on the raw bytes before MQTTnet decodes them: the reserved
/// flags of the fixed header ([MQTT-2.2.2-1], [MQTT-2.2.2-2], [MQTT-3.3.1-4]), reserved packet types, and that topic
/// names and filters are well-formed UTF-8 without U+0000 ([MQTT-1.5.3-1], [MQTT-1.5.3-2]; MQTTnet's decoder would
/// turn bad bytes into U+FFFD and route them). Each violation throws <see cref="BadPacketException"/>.
/// </summary>
static class PacketRules
{
    const int Publish = 3;
    const int PubRel = 6;
    const int Subscribe = 8;
    const int Unsubscribe = 10;
    const int Auth = 15;
    const int TopicAliasProperty = 0x23;

    /// <summary>The protocol version a CONNECT names when the broker speaks it — MQTT level 5 or 4, MQIsdp level 3 —;
    /// otherwise <see cref="MqttProtocolVersion.Unknown"/>, with <paramref name="unsupported"/> the name and level it
    /// gave (MQTT level 3, MQIsdp level 4: [MQTT-3.1.2-2], answered with CONNACK 0x01). A body too short for a name and a
    /// level, or another name, is malformed.</summary>
    public static MqttProtocolVersion ProtocolVersion(ReadOnlySpan<byte> connectBody, out string? unsupported)
    {
        unsupported = null;
        if (connectBody.Length >= 2)
        {
            var nameLength = (connectBody[0] << 8) | connectBody[1];
            if (connectBody.Length > 2 + nameLength)
            {
                var name = connectBody.Slice(2, nameLength);
                int level = connectBody[2 + nameLength];
                if (name.SequenceEqual("MQTT"u8))
                {
                    unsupported = level is 4 or 5 ? null : $"MQTT level {level}";
                    return level == 5 ? MqttProtocolVersion.V500 : level == 4 ? MqttProtocolVersion.V311 : MqttProtocolVersion.Unknown;
                }

                if (name.SequenceEqual("MQIsdp"u8))
                {
                    unsupported = level == 3 ? null : $"MQIsdp level {level}";
                    return level == 3 ? MqttProtocolVersion.V310 : MqttProtocolVersion.Unknown;
                }
            }
        }

        throw Malformed("a CONNECT without the protocol name MQTT or MQIsdp and a protocol level");
    }

    /// <summary>Checks the first byte of a packet, before its body is read.</summary>
    public static void CheckFixedHeader(byte first, MqttProtocolVersion version)
    {
        var type = first >> 4;
        var flags = first & 0x0F;
        if (type == 0 || (type == Auth && version != MqttProtocolVersion.V500))
        {
            throw Malformed($"reserved packet type {type}");
        }

        if (type == Publish)
        {
            if ((flags & 0x06) == 0x06)
            {
                throw Malformed("PUBLISH with QoS 3");
            }
        }
        else if (flags != (type is PubRel or Subscribe or Unsubscribe ? 0x02 : 0x00))
        {
            throw Malformed($"reserved flags of packet type {type} are wrong");
        }
    }

    /// <summary>Checks the topic name of a PUBLISH and the filters of a SUBSCRIBE or UNSUBSCRIBE.</summary>
    public static void CheckStrings(byte first, ReadOnlySpan<byte> body, MqttProtocolVersion version)
    {
        switch (first >> 4)
        {
            case Publish:
                CheckString(body, 0);
                break;
            case Subscribe:
                CheckFilters(body, version, optionsByte: true);
                break;
            case Unsubscribe:
                CheckFilters(body, version, optionsByte: false);
                break;
        }
    }

    /// <summary>The Topic Alias property of an MQTT 5 PUBLISH body (<paramref name="first"/> is its fixed header's first
    /// byte), or -1 when it has none. Read from the bytes because MQTTnet's decoder turns an alias of 0 — a protocol
    /// error the broker must answer with DISCONNECT 0x94 — into "no alias".</summary>
    public static int TopicAlias(byte first, ReadOnlySpan<byte> body)
    {
        var at = CheckString(body, 0) + (((first >> 1) & 0x03) > 0 ? 2 : 0);
        var propertiesLength = ReadVariableByteInteger(body, ref at);
        var end = at + propertiesLength;
        if (end > body.Length)
        {
            throw Malformed("PUBLISH properties longer than the packet");
        }

        while (at < end)
        {
            var id = ReadVariableByteInteger(body, ref at);
            if (id == TopicAliasProperty)
            {
                return at + 2 <= end ? (body[at] << 8) | body[at + 1] : throw Malformed("a Topic Alias cut short");
            }

            at += PropertyLength(id, body, at);
        }

        return -1;
    }

    /// <summary>The bytes of the value of property <paramref name="id"/> starting at <paramref name="at"/> (MQTT 5 §2.2.2.2).</summary>
    static int PropertyLength(int id, ReadOnlySpan<byte> body, int at)
    {
        switch (id)
        {
            case 0x01: case 0x17: case 0x19: case 0x24: case 0x25: case 0x28: case 0x29: case 0x2A:
                return 1;
            case 0x13: case 0x21: case 0x22: case TopicAliasProperty:
                return 2;
            case 0x02: case 0x11: case 0x18: case 0x27:
                return 4;
            case 0x0B:
                var start = at;
                ReadVariableByteInteger(body, ref at);
                return at - start;
            case 0x03: case 0x08: case 0x09: case 0x12: case 0x15: case 0x16: case 0x1A: case 0x1C: case 0x1F:
                return 2 + PrefixedLength(body, at);
            case 0x26:
                var value = at + 2 + PrefixedLength(body, at);
                return value - at + 2 + PrefixedLength(body, value);
            default:
                throw Malformed($"unknown property 0x{id:X2}");
        }
    }

    static int PrefixedLength(ReadOnlySpan<byte> body, int at) =>
        at + 2 <= body.Length ? (body[at] << 8) | body[at + 1] : throw Malformed("packet shorter than its fields say");

    static void CheckFilters(ReadOnlySpan<byte> body, MqttProtocolVersion version, bool optionsByte)
    {
        // Packet identifier, then (MQTT 5) the properties.
        var at = 2;
        if (version == MqttProtocolVersion.V500)
        {
            var propertiesLength = ReadVariableByteInteger(body, ref at);
            at += propertiesLength;
        }

        while (at < body.Length)
        {
            at = CheckString(body, at) + (optionsByte ? 1 : 0);
        }

        if (at > body.Length)
        {
            throw Malformed("packet shorter than its fields say");
        }
    }

    /// <summary>Checks the length-prefixed string at <paramref name="at"/> and returns where the next field starts.</summary>
    static int CheckString(ReadOnlySpan<byte> body, int at)
    {
        if (at + 2 > body.Length)
        {
            throw Malformed("packet shorter than its fields say");
        }

        var length = (body[at] << 8) | body[at + 1];
        var start = at + 2;
        if (start + length > body.Length)
        {
            throw Malformed("a topic longer than its packet");
        }

        var text = body.Slice(start, length);
        if (!Utf8.IsValid(text) || text.Contains((byte)0))
        {
            throw Malformed("a topic that is not well-formed UTF-8 or contains U+0000");
        }

        return start + length;
    }

    /// <summary>Whether an MQTT 5 DISCONNECT's properties hold a Session Expiry Interval (0x11). MQTTnet decodes an absent
    /// one as 0, which would mean "end the session now" rather than "keep the CONNECT's" (§3.14.2.2.2).</summary>
    public static bool DisconnectCarriesSessionExpiry(ReadOnlySpan<byte> body)
    {
        if (body.Length < 2)
        {
            return false;
        }

        var at = 1;
        var end = ReadVariableByteInteger(body, ref at);
        end += at;
        while (at < end && at < body.Length)
        {
            switch (body[at++])
            {
                case 0x11:
                    return true;
                case 0x1F: // reason string
                case 0x1C: // server reference
                    at = SkipString(body, at);
                    break;
                case 0x26: // user property: a name and a value
                    at = SkipString(body, SkipString(body, at));
                    break;
                default:
                    return false; // not a DISCONNECT property: MQTTnet's decoder refuses the packet
            }
        }

        return false;
    }

    static int SkipString(ReadOnlySpan<byte> body, int at) =>
        at + 2 <= body.Length ? at + 2 + ((body[at] << 8) | body[at + 1]) : body.Length;

    static int ReadVariableByteInteger(ReadOnlySpan<byte> body, ref int at)
    {
        var value = 0;
        for (var shift = 0; shift < 28; shift += 7)
        {
            if (at >= body.Length)
            {
                break;
            }

            var digit = body[at++];
            value |= (digit & 0x7F) << shift;
            if ((digit & 0x80) == 0)
            {
                return value;
            }
        }

        throw Malformed("a property length that does not end");
    }

    static BadPacketException Malformed(string problem) => new(problem, MqttDisconnectReasonCode.MalformedPacket);
}
