using EdgeBroker.EndToEnd.Tests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;

namespace EdgeBroker.EndToEnd.Tests.Protocol;

/// <summary>
/// Codec robustness: a client that sends something MQTT forbids loses its own connection (§4.8) and nobody else
/// notices — another client's subscription keeps delivering, new clients still connect, and a message kept for an
/// away persistent session is still there. On MQTT 5 the broker says why with a DISCONNECT reason code.
/// </summary>
public sealed class MalformedPacketTests
{
    static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(3);

    /// <summary>MQTT 5 inputs after an accepted CONNECT, and the DISCONNECT reason code the host answers with.</summary>
    static readonly Dictionary<string, (byte[] Bytes, int Reason)> Mqtt5Cases = new()
    {
        ["SUBSCRIBE claiming 256 MiB"] = ([0x82, 0xFF, 0xFF, 0xFF, 0x7F, 0x00, 0x01, 0x00], 0x95),
        ["SUBSCRIBE with reserved flags 0000"] = ([0x80, 0x07, 0x00, 0x01, 0x00, 0x00, 0x01, (byte)'a', 0x00], 0x81),
        ["topic longer than its packet"] = ([0x30, 0x05, 0x00, 0x0A, (byte)'a', (byte)'b', 0x00], 0x81),
        ["NUL in a topic"] = ([0x30, 0x06, 0x00, 0x03, (byte)'a', 0x00, (byte)'b', 0x00], 0x81),
        ["lone surrogate in a topic"] = ([0x30, 0x07, 0x00, 0x04, (byte)'a', 0xED, 0xA0, 0x80, 0x00], 0x81),
        ["second CONNECT"] = ([0x10, 0x0E, 0x00, 0x04, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 0x05, 0x02, 0x00, 0x3C, 0x00, 0x00, 0x01, (byte)'z'], 0x82),

        // Parsed, but not allowed: protocol errors (MQTT 5 §1.2, §4.13; mosquitto 2.0 answers these 0x82 too).
        ["QoS 1 PUBLISH with packet id 0"] = ([0x32, 0x06, 0x00, 0x01, (byte)'a', 0x00, 0x00, 0x00], 0x82),
        ["QoS 2 PUBLISH with packet id 0"] = ([0x34, 0x06, 0x00, 0x01, (byte)'a', 0x00, 0x00, 0x00], 0x82),
        ["PUBLISH to a topic with +"] = ([0x30, 0x08, 0x00, 0x05, (byte)'n', (byte)'/', (byte)'+', (byte)'/', (byte)'b', 0x00], 0x82),
        ["PUBLISH to a topic with #"] = ([0x32, 0x08, 0x00, 0x03, (byte)'n', (byte)'/', (byte)'#', 0x00, 0x01, 0x00], 0x82),
        ["PUBLISH to an empty topic without an alias"] = ([0x32, 0x06, 0x00, 0x00, 0x00, 0x01, 0x00, (byte)'x'], 0x82),
        ["PUBLISH with a Subscription Identifier"] = ([0x30, 0x07, 0x00, 0x01, (byte)'a', 0x02, 0x0B, 0x01, (byte)'x'], 0x82),
        ["SUBSCRIBE with packet id 0"] = ([0x82, 0x07, 0x00, 0x00, 0x00, 0x00, 0x01, (byte)'a', 0x00], 0x82),
        ["SUBSCRIBE with maximum QoS 3"] = ([0x82, 0x07, 0x00, 0x01, 0x00, 0x00, 0x01, (byte)'a', 0x03], 0x82),
        ["SUBSCRIBE with Retain Handling 3"] = ([0x82, 0x07, 0x00, 0x01, 0x00, 0x00, 0x01, (byte)'a', 0x30], 0x82),
        ["SUBSCRIBE with Subscription Identifier 0"] = ([0x82, 0x09, 0x00, 0x01, 0x02, 0x0B, 0x00, 0x00, 0x01, (byte)'a', 0x00], 0x82),
        ["SUBSCRIBE without filters"] = ([0x82, 0x03, 0x00, 0x01, 0x00], 0x82),
        ["UNSUBSCRIBE without filters"] = ([0xA2, 0x03, 0x00, 0x01, 0x00], 0x82),
        ["PUBLISH with a Response Topic with a wildcard"] = (PublishToNews([0x08, 0x00, 0x03, (byte)'r', (byte)'/', (byte)'+']), 0x82),
        ["PUBLISH with Payload Format Indicator 2"] = (PublishToNews([0x01, 0x02]), 0x82),
        ["PUBLISH with a Content Type twice"] = (PublishToNews([0x03, 0x00, 0x01, (byte)'a', 0x03, 0x00, 0x01, (byte)'b']), 0x82),

        // Not parseable as the specification says: malformed.
        ["QoS 0 PUBLISH with DUP"] = ([0x38, 0x05, 0x00, 0x01, (byte)'a', 0x00, (byte)'x'], 0x81),
        ["SUBSCRIBE with reserved option bits"] = ([0x82, 0x07, 0x00, 0x01, 0x00, 0x00, 0x01, (byte)'a', 0xC0], 0x81),
        ["PINGREQ with a body"] = ([0xC0, 0x01, 0x00], 0x81),

        // String properties MQTTnet would pass on to subscribers as U+FFFD or with the NUL ([MQTT-1.5.4-1], [MQTT-1.5.4-2]).
        ["PUBLISH with a Content Type not UTF-8"] = (PublishToNews([0x03, 0x00, 0x02, 0xFF, (byte)'b']), 0x81),
        ["PUBLISH with a User Property name not UTF-8"] = (PublishToNews([0x26, 0x00, 0x02, (byte)'k', 0xFE, 0x00, 0x01, (byte)'v']), 0x81),
        ["PUBLISH with U+0000 in a User Property value"] = (PublishToNews([0x26, 0x00, 0x01, (byte)'k', 0x00, 0x02, (byte)'v', 0x00]), 0x81),
        ["PUBLISH with a Response Topic not UTF-8"] = (PublishToNews([0x08, 0x00, 0x03, (byte)'r', 0xC0, (byte)'t']), 0x81),
        ["SUBSCRIBE with a User Property not UTF-8"] =
            ([0x82, 0x0E, 0x00, 0x01, 0x07, 0x26, 0x00, 0x01, 0xFF, 0x00, 0x01, (byte)'v', 0x00, 0x01, (byte)'a', 0x00], 0x81),
        ["UNSUBSCRIBE with a User Property not UTF-8"] =
            ([0xA2, 0x0D, 0x00, 0x01, 0x07, 0x26, 0x00, 0x01, 0xFF, 0x00, 0x01, (byte)'v', 0x00, 0x01, (byte)'a'], 0x81),

        // The Reason String and User Properties of acknowledgements and DISCONNECT, which MQTTnet passes on as U+FFFD
        // (the last of two Reason Strings kept); mosquitto 2.0 closes on the same bytes without a DISCONNECT.
        ["PUBACK with a Reason String not UTF-8"] = (Acknowledgement(0x40, [0x1F, 0x00, 0x02, (byte)'r', 0xFF]), 0x81),
        ["PUBREC with U+0000 in a User Property value"] = (Acknowledgement(0x50, [0x26, 0x00, 0x01, (byte)'k', 0x00, 0x02, (byte)'v', 0x00]), 0x81),
        ["PUBREL with a Reason String twice"] = (Acknowledgement(0x62, [0x1F, 0x00, 0x01, (byte)'a', 0x1F, 0x00, 0x01, (byte)'b']), 0x82),
        ["PUBCOMP with a User Property name not UTF-8"] = (Acknowledgement(0x70, [0x26, 0x00, 0x01, 0xC0, 0x00, 0x01, (byte)'v']), 0x81),
        ["PUBACK with properties longer than the packet"] = ([0x40, 0x06, 0x00, 0x01, 0x00, 0x09, 0x1F, 0x00], 0x81),
        ["PUBACK with a property it does not carry"] = (Acknowledgement(0x40, [0x01, 0x00]), 0x81),
        ["DISCONNECT with a Reason String not UTF-8"] = ([0xE0, 0x07, 0x00, 0x05, 0x1F, 0x00, 0x02, 0xED, 0xA0], 0x81),
        ["DISCONNECT with a Reason String twice"] = ([0xE0, 0x0A, 0x00, 0x08, 0x1F, 0x00, 0x01, (byte)'a', 0x1F, 0x00, 0x01, (byte)'b'], 0x82),
    };

    /// <summary>An MQTT 5 PUBACK, PUBREC, PUBREL or PUBCOMP (<paramref name="first"/>) for packet identifier 1 with
    /// reason code 0x00 and <paramref name="properties"/>.</summary>
    static byte[] Acknowledgement(byte first, byte[] properties) =>
        [first, (byte)(4 + properties.Length), 0x00, 0x01, 0x00, (byte)properties.Length, .. properties];

    /// <summary>A QoS 0 MQTT 5 PUBLISH to news/p, which the bystander of these tests subscribes to, with
    /// <paramref name="properties"/>: that the bystander's first message is another client's shows it was not routed.</summary>
    static byte[] PublishToNews(byte[] properties) =>
        [0x30, (byte)(10 + properties.Length), 0x00, 0x06, (byte)'n', (byte)'e', (byte)'w', (byte)'s', (byte)'/', (byte)'p',
            (byte)properties.Length, .. properties, (byte)'x'];

    /// <summary>MQTT 5 CONNECTs the host refuses with a CONNACK reason code before it closes (§4.13.1 lets a server say
    /// why): the CONNECT's properties (identifier, value), its flags and its payload after the client ID "z" or in its
    /// place.</summary>
    static readonly Dictionary<string, (byte Flags, byte[] Properties, byte[] Payload, int ConnAck)> Mqtt5ConnectCases = new()
    {
        ["reserved flag set"] = (0x03, [], [0x00, 0x01, (byte)'z'], 0x81),
        ["will QoS but no will"] = (0x0A, [], [0x00, 0x01, (byte)'z'], 0x81),
        ["will retain but no will"] = (0x22, [], [0x00, 0x01, (byte)'z'], 0x81),
        ["client ID not UTF-8"] = (0x02, [], [0x00, 0x04, (byte)'d', (byte)'e', (byte)'v', 0xFF], 0x85),
        ["NUL in a client ID"] = (0x02, [], [0x00, 0x03, (byte)'d', 0x00, (byte)'v'], 0x85),
        ["user name not UTF-8"] = (0x82, [], [0x00, 0x01, (byte)'z', 0x00, 0x02, 0xC3, 0x28], 0x81),
        ["Receive Maximum 0"] = (0x02, [0x21, 0x00, 0x00], [0x00, 0x01, (byte)'z'], 0x82),
        ["Maximum Packet Size 0"] = (0x02, [0x27, 0x00, 0x00, 0x00, 0x00], [0x00, 0x01, (byte)'z'], 0x82),
        ["Session Expiry Interval twice"] = (0x02, [0x11, 0x00, 0x00, 0x00, 0x0A, 0x11, 0x00, 0x00, 0x00, 0x14], [0x00, 0x01, (byte)'z'], 0x82),
        ["an Authentication Method"] = (0x02, [0x15, 0x00, 0x05, (byte)'S', (byte)'C', (byte)'R', (byte)'A', (byte)'M'], [0x00, 0x01, (byte)'z'], 0x8C),
        ["will topic with a wildcard"] = (0x06, [], [0x00, 0x01, (byte)'z', 0x00, 0x00, 0x03, (byte)'w', (byte)'/', (byte)'#', 0x00, 0x01, (byte)'m'], 0x90),
        ["empty will topic"] = (0x06, [], [0x00, 0x01, (byte)'z', 0x00, 0x00, 0x00, 0x00, 0x01, (byte)'m'], 0x90),
        ["a User Property not UTF-8"] = (0x02, [0x26, 0x00, 0x01, (byte)'k', 0x00, 0x01, 0xFF], [0x00, 0x01, (byte)'z'], 0x81),
        ["Request Problem Information 2"] = (0x02, [0x17, 0x02], [0x00, 0x01, (byte)'z'], 0x82),
        ["a will Content Type not UTF-8"] = (0x06, [], [0x00, 0x01, (byte)'z', 0x04, 0x03, 0x00, 0x01, 0xFF, 0x00, 0x01, (byte)'w', 0x00, 0x01, (byte)'m'], 0x81),
        ["a will Response Topic with a wildcard"] = (0x06, [], [0x00, 0x01, (byte)'z', 0x04, 0x08, 0x00, 0x01, (byte)'#', 0x00, 0x01, (byte)'w', 0x00, 0x01, (byte)'m'], 0x82),
        ["will Payload Format Indicator 2"] = (0x06, [], [0x00, 0x01, (byte)'z', 0x02, 0x01, 0x02, 0x00, 0x01, (byte)'w', 0x00, 0x01, (byte)'m'], 0x82),
        ["password without a user name, which MQTT 5 allows"] = (0x42, [], [0x00, 0x01, (byte)'z', 0x00, 0x02, (byte)'p', (byte)'w'], 0x00),
    };

    public static TheoryData<string, string> EngineAndCase()
    {
        var data = new TheoryData<string, string>();
        foreach (var engine in Engines.Names)
        {
            foreach (var name in MalformedInputs.All.Keys)
            {
                data.Add(engine, name);
            }
        }

        return data;
    }

    public static TheoryData<string> Mqtt5Case() => new(Mqtt5Cases.Keys);

    public static TheoryData<string> Mqtt5ConnectCase() => new(Mqtt5ConnectCases.Keys);

    [Theory]
    [MemberData(nameof(EngineAndCase))]
    public async Task A_malformed_packet_closes_only_that_connection(string engine, string malformation)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using var bystander = await TestClient.ConnectAsync(broker, "bystander");
        await bystander.SubscribeAsync("news/#");
        await KeepMessageForAwaySessionAsync(broker);
        await using var offender = await RawMqttConnection.OpenAsync(broker);
        var input = MalformedInputs.All[malformation];
        if (input.ConnectFirst)
        {
            Assert.Equal(0, await offender.ConnectAsync("offender"));
        }

        await offender.SendRawAsync(input.Bytes);

        Assert.True(await offender.IsClosedByBrokerAsync(CloseTimeout), $"the broker kept a connection that sent: {malformation}");
        await AssertOthersUnaffectedAsync(broker, bystander);
        await AssertKeptMessageStillThereAsync(broker);
    }

    [Theory]
    [MemberData(nameof(Mqtt5Case))]
    public async Task An_MQTT5_client_is_told_why_with_the_DISCONNECT_reason_code(string malformation)
    {
        await using var broker = await Engines.StartAsync(Engines.Host);
        await using var bystander = await TestClient.ConnectAsync(broker, "bystander", MqttProtocolVersion.V500);
        await bystander.SubscribeAsync("news/#");
        await using var offender = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, await offender.ConnectAsync("offender", protocolLevel: 5));
        var (bytes, reason) = Mqtt5Cases[malformation];

        await offender.SendRawAsync(bytes);

        var (type, _, body) = await offender.ReadPacketAsync(CloseTimeout);
        Assert.Equal(14, type);
        Assert.Equal(reason, body[0]);
        Assert.True(await offender.IsClosedByBrokerAsync(CloseTimeout));
        await AssertOthersUnaffectedAsync(broker, bystander);
    }

    [Theory]
    [MemberData(nameof(Mqtt5ConnectCase))]
    public async Task An_MQTT5_CONNECT_the_broker_refuses_is_answered_with_the_CONNACK_reason_code(string malformation)
    {
        await using var broker = await Engines.StartAsync(Engines.Host);
        await using var bystander = await TestClient.ConnectAsync(broker, "bystander", MqttProtocolVersion.V500);
        await bystander.SubscribeAsync("news/#");
        await using var client = await RawMqttConnection.OpenAsync(broker);
        var (flags, properties, payload, connAck) = Mqtt5ConnectCases[malformation];
        byte[] body = [0x00, 0x04, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 0x05, flags, 0x00, 0x3C, (byte)properties.Length, .. properties, .. payload];

        await client.SendAsync(0x10, body);

        var (type, _, answer) = await client.ReadPacketAsync(CloseTimeout);
        Assert.Equal((2, connAck), (type, (int)answer[1]));
        if (connAck != 0)
        {
            Assert.True(await client.IsClosedByBrokerAsync(CloseTimeout));
        }

        await AssertOthersUnaffectedAsync(broker, bystander);
    }

    /// <summary>Refused input is reported through the connection-problem log — once per address a minute, the rest
    /// counted — with no stack trace: a QoS 1 PUBLISH with packet identifier 0 used to be routed, then fail to encode its
    /// PUBACK and log an error with a stack trace for every connection.</summary>
    [Fact]
    public async Task Refused_packets_are_reported_once_per_address_without_a_stack_trace()
    {
        await using var host = await HostProcess.StartAsync();
        await using var subscriber = await RawMqttConnection.OpenAsync(host);
        Assert.Equal(0, await subscriber.ConnectAsync("watcher"));
        await subscriber.SubscribeAsync("pid0/#");
        foreach (var (id, bytes) in new[]
                 {
                     ("pid0-a", new byte[] { 0x32, 0x08, 0x00, 0x04, (byte)'p', (byte)'i', (byte)'d', (byte)'0', 0x00, 0x00 }),
                     ("pid0-b", new byte[] { 0x33, 0x08, 0x00, 0x04, (byte)'p', (byte)'i', (byte)'d', (byte)'0', 0x00, 0x00 }),
                     ("pid0-c", new byte[] { 0x82, 0x06, 0x00, 0x00, 0x00, 0x01, (byte)'a', 0x00 }),
                 })
        {
            await using var offender = await RawMqttConnection.OpenAsync(host);
            Assert.Equal(0, await offender.ConnectAsync(id));
            await offender.SendRawAsync(bytes);
            Assert.True(await offender.IsClosedByBrokerAsync(CloseTimeout));
        }

        await host.WaitForOutputAsync("PUBLISH with packet identifier 0 [MQTT-2.3.1-1]");
        await using (var late = await RawMqttConnection.OpenAsync(host))
        {
            Assert.Equal(0, await late.ConnectAsync("late"));
            Assert.Equal([0x01], await late.SubscribeAsync([("pid0/#", 1)]));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => late.ReadPacketAsync(TimeSpan.FromMilliseconds(500)));
        }

        var output = host.Output;
        Assert.Equal(1, CountOf(output, "Closed a connection from"));
        Assert.DoesNotContain("MqttProtocolViolationException", output);
        Assert.DoesNotContain("fail:", output);

        // Nothing was routed.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => subscriber.ReadPacketAsync(TimeSpan.FromMilliseconds(300)));
    }

    static int CountOf(string text, string part)
    {
        var count = 0;
        for (var at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + part.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    public static TheoryData<string, string, byte> EngineAndProtocolMismatch()
    {
        var data = new TheoryData<string, string, byte>();
        foreach (var engine in Engines.Names)
        {
            data.Add(engine, "MQTT", 3);
            data.Add(engine, "MQIsdp", 4);
        }

        return data;
    }

    /// <summary>[MQTT-3.1.2-2]: a protocol name and level that do not go together (MQTT 3.1 is MQIsdp level 3) are an
    /// unacceptable protocol version. Found by the host-packets fuzz target: the host's channel let them through to
    /// MQTTnet, whose refusal escaped as an unexpected exception and closed the connection without a CONNACK.</summary>
    [Theory]
    [MemberData(nameof(EngineAndProtocolMismatch))]
    public async Task A_CONNECT_whose_protocol_name_and_level_do_not_go_together_is_answered_0x01(string engine, string name, byte level)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using var client = await RawMqttConnection.OpenAsync(broker);
        byte[] body = [0x00, (byte)name.Length, .. System.Text.Encoding.ASCII.GetBytes(name), level, 0x02, 0x00, 0x3C, 0x00, 0x01, (byte)'z'];

        await client.SendRawAsync([0x10, (byte)body.Length, .. body]);

        var (type, _, connack) = await client.ReadPacketAsync(CloseTimeout);
        Assert.Equal((2, 0x01), (type, (int)connack[1]));
        Assert.True(await client.IsClosedByBrokerAsync(CloseTimeout));
    }

    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task A_packet_over_the_configured_maximum_closes_its_connection_when_its_header_ends(string engine)
    {
        await using var broker = await Engines.StartAsync(engine, new Dictionary<string, string?> { ["EdgeBroker:Connections:MaxPacketSize"] = "256" });
        await using var bystander = await TestClient.ConnectAsync(broker, "bystander");
        await bystander.SubscribeAsync("news/#");
        await using var offender = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, await offender.ConnectAsync("offender"));

        // A 300-byte PUBLISH: its fixed header alone is enough to refuse it, none of its body is sent.
        await offender.SendRawAsync([0x30, 0xAC, 0x02]);

        Assert.True(await offender.IsClosedByBrokerAsync(CloseTimeout), "the broker kept a connection whose packet is over the limit");
        await AssertOthersUnaffectedAsync(broker, bystander);
    }

    [Fact]
    public async Task The_host_program_takes_its_maximum_packet_size_from_the_command_line()
    {
        await using var host = await HostProcess.StartAsync("--max-packet-size", "256");
        await using var offender = await RawMqttConnection.OpenAsync(host);
        Assert.Equal(0, await offender.ConnectAsync("offender"));

        await offender.SendRawAsync([0x30, 0xAC, 0x02]);

        Assert.True(await offender.IsClosedByBrokerAsync(CloseTimeout));
        await host.WaitForOutputAsync("a packet of 303 bytes, limit 256");
    }

    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task A_frame_cut_off_by_a_lost_connection_affects_nobody_else(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using var bystander = await TestClient.ConnectAsync(broker, "bystander");
        await bystander.SubscribeAsync("news/#");
        var offender = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, await offender.ConnectAsync("offender"));

        // A PUBLISH announcing 100 bytes, of which 5 arrive before the network drops.
        await offender.SendRawAsync([0x30, 100, 0x00, 0x06, (byte)'n', (byte)'e', (byte)'w']);
        offender.Abort();

        await AssertOthersUnaffectedAsync(broker, bystander);
        await bystander.ExpectNothingAsync();
    }

    /// <summary>A persistent session ("keeper", subscribed to kept/#) goes away and a QoS 1 message is kept for it.</summary>
    static async Task KeepMessageForAwaySessionAsync(RunningBroker broker)
    {
        await using (var keeper = await TestClient.ConnectAsync(broker, "keeper", cleanStart: false))
        {
            await keeper.SubscribeAsync("kept/#");
        }

        await using var publisher = await TestClient.ConnectAsync(broker, "early-publisher");
        await publisher.PublishAsync("kept/1", "kept for keeper");
    }

    static async Task AssertKeptMessageStillThereAsync(RunningBroker broker)
    {
        await using var keeper = await TestClient.ConnectAsync(broker, "keeper", cleanStart: false);
        Assert.Equal("kept for keeper", (await keeper.ReceiveAsync()).ConvertPayloadToString());
    }

    static async Task AssertOthersUnaffectedAsync(RunningBroker broker, TestClient bystander)
    {
        await using var publisher = await TestClient.ConnectAsync(broker, "publisher");
        await publisher.PublishAsync("news/today", "still here");
        Assert.Equal("still here", (await bystander.ReceiveAsync()).ConvertPayloadToString());
    }
}
