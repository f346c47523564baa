using EdgeBroker.Core.Text;
using EdgeBroker.Core.Topics;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace EdgeBroker.Host.Mqtt;

/// <summary>
/// The packet rules MQTTnet 5.2 does not enforce, checked on the raw bytes before MQTTnet decodes them (and before
/// anything is routed): the reserved flags of the fixed header ([MQTT-2.2.2-1], [MQTT-2.2.2-2], [MQTT-3.3.1-4], DUP on
/// QoS 0 [MQTT-3.3.1-2]), reserved packet types, a body where none may be (PINGREQ), packet identifiers that are not 0
/// ([MQTT-2.3.1-1]), topic names (non-empty unless an MQTT 5 topic alias stands for them, no wildcards:
/// [MQTT-3.3.2-1], [MQTT-3.3.2-2], [MQTT-4.7.3-1]), SUBSCRIBE and UNSUBSCRIBE payloads (at least one filter, the options
/// byte's reserved bits and values), the CONNECT's flags, the length of acknowledgements and DISCONNECT, MQTT 5
/// properties of every packet a client sends (<see cref="NextProperty"/>), and that every
/// UTF-8 string the broker acts on or passes on — topic names and filters, the client ID, the user name, the will topic,
/// string properties — is well-formed UTF-8 without U+0000 ([MQTT-1.5.3-1], [MQTT-1.5.3-2], [MQTT-1.5.4-1],
/// [MQTT-1.5.4-2]; MQTTnet's decoder would turn bad bytes into U+FFFD, so <c>dev\xff</c> and <c>dev\xfe</c> would be one
/// client, and a PUBLISH's properties would reach its subscribers rewritten). UTF-8 and topic-name validity are the
/// core's (<see cref="Utf8"/>, <see cref="TopicValidator"/>), as on the relay. Each violation throws <see cref="BadPacketException"/> with the
/// MQTT 5 reason code: 0x81 for what cannot be parsed as the specification says, 0x82 for what parses but is not allowed
/// (MQTT 5 §1.2, §4.13).
/// </summary>
static class PacketRules
{
    const int Publish = 3;
    const int PubAck = 4;
    const int PubRec = 5;
    const int PubRel = 6;
    const int PubComp = 7;
    const int Subscribe = 8;
    const int Unsubscribe = 10;
    const int PingReq = 12;
    const int Disconnect = 14;
    const int Auth = 15;
    const int ResponseTopicProperty = 0x08;
    const int SubscriptionIdentifierProperty = 0x0B;
    const int SessionExpiryIntervalProperty = 0x11;
    const int AuthenticationMethodProperty = 0x15;
    const int AuthenticationDataProperty = 0x16;
    const int ReceiveMaximumProperty = 0x21;
    const int TopicAliasProperty = 0x23;
    const int UserProperty = 0x26;
    const int MaximumPacketSizeProperty = 0x27;

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

    /// <summary>Checks the fixed header of a packet (its first byte and the length of its body), before its body is read.</summary>
    public static void CheckFixedHeader(byte first, int bodyLength, MqttProtocolVersion version)
    {
        CheckFixedHeader(first, version);
        if (first >> 4 == PingReq && bodyLength != 0)
        {
            throw Malformed("PINGREQ with a body");
        }
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

            if ((flags & 0x0E) == 0x08)
            {
                throw Malformed("QoS 0 PUBLISH with DUP set [MQTT-3.3.1-2]");
            }
        }
        else if (flags != (type is PubRel or Subscribe or Unsubscribe ? 0x02 : 0x00))
        {
            throw Malformed($"reserved flags of packet type {type} are wrong");
        }
    }

    /// <summary>Checks the body of a packet other than CONNECT and PUBLISH (<see cref="CheckConnect"/>,
    /// <see cref="PublishTopic"/>): the packet identifier of PUBREL, SUBSCRIBE and UNSUBSCRIBE and the payload of the
    /// last two, and PUBACK, PUBREC, PUBREL, PUBCOMP and DISCONNECT as far as MQTTnet's decoder does not: their length
    /// and their MQTT 5 properties. <paramref name="buffer"/> holds the body at <paramref name="offset"/>.</summary>
    public static void CheckBody(byte first, byte[] buffer, int offset, int length, MqttProtocolVersion version)
    {
        switch (first >> 4)
        {
            case PubAck:
                CheckAcknowledgement(buffer, offset, length, version, "PUBACK");
                break;
            case PubRec:
                CheckAcknowledgement(buffer, offset, length, version, "PUBREC");
                break;
            case PubRel:
                CheckPacketIdentifier(buffer.AsSpan(offset, length), 0, "PUBREL");
                CheckAcknowledgement(buffer, offset, length, version, "PUBREL");
                break;
            case PubComp:
                CheckAcknowledgement(buffer, offset, length, version, "PUBCOMP");
                break;
            case Subscribe:
                CheckFilters(buffer, offset, length, version, subscribe: true);
                break;
            case Unsubscribe:
                CheckFilters(buffer, offset, length, version, subscribe: false);
                break;
            case Disconnect:
                DisconnectProperties(buffer, offset, length, version);
                break;
        }
    }

    /// <summary>
    /// A PUBACK, PUBREC, PUBREL or PUBCOMP body: in MQTT 3.1.1 the packet identifier and nothing else (§3.4.1: a
    /// Remaining Length of 2; MQTTnet would read the identifier and skip the rest); in MQTT 5 the identifier, then
    /// optionally a reason code and properties (§3.4.2), each property as <see cref="NextProperty"/> says — a Reason
    /// String and User Properties well-formed without U+0000, the Reason String once. MQTTnet refuses a property
    /// these packets do not carry (0x81), but passes bad UTF-8 on as U+FFFD and keeps the last of two Reason Strings.
    /// </summary>
    static void CheckAcknowledgement(byte[] buffer, int offset, int length, MqttProtocolVersion version, string what)
    {
        if (version != MqttProtocolVersion.V500)
        {
            if (length != 2)
            {
                throw Malformed($"{what} of {length} bytes; in MQTT 3.1.1 it is its 2-byte packet identifier only");
            }

            return;
        }

        if (length < 2)
        {
            throw Malformed($"{what} without its packet identifier");
        }

        if (length > 3)
        {
            CheckProperties(buffer, offset, buffer.AsSpan(offset, length), 3, what);
        }
    }

    /// <summary>
    /// Checks a DISCONNECT body and returns the MQTT 5 properties it has (a bit per identifier, as
    /// <see cref="NextProperty"/> keeps them). MQTT 3.1.1 gives DISCONNECT no body (§3.14: MQTTnet would take one as a
    /// clean disconnection and discard the will); MQTT 5 optionally a reason code, then properties (§3.14.2).
    /// </summary>
    static ulong DisconnectProperties(byte[] buffer, int offset, int length, MqttProtocolVersion version)
    {
        if (version != MqttProtocolVersion.V500)
        {
            return length == 0 ? 0UL : throw Malformed($"DISCONNECT with a body of {length} bytes; in MQTT 3.1.1 it has none");
        }

        return length > 1 ? CheckProperties(buffer, offset, buffer.AsSpan(offset, length), 1, "DISCONNECT") : 0UL;
    }

    /// <summary>Checks the MQTT 5 properties at <paramref name="at"/> of <paramref name="body"/>, which end the packet
    /// (nothing follows the properties of an acknowledgement or a DISCONNECT), each as <see cref="NextProperty"/> says;
    /// returns the identifiers met, a bit each.</summary>
    static ulong CheckProperties(byte[] buffer, int offset, ReadOnlySpan<byte> body, int at, string what)
    {
        var end = ReadVariableByteInteger(body, ref at) + at;
        if (end != body.Length)
        {
            throw Malformed($"{what} properties {(end > body.Length ? "longer than the packet" : "followed by bytes the packet does not have")}");
        }

        var seen = 0UL;
        while (at < end)
        {
            NextProperty(buffer, offset, body, ref at, end, ref seen, what, out _);
        }

        return seen;
    }

    /// <summary>
    /// Checks a PUBLISH body (at <paramref name="offset"/> in <paramref name="buffer"/>) as far as the broker reads it
    /// before routing, and returns its topic name: well-formed, no wildcards, not empty — an empty one only with an
    /// MQTT 5 Topic Alias (<paramref name="alias"/>, -1 for none), which the caller resolves —; a packet identifier that
    /// is not 0 at QoS 1 and 2; no Subscription Identifier from a client ([MQTT-3.3.4-6]). An ASCII topic the thread has
    /// met before (<see cref="TopicNames"/>) was checked then: it costs a hash and a comparison.
    /// </summary>
    public static string PublishTopic(byte first, byte[] buffer, int offset, int length, MqttProtocolVersion version, out int alias)
    {
        var body = buffer.AsSpan(offset, length);
        if (body.Length < 2)
        {
            throw Malformed("packet shorter than its fields say");
        }

        var topicLength = (body[0] << 8) | body[1];
        var at = 2 + topicLength;
        if (at > body.Length)
        {
            throw Malformed("a topic longer than its packet");
        }

        var qos = (first >> 1) & 0x03;
        if (qos > 0)
        {
            CheckPacketIdentifier(body, at, "PUBLISH");
            at += 2;
        }

        alias = version == MqttProtocolVersion.V500 ? PublishProperties(buffer, offset, body, at) : -1;
        if (topicLength == 0)
        {
            if (alias < 0)
            {
                throw version == MqttProtocolVersion.V500
                    ? ProtocolError("PUBLISH with an empty topic and no topic alias [MQTT-3.3.2-1]")
                    : Malformed("PUBLISH with an empty topic [MQTT-4.7.3-1]");
            }

            return string.Empty;
        }

        if (TopicNames.Get(buffer, offset + 2, topicLength) is { } topic)
        {
            return topic;
        }

        throw Utf8.IsValidMqtt(buffer, offset + 2, topicLength)
            ? ProtocolError("PUBLISH to a topic name with a wildcard + or # [MQTT-3.3.2-2]")
            : Malformed("a topic that is not well-formed UTF-8 or contains U+0000");
    }

    /// <summary>The Topic Alias property of an MQTT 5 PUBLISH body whose properties start at <paramref name="at"/>, or
    /// -1 when it has none. Read from the bytes because MQTTnet's decoder turns an alias of 0 — a protocol error the
    /// broker must answer with DISCONNECT 0x94 — into "no alias". A Subscription Identifier is a protocol error here;
    /// every property is checked as <see cref="NextProperty"/> says, as the PUBLISH passes them on to its receivers. A
    /// PUBLISH without properties costs one comparison.</summary>
    static int PublishProperties(byte[] buffer, int offset, ReadOnlySpan<byte> body, int at)
    {
        if (at >= body.Length)
        {
            throw Malformed("PUBLISH without its properties' length");
        }

        if (body[at] == 0)
        {
            return -1;
        }

        var propertiesLength = ReadVariableByteInteger(body, ref at);
        var end = at + propertiesLength;
        if (end > body.Length)
        {
            throw Malformed("PUBLISH properties longer than the packet");
        }

        var alias = -1;
        var seen = 0UL;
        while (at < end)
        {
            var id = NextProperty(buffer, offset, body, ref at, end, ref seen, "PUBLISH", out var valueAt);
            if (id == TopicAliasProperty)
            {
                alias = (body[valueAt] << 8) | body[valueAt + 1];
            }
            else if (id == SubscriptionIdentifierProperty)
            {
                throw ProtocolError("PUBLISH from a client with a Subscription Identifier [MQTT-3.3.4-6]");
            }
        }

        return alias;
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

    /// <summary>
    /// Reads the MQTT 5 property at <paramref name="at"/> of <paramref name="body"/> (which starts at
    /// <paramref name="offset"/> of <paramref name="buffer"/>) in properties ending at <paramref name="end"/>: returns its
    /// identifier, with <paramref name="valueAt"/> where its value starts, and moves <paramref name="at"/> past it. Checks
    /// what holds for a property in any packet a client sends: it lies within the properties' length; it comes once,
    /// but a User Property (<paramref name="seen"/> has a bit per identifier; MQTT 5 §2.2.2.2, each property's "It is a
    /// Protocol Error to include … more than once"); a one-byte property is 0 or 1 (every one of them is a flag: Payload
    /// Format Indicator §3.3.2.3.2, Request Problem / Response Information §3.1.2.11.6-7); a UTF-8 string — both of a
    /// User Property's — is well-formed without U+0000 ([MQTT-1.5.4-1], [MQTT-1.5.4-2], [MQTT-1.5.7-1]), and a Response
    /// Topic is a topic name ([MQTT-3.3.2-14]: no wildcard, not empty, <see cref="TopicNames"/>). MQTTnet would pass bad
    /// bytes on as U+FFFD; 0x81 for them, 0x82 for what parses but is not allowed (<paramref name="what"/> names the
    /// packet in the problem).
    /// </summary>
    static int NextProperty(byte[] buffer, int offset, ReadOnlySpan<byte> body, ref int at, int end, ref ulong seen, string what, out int valueAt)
    {
        var id = ReadVariableByteInteger(body, ref at);
        valueAt = at;
        at += PropertyLength(id, body, at);
        if (at > end)
        {
            throw Malformed($"{what} properties longer than their length says");
        }

        // Property identifiers run up to 0x2A (PropertyLength refused any other): one bit each.
        if (id != UserProperty)
        {
            if ((seen & (1UL << id)) != 0)
            {
                throw ProtocolError($"{what} with property 0x{id:X2} twice (MQTT 5 §2.2.2.2)");
            }

            seen |= 1UL << id;
        }

        switch (id)
        {
            case 0x01: case 0x17: case 0x19: case 0x24: case 0x25: case 0x28: case 0x29: case 0x2A:
                if (body[valueAt] > 1)
                {
                    throw ProtocolError($"{what} with property 0x{id:X2} = {body[valueAt]}, not 0 or 1, the only values MQTT 5 gives it");
                }

                break;
            case ResponseTopicProperty:
                var topicLength = (body[valueAt] << 8) | body[valueAt + 1];
                if (TopicNames.Get(buffer, offset + valueAt + 2, topicLength) is null)
                {
                    throw Utf8.IsValidMqtt(buffer, offset + valueAt + 2, topicLength)
                        ? ProtocolError($"{what} with a Response Topic that is not a topic name: a wildcard + or #, or empty [MQTT-3.3.2-14]")
                        : Malformed($"{what} with a Response Topic that is not well-formed UTF-8 or contains U+0000 [MQTT-1.5.4-1], [MQTT-1.5.4-2]");
                }

                break;
            case 0x03: case 0x12: case 0x15: case 0x1A: case 0x1C: case 0x1F:
                CheckPropertyString(buffer, offset, body, valueAt, id, what);
                break;
            case UserProperty:
                CheckPropertyString(buffer, offset, body, CheckPropertyString(buffer, offset, body, valueAt, id, what), id, what);
                break;
        }

        return id;
    }

    /// <summary>Checks the UTF-8 string at <paramref name="at"/> of property <paramref name="id"/>'s value (its bounds
    /// already checked by <see cref="NextProperty"/>) and returns where it ends.</summary>
    static int CheckPropertyString(byte[] buffer, int offset, ReadOnlySpan<byte> body, int at, int id, string what)
    {
        var length = (body[at] << 8) | body[at + 1];
        if (!Utf8.IsValidMqtt(buffer, offset + at + 2, length))
        {
            throw Malformed($"{what} with property 0x{id:X2} not well-formed UTF-8 or containing U+0000 [MQTT-1.5.4-1], [MQTT-1.5.4-2]");
        }

        return at + 2 + length;
    }

    /// <summary>A SUBSCRIBE's or UNSUBSCRIBE's packet identifier, properties (MQTT 5) and filters: at least one
    /// ([MQTT-3.8.3-3], [MQTT-3.10.3-2]), each well-formed UTF-8, and each SUBSCRIBE options byte with its reserved bits 0
    /// and a QoS (and MQTT 5 Retain Handling) that exists ([MQTT-3-8.3-4]; MQTT 5 §3.8.3.1, [MQTT-3.8.3-5]).</summary>
    static void CheckFilters(byte[] buffer, int offset, int length, MqttProtocolVersion version, bool subscribe)
    {
        var body = buffer.AsSpan(offset, length);
        var name = subscribe ? "SUBSCRIBE" : "UNSUBSCRIBE";
        var mqtt5 = version == MqttProtocolVersion.V500;
        CheckPacketIdentifier(body, 0, name);
        var at = 2;
        if (mqtt5)
        {
            var propertiesLength = ReadVariableByteInteger(body, ref at);
            var end = at + propertiesLength;
            if (end > body.Length)
            {
                throw Malformed($"{name} properties longer than the packet");
            }

            var seen = 0UL;
            while (at < end)
            {
                var id = NextProperty(buffer, offset, body, ref at, end, ref seen, name, out var valueAt);
                if (id == SubscriptionIdentifierProperty && ReadVariableByteInteger(body, ref valueAt) == 0)
                {
                    throw ProtocolError("SUBSCRIBE with Subscription Identifier 0 (MQTT 5 §3.8.2.1.2)");
                }
            }
        }

        if (at >= body.Length)
        {
            var problem = $"{name} without a topic filter " + (subscribe ? "[MQTT-3.8.3-3]" : "[MQTT-3.10.3-2]");
            throw mqtt5 ? ProtocolError(problem) : Malformed(problem);
        }

        while (at < body.Length)
        {
            at = CheckString(buffer, offset, body, at);
            if (!subscribe)
            {
                continue;
            }

            if (at >= body.Length)
            {
                throw Malformed("SUBSCRIBE filter without its options byte");
            }

            int options = body[at++];
            if ((options & (mqtt5 ? 0xC0 : 0xFC)) != 0)
            {
                throw Malformed($"SUBSCRIBE options 0x{options:X2} with reserved bits set " + (mqtt5 ? "[MQTT-3.8.3-5]" : "[MQTT-3-8.3-4]"));
            }

            if ((options & 0x03) == 0x03)
            {
                throw mqtt5 ? ProtocolError("SUBSCRIBE with maximum QoS 3 (MQTT 5 §3.8.3.1)") : Malformed("SUBSCRIBE with QoS 3 [MQTT-3-8.3-4]");
            }

            if ((options & 0x30) == 0x30)
            {
                throw ProtocolError("SUBSCRIBE with Retain Handling 3 (MQTT 5 §3.8.3.1)");
            }
        }
    }

    /// <summary>
    /// Checks a CONNECT body (at <paramref name="offset"/> in <paramref name="buffer"/>, its protocol name and level
    /// read by <see cref="ProtocolVersion"/>) before MQTTnet decodes it: the flags ([MQTT-3.1.2-3], will QoS and retain
    /// only with a will [MQTT-3.1.2-13], [MQTT-3.1.2-15], will QoS 3 [MQTT-3.1.2-14]; MQTT 3.1.1: a password only with a
    /// user name [MQTT-3.1.2-22]), MQTT 5 properties (none twice but User Property, Receive Maximum and Maximum Packet
    /// Size not 0, Authentication Data only with an Authentication Method: §3.1.2.11), the client ID, will topic and user
    /// name as MQTT UTF-8 ([MQTT-1.5.3-1], [MQTT-1.5.3-2]), and — last, as it is answered with CONNACK 0x8C, not as
    /// malformed — that the client asks for no authentication method (the broker supports none, [MQTT-4.12.0-1]).
    /// </summary>
    public static void CheckConnect(byte[] buffer, int offset, int length, MqttProtocolVersion version)
    {
        var body = buffer.AsSpan(offset, length);
        var mqtt5 = version == MqttProtocolVersion.V500;
        var at = 2 + ((body[0] << 8) | body[1]) + 1;
        if (at + 3 > body.Length)
        {
            throw Malformed("CONNECT shorter than its fields say");
        }

        int flags = body[at];
        at += 3;
        var will = (flags & 0x04) != 0;
        var willQos = (flags >> 3) & 0x03;
        var hasUserName = (flags & 0x80) != 0;
        if ((flags & 0x01) != 0)
        {
            throw Malformed("CONNECT with its reserved flag set [MQTT-3.1.2-3]");
        }

        if (willQos == 3)
        {
            throw Malformed("CONNECT with will QoS 3 [MQTT-3.1.2-14]");
        }

        if (!will && (willQos != 0 || (flags & 0x20) != 0))
        {
            throw Malformed("CONNECT with will QoS or will retain but no will [MQTT-3.1.2-13], [MQTT-3.1.2-15]");
        }

        if (!mqtt5 && (flags & 0x40) != 0 && !hasUserName)
        {
            throw Malformed("CONNECT with a password but no user name [MQTT-3.1.2-22]");
        }

        var authenticationMethod = false;
        if (mqtt5)
        {
            at = CheckConnectProperties(buffer, offset, body, at, will: false, out authenticationMethod);
        }

        var clientIdAt = at;
        at = StringEnd(body, at);
        if (!Utf8.IsValidMqtt(buffer, offset + clientIdAt + 2, at - clientIdAt - 2))
        {
            throw new BadPacketException("a client ID that is not well-formed UTF-8 or contains U+0000 [MQTT-1.5.3-1], [MQTT-1.5.3-2]",
                MqttDisconnectReasonCode.MalformedPacket, connAck: MqttConnectReasonCode.ClientIdentifierNotValid);
        }

        if (will)
        {
            if (mqtt5)
            {
                at = CheckConnectProperties(buffer, offset, body, at, will: true, out _);
            }

            var willTopicAt = at;
            at = StringEnd(body, at);
            if (!Utf8.IsValidMqtt(buffer, offset + willTopicAt + 2, at - willTopicAt - 2))
            {
                throw Malformed("a will topic that is not well-formed UTF-8 or contains U+0000 [MQTT-1.5.3-1]");
            }

            at = StringEnd(body, at);
        }

        if (hasUserName)
        {
            var userNameAt = at;
            at = StringEnd(body, at);
            if (!Utf8.IsValidMqtt(buffer, offset + userNameAt + 2, at - userNameAt - 2))
            {
                throw Malformed("a user name that is not well-formed UTF-8 or contains U+0000 [MQTT-1.5.3-1]");
            }
        }

        if (authenticationMethod)
        {
            throw new BadPacketException("CONNECT with an Authentication Method, which this broker does not support [MQTT-4.12.0-1]",
                MqttDisconnectReasonCode.ProtocolError, connAck: MqttConnectReasonCode.BadAuthenticationMethod);
        }
    }

    /// <summary>Checks the CONNECT's (or its will's) MQTT 5 properties at <paramref name="at"/> (each as
    /// <see cref="NextProperty"/> says) and returns where they end.</summary>
    static int CheckConnectProperties(byte[] buffer, int offset, ReadOnlySpan<byte> body, int at, bool will, out bool authenticationMethod)
    {
        var what = will ? "will" : "CONNECT";
        var propertiesLength = ReadVariableByteInteger(body, ref at);
        var end = at + propertiesLength;
        if (end > body.Length)
        {
            throw Malformed($"{what} properties longer than the packet");
        }

        var seen = 0UL;
        while (at < end)
        {
            var id = NextProperty(buffer, offset, body, ref at, end, ref seen, what, out var valueAt);
            if (!will && id == ReceiveMaximumProperty && body[valueAt] == 0 && body[valueAt + 1] == 0)
            {
                throw ProtocolError("CONNECT with Receive Maximum 0 (MQTT 5 §3.1.2.11.3)");
            }

            if (!will && id == MaximumPacketSizeProperty && body[valueAt] == 0 && body[valueAt + 1] == 0 && body[valueAt + 2] == 0 && body[valueAt + 3] == 0)
            {
                throw ProtocolError("CONNECT with Maximum Packet Size 0 (MQTT 5 §3.1.2.11.4)");
            }
        }

        authenticationMethod = (seen & (1UL << AuthenticationMethodProperty)) != 0;
        if (!will && !authenticationMethod && (seen & (1UL << AuthenticationDataProperty)) != 0)
        {
            throw ProtocolError("CONNECT with Authentication Data but no Authentication Method (MQTT 5 §3.1.2.11.10)");
        }

        return end;
    }

    /// <summary>Where the length-prefixed string or binary field at <paramref name="at"/> ends.</summary>
    static int StringEnd(ReadOnlySpan<byte> body, int at)
    {
        var end = at + 2 + PrefixedLength(body, at);
        return end <= body.Length ? end : throw Malformed("CONNECT shorter than its fields say");
    }

    /// <summary>A packet identifier at <paramref name="at"/> that is there and not 0 ([MQTT-2.3.1-1]).</summary>
    static void CheckPacketIdentifier(ReadOnlySpan<byte> body, int at, string packet)
    {
        if (at + 2 > body.Length)
        {
            throw Malformed($"{packet} without its packet identifier");
        }

        if (body[at] == 0 && body[at + 1] == 0)
        {
            throw ProtocolError($"{packet} with packet identifier 0 [MQTT-2.3.1-1]");
        }
    }

    /// <summary>Checks the length-prefixed string at <paramref name="at"/> of <paramref name="body"/> (which starts at
    /// <paramref name="offset"/> of <paramref name="buffer"/>) and returns where the next field starts.</summary>
    static int CheckString(byte[] buffer, int offset, ReadOnlySpan<byte> body, int at)
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

        if (!Utf8.IsValidMqtt(buffer, offset + start, length))
        {
            throw Malformed("a topic that is not well-formed UTF-8 or contains U+0000");
        }

        return start + length;
    }

    /// <summary>Whether a DISCONNECT body (checked by <see cref="CheckBody"/>) holds a Session Expiry Interval. MQTTnet
    /// decodes an absent one as 0, which would mean "end the session now" rather than "keep the CONNECT's"
    /// (§3.14.2.2.2).</summary>
    public static bool DisconnectCarriesSessionExpiry(byte[] buffer, int offset, int length, MqttProtocolVersion version) =>
        (DisconnectProperties(buffer, offset, length, version) & (1UL << SessionExpiryIntervalProperty)) != 0;

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

    static BadPacketException ProtocolError(string problem) => new(problem, MqttDisconnectReasonCode.ProtocolError);
}
