using EdgeBroker.EndToEnd.Tests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace EdgeBroker.EndToEnd.Tests.PubSub;

/// <summary>Ordinary publish/subscribe: QoS, wildcards, overlapping subscriptions (MQTT 3.1.1 §3.3, §4.7; MQTT 5 §3.8).</summary>
public sealed class DeliveryTests
{
    [Theory]
    [MemberData(nameof(QosPairs))]
    public async Task Delivery_qos_is_the_lowest_of_publish_granted_and_engine_maximum_qos(string engine, int publishQos, int subscribeQos)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using var subscriber = await TestClient.ConnectAsync(broker, "subscriber");
        await subscriber.SubscribeAsync("sensors/temp", (MqttQualityOfServiceLevel)subscribeQos);
        await using var publisher = await TestClient.ConnectAsync(broker, "publisher");

        await publisher.PublishAsync("sensors/temp", "21.5", (MqttQualityOfServiceLevel)publishQos);

        var message = await subscriber.ReceiveAsync();
        Assert.Equal("21.5", message.ConvertPayloadToString());
        Assert.Equal((MqttQualityOfServiceLevel)Math.Min(Math.Min(publishQos, subscribeQos), Engines.MaxQos(engine)), message.QualityOfServiceLevel);
    }

    public static TheoryData<string, int, int> QosPairs()
    {
        var data = new TheoryData<string, int, int>();
        foreach (var engine in Engines.Names)
        {
            for (var publish = 0; publish <= 2; publish++)
            {
                for (var subscribe = 0; subscribe <= 2; subscribe++)
                {
                    data.Add(engine, publish, subscribe);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task Wildcards_match_as_the_specification_says(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using var single = await TestClient.ConnectAsync(broker, "single");
        await single.SubscribeAsync("sport/+/player1");
        await using var multi = await TestClient.ConnectAsync(broker, "multi");
        await multi.SubscribeAsync("sport/#");
        await using var publisher = await TestClient.ConnectAsync(broker, "publisher");

        await publisher.PublishAsync("sport", "parent");
        await publisher.PublishAsync("sport/tennis/player1", "deep");
        await publisher.PublishAsync("sport/tennis/player2", "other");
        await publisher.PublishAsync("news/tennis/player1", "unrelated");

        Assert.Equal(["deep"], await single.ReceivePayloadsAsync(1));
        await single.ExpectNothingAsync();
        Assert.Equal(["parent", "deep", "other"], await multi.ReceivePayloadsAsync(3));
        await multi.ExpectNothingAsync();
    }

    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task Overlapping_subscriptions_deliver_once_at_the_highest_granted_qos(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using var subscriber = await TestClient.ConnectAsync(broker, "subscriber");
        await subscriber.SubscribeAsync("home/#", MqttQualityOfServiceLevel.AtMostOnce);
        await subscriber.SubscribeAsync("home/+/temp", MqttQualityOfServiceLevel.AtLeastOnce);
        await subscriber.SubscribeAsync("home/kitchen/temp", MqttQualityOfServiceLevel.AtMostOnce);
        await using var publisher = await TestClient.ConnectAsync(broker, "publisher");

        await publisher.PublishAsync("home/kitchen/temp", "19", MqttQualityOfServiceLevel.ExactlyOnce);

        var message = await subscriber.ReceiveAsync();
        Assert.Equal(MqttQualityOfServiceLevel.AtLeastOnce, message.QualityOfServiceLevel);
        await subscriber.ExpectNothingAsync();
    }

    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task A_qos2_publish_sent_again_before_its_pubrel_is_acknowledged_again_and_not_delivered_twice(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using var subscriber = await TestClient.ConnectAsync(broker, "subscriber");
        await subscriber.SubscribeAsync("exactly/once", MqttQualityOfServiceLevel.AtLeastOnce);
        await using var publisher = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, await publisher.ConnectAsync("qos2-publisher"));
        const ushort packetId = 7;

        // [MQTT-4.3.3-2]: the first PUBLISH is routed and answered with PUBREC; the same one again (DUP set, as after a
        // lost PUBREC) is answered with PUBREC again and not routed a second time.
        await publisher.PublishAsync("exactly/once", "first"u8.ToArray(), qos: 2, packetId);
        Assert.Equal((5, packetId), await ReadAcknowledgementAsync(publisher));
        await publisher.SendAsync(0x3C, [0, 12, .. "exactly/once"u8.ToArray(), 0, (byte)packetId, .. "first"u8.ToArray()]);
        Assert.Equal((5, packetId), await ReadAcknowledgementAsync(publisher));
        Assert.Equal(["first"], await subscriber.ReceivePayloadsAsync(1));
        await subscriber.ExpectNothingAsync();

        // PUBREL completes it (PUBCOMP); the identifier then carries a new message, which is routed.
        await publisher.SendPacketIdAsync(0x62, packetId);
        Assert.Equal((7, packetId), await ReadAcknowledgementAsync(publisher));
        await publisher.PublishAsync("exactly/once", "second"u8.ToArray(), qos: 2, packetId);
        Assert.Equal((5, packetId), await ReadAcknowledgementAsync(publisher));
        Assert.Equal(["second"], await subscriber.ReceivePayloadsAsync(1));
    }

    [Fact]
    public async Task A_qos2_delivery_goes_through_pubrec_pubrel_and_pubcomp()
    {
        await using var broker = await Engines.StartAsync(Engines.Host);
        await using var subscriber = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, await subscriber.ConnectAsync("qos2-subscriber"));
        Assert.Equal(2, await subscriber.SubscribeAsync("exactly/out", qos: 2));
        await using var publisher = await TestClient.ConnectAsync(broker, "publisher");

        await publisher.PublishAsync("exactly/out", "one", MqttQualityOfServiceLevel.ExactlyOnce);
        var delivered = await subscriber.ReadPublishAsync();
        Assert.Equal(("one", 2), (delivered.Payload, delivered.Qos));
        await subscriber.SendPacketIdAsync(0x50, delivered.PacketId);
        var (type, flags, body) = await subscriber.ReadPacketAsync();
        Assert.Equal((6, 2, delivered.PacketId), (type, flags, (ushort)((body[0] << 8) | body[1])));
        await subscriber.SendPacketIdAsync(0x70, delivered.PacketId);

        // The exchange is complete: the next message flows, and the first is not sent again.
        await publisher.PublishAsync("exactly/out", "two", MqttQualityOfServiceLevel.ExactlyOnce);
        Assert.Equal("two", (await subscriber.ReadPublishAsync()).Payload);
    }

    /// <summary>Each engine with each protocol level it speaks: the host 3.1.1 (4) and 5, the emulator 3.1.1.</summary>
    public static TheoryData<string, int> EnginesAndLevels => new() { { Engines.Host, 4 }, { Engines.Host, 5 }, { Engines.Emulator, 4 } };

    /// <summary>The host at MQTT 3.1.1 (4) and 5: the emulator delivers at most QoS 1.</summary>
    public static TheoryData<string, int> HostLevels => new() { { Engines.Host, 4 }, { Engines.Host, 5 } };

    [Theory]
    [MemberData(nameof(EnginesAndLevels))]
    public async Task A_qos2_publish_resent_after_a_reconnect_before_its_pubrel_is_acknowledged_and_not_delivered_twice(string engine, int protocolLevel)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using var subscriber = await TestClient.ConnectAsync(broker, "subscriber");
        await subscriber.SubscribeAsync("exactly/resumed", MqttQualityOfServiceLevel.AtLeastOnce);
        const ushort packetId = 7;
        var expiry = protocolLevel == 5 ? 300u : 0u;
        var first = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, await first.ConnectAsync("qos2-resumed", cleanSession: false, protocolLevel: protocolLevel, sessionExpiry: expiry));
        await first.PublishAsync("exactly/resumed", "once"u8.ToArray(), qos: 2, packetId);
        Assert.Equal((5, packetId), await ReadAcknowledgementAsync(first));
        Assert.Equal(["once"], await subscriber.ReceivePayloadsAsync(1));

        // The connection drops before the PUBREL; the session's state includes the identifier awaiting it (§4.1), so the
        // resend on the next connection (DUP set) is acknowledged and not routed again [MQTT-4.3.3-2].
        first.Abort();
        await using var second = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, await second.ConnectAsync("qos2-resumed", cleanSession: false, protocolLevel: protocolLevel, sessionExpiry: expiry));
        var resend = second.PublishPacket("exactly/resumed", "once"u8.ToArray(), qos: 2, packetId);
        resend[0] |= 0x08;
        await second.SendRawAsync(resend);
        Assert.Equal((5, packetId), await ReadAcknowledgementAsync(second));
        await subscriber.ExpectNothingAsync();

        // The PUBREL completes it; the identifier then carries a new message, which is routed.
        await second.SendPacketIdAsync(0x62, packetId);
        Assert.Equal((7, packetId), await ReadAcknowledgementAsync(second));
        await second.PublishAsync("exactly/resumed", "next"u8.ToArray(), qos: 2, packetId);
        Assert.Equal((5, packetId), await ReadAcknowledgementAsync(second));
        Assert.Equal(["next"], await subscriber.ReceivePayloadsAsync(1));
    }

    [Theory]
    [MemberData(nameof(HostLevels))]
    public async Task A_resumed_session_gets_the_pubrel_of_a_delivery_it_received_and_not_its_publish_again(string engine, int protocolLevel)
    {
        await using var broker = await Engines.StartAsync(engine);
        var expiry = protocolLevel == 5 ? 300u : 0u;
        var first = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, await first.ConnectAsync("qos2-receiver", cleanSession: false, protocolLevel: protocolLevel, sessionExpiry: expiry));
        Assert.Equal(2, await first.SubscribeAsync("exactly/out", qos: 2));
        await using var publisher = await TestClient.ConnectAsync(broker, "publisher");
        await publisher.PublishAsync("exactly/out", "one", MqttQualityOfServiceLevel.ExactlyOnce);
        var delivered = await ReadPublishIdAsync(first);
        await first.SendPacketIdAsync(0x50, delivered);
        Assert.Equal((6, 2, delivered), await ReadPacketIdAsync(first));

        // Dropped before the PUBCOMP: the broker sent the PUBREL, so it must not send the PUBLISH again [MQTT-4.3.3-1];
        // the resumed session gets the PUBREL again, first [MQTT-4.4.0-1].
        first.Abort();
        await using var second = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, await second.ConnectAsync("qos2-receiver", cleanSession: false, protocolLevel: protocolLevel, sessionExpiry: expiry));
        Assert.Equal((6, 2, delivered), await ReadPacketIdAsync(second));

        // Until its PUBCOMP the identifier is not given to a new delivery (the client still holds it).
        await publisher.PublishAsync("exactly/out", "two", MqttQualityOfServiceLevel.ExactlyOnce);
        var next = await ReadPublishIdAsync(second);
        Assert.NotEqual(delivered, next);
        await second.SendPacketIdAsync(0x70, delivered);
        await second.SendPacketIdAsync(0x50, next);
        Assert.Equal((6, 2, next), await ReadPacketIdAsync(second));
        await second.SendPacketIdAsync(0x70, next);

        // Both complete: a third connection gets nothing again.
        second.Abort();
        await using var third = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, await third.ConnectAsync("qos2-receiver", cleanSession: false, protocolLevel: protocolLevel, sessionExpiry: expiry));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => third.ReadPacketAsync(TimeSpan.FromSeconds(1)));
    }

    public static TheoryData<string, int, int> ResendCases => new()
    {
        { Engines.Host, 4, 1 }, { Engines.Host, 5, 1 }, { Engines.Host, 4, 2 }, { Engines.Host, 5, 2 }, { Engines.Emulator, 4, 1 },
    };

    [Theory]
    [MemberData(nameof(ResendCases))]
    public async Task A_resumed_session_gets_an_unacknowledged_delivery_again_with_its_original_packet_identifier(string engine, int protocolLevel, int qos)
    {
        await using var broker = await Engines.StartAsync(engine);
        var expiry = protocolLevel == 5 ? 300u : 0u;
        var first = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, await first.ConnectAsync("resent-receiver", cleanSession: false, protocolLevel: protocolLevel, sessionExpiry: expiry));
        Assert.Equal(qos, await first.SubscribeAsync("resend/id", qos: qos));
        await using var publisher = await TestClient.ConnectAsync(broker, "publisher");

        // Two deliveries, so the first connection's identifiers are not simply where a new connection starts counting.
        await publisher.PublishAsync("resend/id", "zero", (MqttQualityOfServiceLevel)qos);
        var acknowledged = await ReadPublishIdAsync(first);
        await first.SendPacketIdAsync((byte)(qos == 1 ? 0x40 : 0x50), acknowledged);
        if (qos == 2)
        {
            Assert.Equal((6, 2, acknowledged), await ReadPacketIdAsync(first));
            await first.SendPacketIdAsync(0x70, acknowledged);
        }

        await publisher.PublishAsync("resend/id", "one", (MqttQualityOfServiceLevel)qos);
        var (flags, unacknowledged) = await ReadPublishFlagsAndIdAsync(first);
        Assert.Equal(0, flags & 0x08);

        // Dropped before the PUBACK / PUBREC: the resumed session gets it again with DUP and the same identifier
        // [MQTT-4.4.0-1], so a client holding that identifier for its QoS 2 handshake knows it for the same message.
        first.Abort();
        await using var second = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, await second.ConnectAsync("resent-receiver", cleanSession: false, protocolLevel: protocolLevel, sessionExpiry: expiry));
        var (resentFlags, resent) = await ReadPublishFlagsAndIdAsync(second);
        Assert.Equal((0x08, unacknowledged), (resentFlags & 0x08, resent));

        // A new delivery is numbered with another identifier while the resend awaits its acknowledgement.
        await publisher.PublishAsync("resend/id", "two", (MqttQualityOfServiceLevel)qos);
        var (newFlags, next) = await ReadPublishFlagsAndIdAsync(second);
        Assert.Equal(0, newFlags & 0x08);
        Assert.NotEqual(unacknowledged, next);
    }

    /// <summary>The flags and the packet identifier of the next packet, a QoS 1/2 PUBLISH (MQTT 3.1.1 or 5).</summary>
    static async Task<(int Flags, ushort PacketId)> ReadPublishFlagsAndIdAsync(RawMqttConnection connection)
    {
        var (type, flags, body) = await connection.ReadPacketAsync();
        Assert.Equal(3, type);
        var offset = 2 + ((body[0] << 8) | body[1]);
        return (flags, (ushort)((body[offset] << 8) | body[offset + 1]));
    }

    /// <summary>The packet identifier of the next packet, a QoS 1/2 PUBLISH (MQTT 3.1.1 or 5).</summary>
    static async Task<ushort> ReadPublishIdAsync(RawMqttConnection connection) => (await ReadPublishFlagsAndIdAsync(connection)).PacketId;

    /// <summary>The type, flags and packet identifier of the next packet.</summary>
    static async Task<(int Type, int Flags, ushort PacketId)> ReadPacketIdAsync(RawMqttConnection connection)
    {
        var (type, flags, body) = await connection.ReadPacketAsync();
        return (type, flags, (ushort)((body[0] << 8) | body[1]));
    }

    /// <summary>The type and packet identifier of the next packet, an acknowledgement (PUBREC 5, PUBCOMP 7).</summary>
    static async Task<(int Type, ushort PacketId)> ReadAcknowledgementAsync(RawMqttConnection connection)
    {
        var (type, _, body) = await connection.ReadPacketAsync();
        return (type, (ushort)((body[0] << 8) | body[1]));
    }

    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task Unsubscribe_stops_delivery(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using var subscriber = await TestClient.ConnectAsync(broker, "subscriber");
        await subscriber.SubscribeAsync("a/b");
        await using var publisher = await TestClient.ConnectAsync(broker, "publisher");
        await publisher.PublishAsync("a/b", "before");
        Assert.Equal("before", (await subscriber.ReceiveAsync()).ConvertPayloadToString());

        await subscriber.Client.UnsubscribeAsync("a/b");
        await publisher.PublishAsync("a/b", "after");

        await subscriber.ExpectNothingAsync();
    }

    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task Wildcard_subscriptions_do_not_see_dollar_topics_and_clients_cannot_publish_there(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using var everything = await TestClient.ConnectAsync(broker, "everything");
        await everything.SubscribeAsync("#");
        await using var publisher = await TestClient.ConnectAsync(broker, "publisher");

        await publisher.PublishAsync("$internal/x", "forged");

        await everything.ExpectNothingAsync();
    }

    [Theory]
    [MemberData(nameof(Engines.WithMqtt5), MemberType = typeof(Engines))]
    public async Task Mqtt5_no_local_keeps_a_clients_own_messages_from_it(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using var chatty = await TestClient.ConnectAsync(broker, "chatty", MqttProtocolVersion.V500);
        await chatty.Client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(f => f.WithTopic("room/1").WithNoLocal(true).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce))
            .Build());
        await using var listener = await TestClient.ConnectAsync(broker, "listener", MqttProtocolVersion.V500);
        await listener.SubscribeAsync("room/1");

        await chatty.PublishAsync("room/1", "hi");

        Assert.Equal("hi", (await listener.ReceiveAsync()).ConvertPayloadToString());
        await chatty.ExpectNothingAsync();
    }

    [Theory]
    [MemberData(nameof(Engines.WithMqtt5), MemberType = typeof(Engines))]
    public async Task Mqtt5_subscription_identifiers_come_with_each_matching_message(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using var subscriber = await TestClient.ConnectAsync(broker, "subscriber", MqttProtocolVersion.V500);
        await subscriber.Client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithSubscriptionIdentifier(7).WithTopicFilter("plant/+/state", MqttQualityOfServiceLevel.AtLeastOnce).Build());
        await subscriber.Client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithSubscriptionIdentifier(9).WithTopicFilter("plant/#", MqttQualityOfServiceLevel.AtLeastOnce).Build());
        await using var publisher = await TestClient.ConnectAsync(broker, "publisher", MqttProtocolVersion.V500);

        await publisher.PublishAsync("plant/pump/state", "on");
        await publisher.PublishAsync("plant/pump/flow", "3");

        Assert.Equal([7u, 9u], (await subscriber.ReceiveAsync()).SubscriptionIdentifiers.Order());
        Assert.Equal([9u], (await subscriber.ReceiveAsync()).SubscriptionIdentifiers);
    }

    [Theory]
    [MemberData(nameof(Engines.WithMqtt5), MemberType = typeof(Engines))]
    public async Task Mqtt5_invalid_filters_are_refused_with_0x8F_and_the_connection_stays(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using var client = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, await client.ConnectAsync("client", protocolLevel: 5));

        Assert.Equal(0x8F, await client.SubscribeAsync("a/#/b"));
        Assert.Equal(1, await client.SubscribeAsync("ok/+"));
    }

    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task Mqtt311_invalid_filters_close_the_connection(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using var bystander = await TestClient.ConnectAsync(broker, "bystander");
        await bystander.SubscribeAsync("ok/+");
        await using var client = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, await client.ConnectAsync("client"));

        await client.SendAsync(0x82, [0, 1, 0, 5, (byte)'a', (byte)'/', (byte)'#', (byte)'/', (byte)'b', 1]);

        Assert.True(await client.IsClosedByBrokerAsync(TimeSpan.FromSeconds(3)));
        await using var publisher = await TestClient.ConnectAsync(broker, "publisher");
        await publisher.PublishAsync("ok/1", "others unaffected");
        Assert.Equal("others unaffected", (await bystander.ReceiveAsync()).ConvertPayloadToString());
    }
}
