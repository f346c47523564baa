using EdgeBroker.EndToEnd.Tests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace EdgeBroker.EndToEnd.Tests.Protocol;

/// <summary>MQTT 5 topic aliases (§3.3.2.3.4) both ways. Host only: the firmware relay speaks MQTT 3.1.1.</summary>
public sealed class TopicAliasTests
{
    [Theory]
    [MemberData(nameof(Engines.WithMqtt5), MemberType = typeof(Engines))]
    public async Task A_publisher_defines_an_alias_and_then_publishes_by_it_alone(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using var subscriber = await TestClient.ConnectAsync(broker, "alias-subscriber", MqttProtocolVersion.V500);
        await subscriber.SubscribeAsync("alias/in");
        await using var publisher = await TestClient.ConnectAsync(broker, "alias-publisher", MqttProtocolVersion.V500);
        Assert.Equal(10, publisher.ConnectResult.TopicAliasMaximum);

        await publisher.Client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("alias/in").WithTopicAlias(1).WithPayload("defined").Build());
        await publisher.Client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("").WithTopicAlias(1).WithPayload("by alias").Build());

        var first = await subscriber.ReceiveAsync();
        var second = await subscriber.ReceiveAsync();
        Assert.Equal(("alias/in", "defined"), (first.Topic, first.ConvertPayloadToString()));
        Assert.Equal(("alias/in", "by alias"), (second.Topic, second.ConvertPayloadToString()));
        Assert.Equal(0, second.TopicAlias);
    }

    [Theory]
    [MemberData(nameof(Engines.WithMqtt5), MemberType = typeof(Engines))]
    public async Task A_subscriber_that_allows_aliases_receives_the_topic_once_then_only_its_alias(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using var subscriber = await TestClient.ConnectAsync(broker, "alias-reader", MqttProtocolVersion.V500,
            configure: options => options.WithTopicAliasMaximum(5));
        await subscriber.SubscribeAsync("alias/out/+", MqttQualityOfServiceLevel.ExactlyOnce);
        await using var publisher = await TestClient.ConnectAsync(broker, "alias-writer", MqttProtocolVersion.V500);
        await using var plain = await TestClient.ConnectAsync(broker, "alias-none", MqttProtocolVersion.V500);
        await plain.SubscribeAsync("alias/out/+");

        foreach (var (topic, qos) in new[] { ("alias/out/a", 0), ("alias/out/a", 1), ("alias/out/b", 2), ("alias/out/a", 2) })
        {
            await publisher.PublishAsync(topic, topic, (MqttQualityOfServiceLevel)qos);
        }

        var received = new List<MqttApplicationMessage>();
        for (var i = 0; i < 4; i++)
        {
            received.Add(await subscriber.ReceiveAsync());
        }

        Assert.Equal(new[] { ("alias/out/a", 1), ("", 1), ("alias/out/b", 2), ("", 1) }, received.Select(m => (m.Topic, (int)m.TopicAlias)));
        Assert.Equal(["alias/out/a", "alias/out/a", "alias/out/b", "alias/out/a"], received.Select(m => m.ConvertPayloadToString()));

        // A client that allows none gets every topic in full.
        var full = new List<MqttApplicationMessage>();
        for (var i = 0; i < 4; i++)
        {
            full.Add(await plain.ReceiveAsync());
        }

        Assert.All(full, m => Assert.Equal((m.ConvertPayloadToString(), (ushort)0), (m.Topic, m.TopicAlias)));
    }

    /// <summary>The broker chooses which topics to alias (§3.3.2.3.4): however many aliases a client allows, it uses at
    /// most <c>Connections:OutboundTopicAliasMaximum</c> (10 by default), and none for a topic longer than 256 characters,
    /// so a connection keeps a bounded set of topics for them.</summary>
    [Theory]
    [InlineData(null, 10)]
    [InlineData("2", 2)]
    public async Task The_broker_aliases_at_most_its_own_cap_of_topics_however_many_the_client_allows_and_no_long_topic(string? setting, int cap)
    {
        await using var broker = await Engines.StartAsync(Engines.Host,
            setting is null ? null : new Dictionary<string, string?> { ["EdgeBroker:Connections:OutboundTopicAliasMaximum"] = setting });
        await using var subscriber = await TestClient.ConnectAsync(broker, "alias-hungry", MqttProtocolVersion.V500,
            configure: options => options.WithTopicAliasMaximum(ushort.MaxValue));
        await subscriber.SubscribeAsync("cap/#", MqttQualityOfServiceLevel.AtMostOnce);
        await using var publisher = await TestClient.ConnectAsync(broker, "alias-feeder", MqttProtocolVersion.V500);
        var topics = Enumerable.Range(0, cap + 1).Select(i => $"cap/{i}").Append("cap/" + new string('t', 300)).ToList();

        foreach (var topic in topics.Concat(topics))
        {
            await publisher.PublishAsync(topic, topic, MqttQualityOfServiceLevel.AtMostOnce);
        }

        var received = new List<(string Topic, int Alias)>();
        for (var i = 0; i < 2 * topics.Count; i++)
        {
            var message = await subscriber.ReceiveAsync();
            Assert.Equal(topics[i % topics.Count], message.ConvertPayloadToString());
            received.Add((message.Topic, message.TopicAlias));
        }

        // The first round defines aliases 1..cap and sends the rest in full; the second uses them by alias alone.
        var aliased = topics.Take(cap).Select((topic, i) => (topic, i + 1));
        var full = topics.Skip(cap).Select(topic => (topic, 0));
        Assert.Equal(aliased.Concat(full).Concat(aliased.Select(a => ("", a.Item2))).Concat(full), received);
    }

    [Theory]
    [MemberData(nameof(Engines.WithMqtt5), MemberType = typeof(Engines))]
    public async Task An_alias_of_zero_or_above_the_maximum_ends_the_connection_with_0x94(string engine)
    {
        await using var broker = await Engines.StartAsync(engine, new Dictionary<string, string?> { ["EdgeBroker:Connections:TopicAliasMaximum"] = "2" });
        foreach (var alias in new[] { 0, 3 })
        {
            await using var raw = await RawMqttConnection.OpenAsync(broker);
            var (code, properties) = await Mqtt5Wire.ConnectAsync(raw, $"bad-alias-{alias}");
            Assert.Equal(0, code);
            Assert.Equal(2, properties.Number(Mqtt5Properties.TopicAliasMaximum));

            await Mqtt5Wire.PublishAsync(raw, "alias/bad", "x", qos: 1, packetId: 1, topicAlias: alias);

            Assert.Equal(0x94, await Mqtt5Wire.ReadDisconnectAsync(raw));
            Assert.True(await raw.IsClosedByBrokerAsync(TimeSpan.FromSeconds(3)));
        }
    }

    [Theory]
    [MemberData(nameof(Engines.WithMqtt5), MemberType = typeof(Engines))]
    public async Task An_undefined_alias_with_an_empty_topic_is_a_protocol_error_and_aliases_end_with_the_connection(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using var watcher = await TestClient.ConnectAsync(broker, "alias-watcher", MqttProtocolVersion.V500);
        await watcher.SubscribeAsync("alias/gone");
        await using (var first = await RawMqttConnection.OpenAsync(broker))
        {
            Assert.Equal(0, (await Mqtt5Wire.ConnectAsync(first, "forgetful")).ReasonCode);
            await Mqtt5Wire.PublishAsync(first, "alias/gone", "defined", qos: 0, topicAlias: 1);
            Assert.Equal("defined", (await watcher.ReceiveAsync()).ConvertPayloadToString());
            await first.SendDisconnectAsync();
        }

        await using var second = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, (await Mqtt5Wire.ConnectAsync(second, "forgetful")).ReasonCode);
        await Mqtt5Wire.PublishAsync(second, "", "by a forgotten alias", qos: 0, topicAlias: 1);

        Assert.Equal(0x82, await Mqtt5Wire.ReadDisconnectAsync(second));
        await watcher.ExpectNothingAsync();
    }
}
