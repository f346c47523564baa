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
