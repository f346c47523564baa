namespace EdgeBroker.EndToEnd.Tests.Protocol;

/// <summary>One malformed input: whether the misbehaving client first sends a valid CONNECT (and has it accepted), and
/// the bytes it sends then (or instead of a CONNECT).</summary>
public sealed record MalformedInput(bool ConnectFirst, byte[] Bytes);

/// <summary>
/// Inputs an attacker on the local network can send with a raw socket and no credentials (issue #12), each closing
/// only its own connection: the table <see cref="MalformedPacketTests"/> runs one by one and
/// <see cref="MemoryUnderMalformedInputTests"/> mixes over hundreds of connections.
/// </summary>
public static class MalformedInputs
{
    /// <summary>The noise input; the mix sends a fresh random length of it each time.</summary>
    public const string RandomBytes = "random bytes";

    /// <summary>MQTT 3.1.1 CONNECT for client ID "z" (clean session, keep-alive 60 s) at <paramref name="level"/>.</summary>
    static byte[] Connect(byte level) => [0x10, 0x0D, 0x00, 0x04, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', level, 0x02, 0x00, 0x3C, 0x00, 0x01, (byte)'z'];

    /// <summary>MQTT 3.1.1 CONNECT (keep-alive 60 s) with <paramref name="flags"/> and <paramref name="payload"/> (client ID
    /// first, then the will, user name and password its flags announce).</summary>
    static byte[] Connect(byte flags, params byte[] payload) =>
        [0x10, (byte)(10 + payload.Length), 0x00, 0x04, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 0x04, flags, 0x00, 0x3C, .. payload];

    /// <summary>A length-prefixed MQTT string of <paramref name="bytes"/>.</summary>
    static byte[] Str(params byte[] bytes) => [(byte)(bytes.Length >> 8), (byte)bytes.Length, .. bytes];

    static byte[] Str(string text) => Str(System.Text.Encoding.UTF8.GetBytes(text));

    /// <summary>300 bytes of noise, always the same (seeded) so the single-input test is repeatable; the mix sends
    /// fresh noise of random length each time.</summary>
    static byte[] Noise()
    {
        var bytes = new byte[300];
        new Random(12).NextBytes(bytes);
        return bytes;
    }

    public static readonly IReadOnlyDictionary<string, MalformedInput> All = new Dictionary<string, MalformedInput>
    {
        [RandomBytes] = new(false, Noise()),

        // Remaining length with a continuation bit on its fourth byte.
        ["remaining length over four bytes"] = new(true, [0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]),

        // 268,435,455 bytes announced, a few sent.
        ["CONNECT claiming 256 MiB"] = new(false, [0x10, 0xFF, 0xFF, 0xFF, 0x7F, 0x00, 0x04, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 0x04, 0x02]),

        // The protocol name and nothing else: no level, flags, keep-alive or client ID.
        ["truncated CONNECT"] = new(false, [0x10, 0x06, 0x00, 0x04, (byte)'M', (byte)'Q', (byte)'T', (byte)'T']),

        // [MQTT-3.1.2-2] answered with CONNACK 0x01, then closed.
        ["CONNECT with protocol level 9"] = new(false, Connect(9)),

        // Protocol name length 6, four bytes of it in the packet.
        ["protocol name MQIsdp cut short"] = new(false, [0x10, 0x06, 0x00, 0x06, (byte)'M', (byte)'Q', (byte)'I', (byte)'s']),

        // [MQTT-3.1.0-1] the first packet must be CONNECT.
        ["PUBLISH before CONNECT"] = new(false, [0x30, 0x05, 0x00, 0x01, (byte)'a', (byte)'h', (byte)'i']),

        ["SUBSCRIBE claiming 256 MiB"] = new(true, [0x82, 0xFF, 0xFF, 0xFF, 0x7F, 0x00, 0x01, 0x00, 0x01, (byte)'a', 0x00]),

        // SUBSCRIBE must have flags 0010 [MQTT-3.8.1-1].
        ["SUBSCRIBE with reserved flags 0000"] = new(true, [0x80, 0x06, 0x00, 0x01, 0x00, 0x01, (byte)'a', 0x00]),

        // PUBLISH with QoS bits 11 [MQTT-3.3.1-4].
        ["PUBLISH with QoS 3"] = new(true, [0x36, 0x05, 0x00, 0x01, (byte)'a', 0x00, 0x01]),

        // Topic length says 10 bytes, the packet holds 2.
        ["topic longer than its packet"] = new(true, [0x30, 0x04, 0x00, 0x0A, (byte)'a', (byte)'b']),

        // QoS 1 needs a packet identifier after the topic; the packet ends with the topic.
        ["QoS 1 PUBLISH without packet id"] = new(true, [0x32, 0x03, 0x00, 0x01, (byte)'a']),

        // Topic name bytes C3 28: not UTF-8 [MQTT-1.5.3-1].
        ["PUBLISH topic that is not UTF-8"] = new(true, [0x30, 0x05, 0x00, 0x02, 0xC3, 0x28, (byte)'x']),

        // U+0000 in a topic [MQTT-1.5.3-2].
        ["NUL in a topic"] = new(true, [0x30, 0x05, 0x00, 0x03, (byte)'a', 0x00, (byte)'b']),

        // ED A0 80 encodes the lone surrogate U+D800 [MQTT-1.5.3-1].
        ["lone surrogate in a topic"] = new(true, [0x30, 0x06, 0x00, 0x04, (byte)'a', 0xED, 0xA0, 0x80]),

        // Packet type 15 is reserved in MQTT 3.1.1.
        ["reserved packet type 15"] = new(true, [0xF0, 0x00]),

        // [MQTT-3.1.0-2] a second CONNECT is a protocol violation.
        ["second CONNECT"] = new(true, Connect(4)),

        // [MQTT-2.3.1-1] QoS 1 and 2 need a packet identifier that is not 0 (the host routed these, then failed to
        // encode its PUBACK with identifier 0 and logged a stack trace per connection).
        ["QoS 1 PUBLISH with packet id 0"] = new(true, [0x32, 0x05, 0x00, 0x01, (byte)'a', 0x00, 0x00]),
        ["QoS 2 PUBLISH with packet id 0"] = new(true, [0x34, 0x05, 0x00, 0x01, (byte)'a', 0x00, 0x00]),

        // [MQTT-3.3.2-2] no wildcards in a topic name; [MQTT-4.7.3-1] not empty (the host acknowledged and dropped them).
        ["PUBLISH to a topic with +"] = new(true, [0x30, 0x07, 0x00, 0x05, (byte)'n', (byte)'/', (byte)'+', (byte)'/', (byte)'b']),
        ["PUBLISH to a topic with #"] = new(true, [0x30, 0x05, 0x00, 0x03, (byte)'n', (byte)'/', (byte)'#']),
        ["PUBLISH to an empty topic"] = new(true, [0x32, 0x05, 0x00, 0x00, 0x00, 0x01, (byte)'x']),

        // [MQTT-3.3.1-2] DUP must be 0 at QoS 0.
        ["QoS 0 PUBLISH with DUP"] = new(true, [0x38, 0x04, 0x00, 0x01, (byte)'a', (byte)'x']),

        // [MQTT-2.3.1-1], [MQTT-3-8.3-4] (QoS 3, reserved bits), [MQTT-3.8.3-3], [MQTT-3.10.3-2] (no filters).
        ["SUBSCRIBE with packet id 0"] = new(true, [0x82, 0x06, 0x00, 0x00, 0x00, 0x01, (byte)'a', 0x00]),
        ["SUBSCRIBE with QoS 3"] = new(true, [0x82, 0x06, 0x00, 0x01, 0x00, 0x01, (byte)'a', 0x03]),
        ["SUBSCRIBE with reserved option bits"] = new(true, [0x82, 0x06, 0x00, 0x01, 0x00, 0x01, (byte)'a', 0xC0]),
        ["SUBSCRIBE without filters"] = new(true, [0x82, 0x02, 0x00, 0x01]),
        ["UNSUBSCRIBE without filters"] = new(true, [0xA2, 0x02, 0x00, 0x01]),

        // A PINGREQ has no body.
        ["PINGREQ with a body"] = new(true, [0xC0, 0x01, 0x00]),

        // MQTT 3.1.1 acknowledgements are their packet identifier only (§3.4.1) and a DISCONNECT has no body (§3.14):
        // these carry MQTT 5's reason code and properties (the host read the identifier and skipped the rest, and took
        // the DISCONNECT as a clean one).
        ["PUBACK with MQTT 5 properties"] = new(true, [0x40, 0x08, 0x00, 0x01, 0x00, 0x04, 0x1F, 0x00, 0x01, (byte)'r']),
        ["PUBREL with MQTT 5 properties"] = new(true, [0x62, 0x08, 0x00, 0x01, 0x00, 0x04, 0x1F, 0x00, 0x01, (byte)'r']),
        ["DISCONNECT with a body"] = new(true, [0xE0, 0x06, 0x00, 0x04, 0x1F, 0x00, 0x01, (byte)'r']),

        // [MQTT-3.1.2-3], [MQTT-3.1.2-13], [MQTT-3.1.2-15], [MQTT-3.1.2-22]: CONNECT flags that do not go together.
        ["CONNECT with its reserved flag set"] = new(false, Connect(0x03, Str("z"))),
        ["CONNECT with will QoS but no will"] = new(false, Connect(0x0A, Str("z"))),
        ["CONNECT with will retain but no will"] = new(false, Connect(0x22, Str("z"))),
        ["CONNECT with a password but no user name"] = new(false, Connect(0x42, [.. Str("z"), .. Str("pw")])),

        // [MQTT-1.5.3-1], [MQTT-1.5.3-2]: the host decoded these into U+FFFD, so dev\xff and dev\xfe were one client.
        ["client ID not UTF-8"] = new(false, Connect(0x02, Str((byte)'d', (byte)'e', (byte)'v', 0xFF))),
        ["NUL in a client ID"] = new(false, Connect(0x02, Str((byte)'d', 0x00, (byte)'v'))),
        ["user name not UTF-8"] = new(false, Connect(0x82, [.. Str("z"), .. Str(0xC3, 0x28)])),

        // A will topic must be a topic name (the host kept the will and never published it).
        ["will topic with a wildcard"] = new(false, Connect(0x06, [.. Str("z"), .. Str("w/+/x"), .. Str("gone")])),
        ["empty will topic"] = new(false, Connect(0x06, [.. Str("z"), .. Str(""), .. Str("gone")])),
    };
}
