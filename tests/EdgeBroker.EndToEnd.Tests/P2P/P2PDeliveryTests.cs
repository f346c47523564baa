using EdgeBroker.EndToEnd.Tests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace EdgeBroker.EndToEnd.Tests.P2P;

/// <summary>A PUBLISH to {parent}/p2p/{clientId} reaches that connected client, without a subscription, and nobody else.</summary>
public sealed class P2PDeliveryTests
{
    const string Receiver = "GID_sensors@@@DEVICE_001";
    const string Topic = "app/p2p/" + Receiver;

    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task Receiver_gets_the_message_without_subscribing(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using var receiver = await TestClient.ConnectAsync(broker, Receiver);
        await using var sender = await TestClient.ConnectAsync(broker, "GID_app@@@backend");

        await sender.PublishAsync(Topic, "hello");

        var message = await receiver.ReceiveAsync();
        Assert.Equal(Topic, message.Topic);
        Assert.Equal("hello", message.ConvertPayloadToString());
    }

    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task A_receiver_gets_messages_published_the_moment_its_connect_is_accepted(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using var sender = await TestClient.ConnectAsync(broker, "sender");

        // No pause between the receiver's CONNACK and the PUBLISH: the broker must already route to it.
        for (var round = 0; round < 30; round++)
        {
            await using var receiver = await TestClient.ConnectAsync(broker, Receiver);
            await sender.PublishAsync(Topic, "round " + round);
            Assert.Equal("round " + round, (await receiver.ReceiveAsync()).ConvertPayloadToString());
        }
    }

    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task Nobody_else_sees_it_not_even_wildcard_or_exact_subscribers(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using var receiver = await TestClient.ConnectAsync(broker, Receiver);
        await using var everything = await TestClient.ConnectAsync(broker, "spy-hash");
        await everything.SubscribeAsync("#");
        await using var allP2P = await TestClient.ConnectAsync(broker, "spy-p2p");
        await allP2P.SubscribeAsync("+/p2p/#");
        await using var exact = await TestClient.ConnectAsync(broker, "spy-exact");
        await exact.SubscribeAsync(Topic);
        await using var sender = await TestClient.ConnectAsync(broker, "sender");

        await sender.PublishAsync(Topic, "private");

        Assert.Equal("private", (await receiver.ReceiveAsync()).ConvertPayloadToString());
        await everything.ExpectNothingAsync();
        await allP2P.ExpectNothingAsync();
        await exact.ExpectNothingAsync();
        await receiver.ExpectNothingAsync();
    }

    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task A_receiver_subscribed_to_a_matching_filter_gets_it_once(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using var receiver = await TestClient.ConnectAsync(broker, Receiver);
        await receiver.SubscribeAsync("app/p2p/+");
        await receiver.SubscribeAsync("#");
        await using var sender = await TestClient.ConnectAsync(broker, "sender");

        await sender.PublishAsync(Topic, "once");

        Assert.Equal("once", (await receiver.ReceiveAsync()).ConvertPayloadToString());
        await receiver.ExpectNothingAsync();
    }

    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task Publishing_to_your_own_client_id_works(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using var self = await TestClient.ConnectAsync(broker, Receiver);

        await self.PublishAsync(Topic, "to myself");

        Assert.Equal("to myself", (await self.ReceiveAsync()).ConvertPayloadToString());
    }

    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task Delivery_keeps_the_publish_qos_up_to_the_engine_maximum_and_clears_the_retain_flag(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using var receiver = await TestClient.ConnectAsync(broker, Receiver);
        await using var sender = await TestClient.ConnectAsync(broker, "sender");

        foreach (var qos in new[] { MqttQualityOfServiceLevel.AtMostOnce, MqttQualityOfServiceLevel.AtLeastOnce, MqttQualityOfServiceLevel.ExactlyOnce })
        {
            await sender.PublishAsync(Topic, qos.ToString(), qos, retain: true);
            var message = await receiver.ReceiveAsync();
            Assert.Equal((MqttQualityOfServiceLevel)Math.Min((int)qos, Engines.MaxQos(engine)), message.QualityOfServiceLevel);
            Assert.False(message.Retain);
        }

        // Nor is a P2P message kept as a retained message for later subscribers.
        await using var late = await TestClient.ConnectAsync(broker, "late");
        await late.SubscribeAsync("#");
        await late.ExpectNothingAsync();
    }

    [Theory]
    [MemberData(nameof(Engines.WithMqtt5), MemberType = typeof(Engines))]
    public async Task Mqtt5_properties_reach_the_receiver_unchanged(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using var receiver = await TestClient.ConnectAsync(broker, Receiver, MqttProtocolVersion.V500);
        await using var sender = await TestClient.ConnectAsync(broker, "sender", MqttProtocolVersion.V500);

        var result = await sender.Client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(Topic)
            .WithPayload("{\"on\":true}")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithContentType("application/json")
            .WithResponseTopic("app/p2p/sender")
            .WithCorrelationData([1, 2, 3])
            .WithUserProperty("trace", "42"u8.ToArray().AsMemory())
            .WithPayloadFormatIndicator(MqttPayloadFormatIndicator.CharacterData)
            .Build());
        Assert.Equal(MqttClientPublishReasonCode.Success, result.ReasonCode);

        var message = await receiver.ReceiveAsync();
        Assert.Equal(Topic, message.Topic);
        Assert.Equal("{\"on\":true}", message.ConvertPayloadToString());
        Assert.Equal("application/json", message.ContentType);
        Assert.Equal("app/p2p/sender", message.ResponseTopic);
        Assert.Equal(new byte[] { 1, 2, 3 }, message.CorrelationData);
        Assert.Equal("42"u8.ToArray(), Assert.Single(message.UserProperties!, p => p.Name == "trace").ValueBuffer.ToArray());
        Assert.Equal(MqttPayloadFormatIndicator.CharacterData, message.PayloadFormatIndicator);
        Assert.Null(message.SubscriptionIdentifiers is { Count: > 0 } ? message.SubscriptionIdentifiers : null);
    }

    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task Mqtt311_and_mqtt5_clients_reach_each_other(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using var v311 = await TestClient.ConnectAsync(broker, "GID_a@@@v311", MqttProtocolVersion.V311);
        await using var v5 = engine == Engines.Host
            ? await TestClient.ConnectAsync(broker, "GID_a@@@v5", MqttProtocolVersion.V500)
            : await TestClient.ConnectAsync(broker, "GID_a@@@v5", MqttProtocolVersion.V311);

        await v311.PublishAsync("app/p2p/GID_a@@@v5", "from 3.1.1");
        await v5.PublishAsync("app/p2p/GID_a@@@v311", "from 5");

        Assert.Equal("from 3.1.1", (await v5.ReceiveAsync()).ConvertPayloadToString());
        Assert.Equal("from 5", (await v311.ReceiveAsync()).ConvertPayloadToString());
    }

    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task Messages_from_one_sender_arrive_in_order(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using var receiver = await TestClient.ConnectAsync(broker, Receiver);
        await using var sender = await TestClient.ConnectAsync(broker, "sender");

        var sent = Enumerable.Range(0, 200).Select(i => i.ToString()).ToList();
        foreach (var payload in sent)
        {
            await sender.PublishAsync(Topic, payload);
        }

        Assert.Equal(sent, await receiver.ReceivePayloadsAsync(sent.Count));
    }
}
