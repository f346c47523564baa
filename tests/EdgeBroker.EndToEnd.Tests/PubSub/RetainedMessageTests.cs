using EdgeBroker.EndToEnd.Tests.Infrastructure;
using EdgeBroker.Firmware.Relay.Settings;
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

    /// <summary>The device's outbound queue per client: 64 messages, 8,192 bytes. The retained messages' bytes are not
    /// bounded: the device's 32 of 1,000 bytes go beyond its <c>max_retained_bytes</c>, which is not what is tested.</summary>
    static readonly Dictionary<string, string?> DeviceQueueLimits = new()
    {
        ["EdgeBroker:OutboundQueue:MaxMessagesPerClient"] = new RelaySettings().MaxQueuedMessagesPerClient.ToString(),
        ["EdgeBroker:OutboundQueue:MaxBytesPerClient"] = new RelaySettings().MaxQueuedBytesPerClient.ToString(),
        ["EdgeBroker:MaxRetainedBytes"] = "0",
    };

    /// <summary>A queue smaller than either engine's default: 20 messages, 4,096 bytes (the device's packet size); the
    /// retained messages' bytes not bounded, as in <see cref="DeviceQueueLimits"/>.</summary>
    static readonly Dictionary<string, string?> SmallQueueLimits = new()
    {
        ["EdgeBroker:OutboundQueue:MaxMessagesPerClient"] = "20",
        ["EdgeBroker:OutboundQueue:MaxBytesPerClient"] = "4096",
        ["EdgeBroker:MaxRetainedBytes"] = "0",
    };

    public static TheoryData<string, int, bool> EnginesQosAndQueues => new()
    {
        { Engines.Host, 0, false }, { Engines.Host, 1, false }, { Engines.Host, 0, true }, { Engines.Host, 1, true },
        { Engines.Emulator, 0, false }, { Engines.Emulator, 1, false }, { Engines.Emulator, 0, true }, { Engines.Emulator, 1, true },
    };

    /// <summary>
    /// Review D5: every retained message matching a SUBSCRIBE was pushed into the subscriber's outbound queue at once,
    /// and the queue's limits dropped the rest, uncounted — a subscriber that read everything got 1,338 of 3,000 on the
    /// host and 6 of 32 on the emulator (8 at QoS 1). The core now feeds them to the connection as its queue drains.
    /// The emulator keeps at most 32 retained messages (the device's limit), the host is given 3,000.
    /// </summary>
    [Theory]
    [MemberData(nameof(EnginesQosAndQueues))]
    public async Task A_subscriber_that_reads_gets_every_retained_message_its_subscribe_matches_once(string engine, int qos, bool smallQueue)
    {
        var count = engine == Engines.Host ? 3000 : new RelaySettings().MaxRetainedMessages;
        var payload = new string('r', engine == Engines.Host ? 100 : 1000);
        await using var broker = await Engines.StartAsync(engine, smallQueue ? SmallQueueLimits : DeviceQueueLimits);
        await using (var publisher = await TestClient.ConnectAsync(broker, "publisher"))
        {
            for (var i = 0; i < count; i++)
            {
                await publisher.PublishAsync("ret/" + i, payload + i, retain: true);
            }
        }

        await using var subscriber = await TestClient.ConnectAsync(broker, "subscriber");
        await subscriber.SubscribeAsync("ret/#", (MqttQualityOfServiceLevel)qos);

        var received = new List<MqttApplicationMessage>();
        for (var i = 0; i < count; i++)
        {
            received.Add(await subscriber.ReceiveAsync());
        }

        await subscriber.ExpectNothingAsync();
        Assert.Equal(Enumerable.Range(0, count).Select(i => payload + i).Order(), received.Select(m => m.ConvertPayloadToString()).Order());
        Assert.All(received, message => Assert.True(message.Retain));
        Assert.All(received, message => Assert.Equal(qos, (int)message.QualityOfServiceLevel));
        Assert.Equal(0, broker.Counters!.EngineDropped);
    }

    /// <summary>A subscriber that reads nothing for a while after its SUBSCRIBE: its queue fills and the rest of the
    /// retained messages wait in the core (a position, not copies), then follow, in topic order, once it reads.</summary>
    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task Retained_messages_wait_for_a_subscriber_that_pauses_and_follow_in_order_when_it_reads(string engine)
    {
        var count = engine == Engines.Host ? 3000 : new RelaySettings().MaxRetainedMessages;
        var payload = new string('r', 1000);
        await using var broker = await Engines.StartAsync(engine, SmallQueueLimits);
        await using (var publisher = await TestClient.ConnectAsync(broker, "publisher"))
        {
            for (var i = 0; i < count; i++)
            {
                await publisher.PublishAsync($"ret/{i:D4}", payload, retain: true);
            }
        }

        await using var subscriber = await RawMqttConnection.OpenAsync(broker, receiveBufferBytes: 4096);
        Assert.Equal(0, await subscriber.ConnectAsync("paused"));
        Assert.Equal(0, await subscriber.SubscribeAsync("ret/+", qos: 0));
        await Task.Delay(TimeSpan.FromSeconds(2));

        var topics = new List<string>();
        for (var i = 0; i < count; i++)
        {
            topics.Add((await subscriber.ReadPublishAsync(TimeSpan.FromSeconds(10))).Topic);
        }

        Assert.Equal(Enumerable.Range(0, count).Select(i => $"ret/{i:D4}"), topics);
        Assert.Equal(0, broker.Counters!.EngineDropped);
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
