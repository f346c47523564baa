using System.Collections.Concurrent;
using EdgeBroker.EndToEnd.Tests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace EdgeBroker.EndToEnd.Tests.Protocol;

/// <summary>MQTT 5 flow control (§4.9): the client's Receive Maximum on what the broker sends, the broker's on what it
/// receives. Host only: the firmware relay speaks MQTT 3.1.1, which has no Receive Maximum.</summary>
public sealed class FlowControlTests
{
    static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(600);

    [Theory]
    [MemberData(nameof(Engines.WithMqtt5), MemberType = typeof(Engines))]
    public async Task An_MQTTnet_client_that_holds_its_acknowledgements_gets_no_more_than_its_receive_maximum(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        var held = new ConcurrentQueue<MqttApplicationMessageReceivedEventArgs>();
        using var subscriber = new MqttClientFactory().CreateMqttClient();
        subscriber.ApplicationMessageReceivedAsync += e =>
        {
            // Acknowledged later, as a client working through a backlog would.
            e.AutoAcknowledge = false;
            held.Enqueue(e);
            return Task.CompletedTask;
        };
        var connected = await subscriber.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer(broker.Host, broker.Port).WithClientId("slow-reader").WithProtocolVersion(MqttProtocolVersion.V500)
            .WithReceiveMaximum(2).Build());
        Assert.Equal(MqttClientConnectResultCode.Success, connected.ResultCode);
        await subscriber.SubscribeAsync("flow/t", MqttQualityOfServiceLevel.AtLeastOnce);
        await using var publisher = await TestClient.ConnectAsync(broker, "flow-publisher", MqttProtocolVersion.V500);

        for (var i = 1; i <= 5; i++)
        {
            await publisher.PublishAsync("flow/t", $"m{i}");
        }

        await Eventually.WaitUntilAsync(() => held.Count == 2, () => $"{held.Count} messages arrived, expected 2");
        await Task.Delay(Quiet);
        Assert.Equal(2, held.Count);

        // Each acknowledgement lets exactly one more through, in the order published.
        var payloads = new List<string>();
        while (payloads.Count < 5)
        {
            Assert.True(held.TryDequeue(out var next), $"nothing in flight after {string.Join(",", payloads)}");
            payloads.Add(next.ApplicationMessage.ConvertPayloadToString());
            await next.AcknowledgeAsync(CancellationToken.None);
            var expected = Math.Min(2, 5 - payloads.Count);
            await Eventually.WaitUntilAsync(() => held.Count == expected, () => $"{held.Count} in flight after {payloads.Count} acknowledged, expected {expected}");
        }

        Assert.Equal(["m1", "m2", "m3", "m4", "m5"], payloads);
    }

    /// <summary>The sequence of paho.mqtt.testing's test_flow_control1: the client publishes three QoS 1 messages to its
    /// own subscription; its PUBACKs come back, but only two PUBLISHes until it acknowledges one.</summary>
    [Theory]
    [MemberData(nameof(Engines.WithMqtt5), MemberType = typeof(Engines))]
    public async Task A_receive_maximum_of_two_holds_the_third_QoS_1_message_until_the_first_is_acknowledged(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using var raw = await RawMqttConnection.OpenAsync(broker);
        var (code, _) = await Mqtt5Wire.ConnectAsync(raw, "raw-window", properties: (Mqtt5Properties.ReceiveMaximum, Mqtt5Wire.TwoBytes(2)));
        Assert.Equal(0, code);
        Assert.Equal(1, await Mqtt5Wire.SubscribeAsync(raw, "flow/raw", qos: 1));
        for (ushort id = 1; id <= 3; id++)
        {
            await Mqtt5Wire.PublishAsync(raw, "flow/raw", $"m{id}", qos: 1, packetId: id);
        }

        var publishes = new List<Mqtt5Publish>();
        var pubAcks = 0;
        while (publishes.Count < 2 || pubAcks < 3)
        {
            var (type, flags, body) = await raw.ReadPacketAsync();
            if (type == 4)
            {
                pubAcks++;
            }
            else
            {
                publishes.Add(Mqtt5Wire.ParsePublish(type, flags, body));
            }
        }

        Assert.Equal(["m1", "m2"], publishes.Select(p => p.Payload));
        await Mqtt5Wire.ExpectSilenceAsync(raw, Quiet);

        await raw.SendPubAckAsync(publishes[0].PacketId);
        Assert.Equal("m3", (await Mqtt5Wire.ReadPublishAsync(raw)).Payload);
    }

    /// <summary>The host routes a PUBLISH with its payload borrowed from the publisher's read buffer: a message that has
    /// to wait for the receiver's Receive Maximum keeps a copy, so what its publisher sends next (read into the same
    /// buffer) does not change what the receiver gets.</summary>
    [Theory]
    [MemberData(nameof(Engines.WithMqtt5), MemberType = typeof(Engines))]
    public async Task A_message_waiting_for_the_receive_maximum_keeps_its_payload_while_its_publisher_sends_on(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using var receiver = await RawMqttConnection.OpenAsync(broker);
        var (code, _) = await Mqtt5Wire.ConnectAsync(receiver, "held-receiver", properties: (Mqtt5Properties.ReceiveMaximum, Mqtt5Wire.TwoBytes(1)));
        Assert.Equal(0, code);
        Assert.Equal(1, await Mqtt5Wire.SubscribeAsync(receiver, "flow/held", qos: 1));
        await using var publisher = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, await publisher.ConnectAsync("held-publisher"));

        await publisher.PublishAsync("flow/held", "first-message"u8.ToArray(), qos: 1, packetId: 1);
        await publisher.PublishAsync("flow/held", "waiting-message"u8.ToArray(), qos: 1, packetId: 2);
        for (ushort id = 1; id <= 2; id++)
        {
            Assert.Equal(4, (await publisher.ReadPacketAsync()).Type);
        }

        // Read into the publisher's buffer after the waiting message: each is routed (to nobody) and acknowledged.
        for (ushort id = 3; id <= 20; id++)
        {
            await publisher.PublishAsync("flow/other", "overwritten-xx"u8.ToArray(), qos: 1, packetId: id);
            Assert.Equal(4, (await publisher.ReadPacketAsync()).Type);
        }

        var first = await Mqtt5Wire.ReadPublishAsync(receiver);
        Assert.Equal("first-message", first.Payload);
        await receiver.SendPubAckAsync(first.PacketId);
        Assert.Equal("waiting-message", (await Mqtt5Wire.ReadPublishAsync(receiver)).Payload);
    }

    [Theory]
    [MemberData(nameof(Engines.WithMqtt5), MemberType = typeof(Engines))]
    public async Task Retained_messages_sent_after_a_suback_keep_to_the_receive_maximum_and_get_aliases(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using (var publisher = await TestClient.ConnectAsync(broker, "retainer", MqttProtocolVersion.V500))
        {
            foreach (var topic in new[] { "kept/a", "kept/b", "kept/c" })
            {
                await publisher.PublishAsync(topic, topic, retain: true);
            }
        }

        await using var raw = await RawMqttConnection.OpenAsync(broker);
        var (code, _) = await Mqtt5Wire.ConnectAsync(raw, "retained-window",
            properties: [(Mqtt5Properties.ReceiveMaximum, Mqtt5Wire.TwoBytes(2)), (Mqtt5Properties.TopicAliasMaximum, Mqtt5Wire.TwoBytes(5))]);
        Assert.Equal(0, code);
        await Mqtt5Wire.SendSubscribeAsync(raw, "kept/+", qos: 1);

        // The broker may send retained messages before the SUBACK (MQTT 5 §3.8.4).
        var publishes = new List<Mqtt5Publish>();
        var subAcked = false;
        while (!subAcked || publishes.Count < 2)
        {
            var (type, flags, body) = await raw.ReadPacketAsync();
            if (type == 9)
            {
                subAcked = true;
            }
            else
            {
                publishes.Add(Mqtt5Wire.ParsePublish(type, flags, body));
            }
        }

        var (first, second) = (publishes[0], publishes[1]);
        await Mqtt5Wire.ExpectSilenceAsync(raw, Quiet);
        await raw.SendPubAckAsync(first.PacketId);
        var third = await Mqtt5Wire.ReadPublishAsync(raw);

        Assert.All([first, second, third], p => Assert.Equal((1, p.Payload), (p.Qos, p.Topic)));
        Assert.Equal(["kept/a", "kept/b", "kept/c"], new[] { first, second, third }.Select(p => p.Payload).Order());
        Assert.Equal([1, 2, 3], new[] { first, second, third }.Select(p => p.Properties.Number(Mqtt5Properties.TopicAlias) ?? 0).Order());
    }

    [Theory]
    [MemberData(nameof(Engines.WithMqtt5), MemberType = typeof(Engines))]
    public async Task The_broker_announces_its_receive_maximum_and_disconnects_a_client_that_exceeds_it_with_0x93(string engine)
    {
        await using var broker = await Engines.StartAsync(engine, new Dictionary<string, string?> { ["EdgeBroker:Connections:ReceiveMaximum"] = "3" });
        await using var raw = await RawMqttConnection.OpenAsync(broker);
        var (code, properties) = await Mqtt5Wire.ConnectAsync(raw, "too-eager");
        Assert.Equal(0, code);
        Assert.Equal(3, properties.Number(Mqtt5Properties.ReceiveMaximum));

        // QoS 2 PUBLISHes stay in flight until their PUBREL: the fourth is one too many.
        for (ushort id = 1; id <= 4; id++)
        {
            await Mqtt5Wire.PublishAsync(raw, "flow/eager", $"m{id}", qos: 2, packetId: id);
        }

        Assert.Equal(0x93, await Mqtt5Wire.ReadDisconnectAsync(raw));
        Assert.True(await raw.IsClosedByBrokerAsync(TimeSpan.FromSeconds(3)));
    }

    [Theory]
    [MemberData(nameof(Engines.WithMqtt5), MemberType = typeof(Engines))]
    public async Task Completed_QoS_2_exchanges_free_their_place_in_the_receive_maximum(string engine)
    {
        await using var broker = await Engines.StartAsync(engine, new Dictionary<string, string?> { ["EdgeBroker:Connections:ReceiveMaximum"] = "2" });
        await using var watcher = await TestClient.ConnectAsync(broker, "flow-watcher", MqttProtocolVersion.V500);
        await watcher.SubscribeAsync("flow/steady", MqttQualityOfServiceLevel.ExactlyOnce);
        await using var raw = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, (await Mqtt5Wire.ConnectAsync(raw, "steady")).ReasonCode);

        for (ushort id = 1; id <= 6; id++)
        {
            await Mqtt5Wire.PublishAsync(raw, "flow/steady", $"m{id}", qos: 2, packetId: id);
            var (type, _, _) = await raw.ReadPacketAsync();
            Assert.Equal(5, type); // PUBREC
            await raw.SendPacketIdAsync(0x62, id);
            (type, _, _) = await raw.ReadPacketAsync();
            Assert.Equal(7, type); // PUBCOMP
        }

        Assert.Equal(6, (await watcher.ReceivePayloadsAsync(6)).Count);
    }

    /// <summary>A PUBREL for an identifier the session does not await is completed all the same, and MQTT 5 says so:
    /// PUBCOMP 0x92 (Packet Identifier not found, §3.7.2.1); a known one gets 0x00.</summary>
    [Theory]
    [MemberData(nameof(Engines.WithMqtt5), MemberType = typeof(Engines))]
    public async Task A_PUBREL_for_an_unknown_identifier_gets_PUBCOMP_0x92(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using var raw = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, (await Mqtt5Wire.ConnectAsync(raw, "releaser")).ReasonCode);

        await raw.SendPacketIdAsync(0x62, 7);
        var (unknownType, _, unknownBody) = await raw.ReadPacketAsync();
        await Mqtt5Wire.PublishAsync(raw, "flow/released", "m", qos: 2, packetId: 8);
        Assert.Equal(5, (await raw.ReadPacketAsync()).Type); // PUBREC
        await raw.SendPacketIdAsync(0x62, 8);
        var (knownType, _, knownBody) = await raw.ReadPacketAsync();

        Assert.Equal((7, 0x92), (unknownType, (int)unknownBody[2]));
        Assert.Equal(7, knownType);
        Assert.True(knownBody.Length == 2 || knownBody[2] == 0x00);
    }
}
