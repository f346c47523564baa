using EdgeBroker.EndToEnd.Tests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace EdgeBroker.EndToEnd.Tests.PubSub;

/// <summary>Retained messages (MQTT 3.1.1 §3.3.1.3, MQTT 5 §3.3.1.3).</summary>
public sealed class RetainedMessageTests
{
    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task A_new_subscriber_gets_the_last_retained_message_with_the_retain_flag(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using var publisher = await TestClient.ConnectAsync(broker, "publisher");
        await publisher.PublishAsync("status/gateway", "old", retain: true);
        await publisher.PublishAsync("status/gateway", "online", retain: true);

        await using var subscriber = await TestClient.ConnectAsync(broker, "subscriber");
        await subscriber.SubscribeAsync("status/+");

        var message = await subscriber.ReceiveAsync();
        Assert.Equal("online", message.ConvertPayloadToString());
        Assert.True(message.Retain);
        await subscriber.ExpectNothingAsync();
    }

    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task A_retained_message_published_while_its_subscribe_is_in_flight_reaches_the_subscriber(string engine)
    {
        // Either as a live message or as the retained one on SUBSCRIBE: never neither.
        const int Rounds = 40;
        await using var broker = await Engines.StartAsync(engine);
        await using var subscriber = await TestClient.ConnectAsync(broker, "subscriber");
        await using var publisher = await TestClient.ConnectAsync(broker, "publisher");

        for (var i = 0; i < Rounds; i++)
        {
            await Task.WhenAll(subscriber.SubscribeAsync("race/" + i), publisher.PublishAsync("race/" + i, "r" + i, retain: true));

            // The live copy was handed over before the PUBACK, the retained one before the SUBACK. Unsubscribing and
            // clearing the retained message keep within the device's subscription and retained-message limits.
            await subscriber.Client.UnsubscribeAsync("race/" + i);
            await publisher.PublishAsync("race/" + i, "", retain: true);
        }

        var topics = (await subscriber.ReceiveAllAsync()).Select(message => message.Topic).ToHashSet();
        var missing = Enumerable.Range(0, Rounds).Select(i => "race/" + i).Where(topic => !topics.Contains(topic)).ToList();
        Assert.True(missing.Count == 0, $"never delivered: {string.Join(", ", missing)}");
    }

    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task Live_delivery_to_existing_subscribers_clears_the_retain_flag(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using var subscriber = await TestClient.ConnectAsync(broker, "subscriber");
        await subscriber.SubscribeAsync("status/gateway");
        await using var publisher = await TestClient.ConnectAsync(broker, "publisher");

        await publisher.PublishAsync("status/gateway", "online", retain: true);

        Assert.False((await subscriber.ReceiveAsync()).Retain);
    }

    [Theory]
    [MemberData(nameof(Engines.WithMqtt5), MemberType = typeof(Engines))]
    public async Task Mqtt5_retain_as_published_keeps_the_flag(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using var subscriber = await TestClient.ConnectAsync(broker, "subscriber", MqttProtocolVersion.V500);
        await subscriber.Client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(f => f.WithTopic("status/gateway").WithRetainAsPublished(true).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce))
            .Build());
        await using var publisher = await TestClient.ConnectAsync(broker, "publisher", MqttProtocolVersion.V500);

        await publisher.PublishAsync("status/gateway", "online", retain: true);

        Assert.True((await subscriber.ReceiveAsync()).Retain);
    }

    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task An_empty_retained_message_clears_the_topic(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using var publisher = await TestClient.ConnectAsync(broker, "publisher");
        await publisher.PublishAsync("status/gateway", "online", retain: true);
        await publisher.PublishAsync("status/gateway", "", retain: true);

        await using var subscriber = await TestClient.ConnectAsync(broker, "subscriber");
        await subscriber.SubscribeAsync("status/#");

        await subscriber.ExpectNothingAsync();
    }
}
