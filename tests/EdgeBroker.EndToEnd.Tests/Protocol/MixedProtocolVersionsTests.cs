using EdgeBroker.EndToEnd.Tests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace EdgeBroker.EndToEnd.Tests.Protocol;

/// <summary>
/// MQTT 3.1, 3.1.1 and 5 clients on one broker at once. The host encodes and decodes with a packet formatter lent per
/// protocol version and thread, not one per connection: a message published in one version and delivered in all three
/// must reach each receiver in its own version, with its own topic aliases and Maximum Packet Size. Host only: the
/// firmware relay speaks MQTT 3.1.1.
/// </summary>
public sealed class MixedProtocolVersionsTests
{
    const int MessagesPerPublisher = 120;

    /// <summary>Every tenth message is larger than the small receiver's Maximum Packet Size.</summary>
    const int LargeEvery = 10;

    const uint SmallReceiverMaximumPacketSize = 128;

    static readonly string[] Topics = ["mixed/a", "mixed/b", "mixed/c"];

    [Theory]
    [MemberData(nameof(Engines.WithMqtt5), MemberType = typeof(Engines))]
    public async Task Publishers_and_receivers_of_every_version_interleaved_each_get_their_own_encoding(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using var v310 = await TestClient.ConnectAsync(broker, "mixed-recv-310", MqttProtocolVersion.V310);
        await using var v311 = await TestClient.ConnectAsync(broker, "mixed-recv-311", MqttProtocolVersion.V311);
        await using var aliased = await TestClient.ConnectAsync(broker, "mixed-recv-5-alias", MqttProtocolVersion.V500,
            configure: options => options.WithTopicAliasMaximum(2));
        await using var small = await TestClient.ConnectAsync(broker, "mixed-recv-5-small", MqttProtocolVersion.V500,
            configure: options => options.WithMaximumPacketSize(SmallReceiverMaximumPacketSize));
        foreach (var receiver in new[] { v310, v311, aliased, small })
        {
            await receiver.SubscribeAsync("mixed/#");
        }

        await using var publisher311 = await TestClient.ConnectAsync(broker, "mixed-pub-311", MqttProtocolVersion.V311);
        await using var publisher5 = await TestClient.ConnectAsync(broker, "mixed-pub-5", MqttProtocolVersion.V500);

        // Both publishers at once, so their PUBLISHes are decoded and the deliveries encoded on the broker's threads
        // in every order.
        await Task.WhenAll(PublishAllAsync(publisher311, "311"), PublishAllAsync(publisher5, "5"));

        var expected = Expected("311").Concat(Expected("5")).ToList();
        foreach (var receiver in new[] { v310, v311 })
        {
            var received = await ReceiveAsync(receiver, expected.Count);
            AssertSameMessages(expected, received.Select(m => (m.Topic, m.ConvertPayloadToString())));
            Assert.All(received, m => Assert.True(m.UserProperties is null or { Count: 0 }));
        }

        // The aliased receiver: the first 2 topics get aliases 1 and 2, in full the first time, then the alias alone;
        // the third topic, with no alias left, always in full.
        var aliases = new Dictionary<ushort, string>();
        var resolved = new List<(string Topic, string Payload)>();
        foreach (var message in await ReceiveAsync(aliased, expected.Count))
        {
            Assert.InRange(message.TopicAlias, (ushort)0, (ushort)2);
            if (message.TopicAlias > 0 && message.Topic.Length > 0)
            {
                Assert.False(aliases.ContainsKey(message.TopicAlias), $"alias {message.TopicAlias} defined twice");
                aliases[message.TopicAlias] = message.Topic;
            }

            resolved.Add((message.TopicAlias == 0 ? message.Topic : aliases[message.TopicAlias], message.ConvertPayloadToString()));
            AssertUserPropertyAsPublished(message);
        }

        Assert.Equal(2, aliases.Count);
        AssertSameMessages(expected, resolved);

        // The small receiver: the large messages were discarded, every other one came whole.
        var fitting = expected.Where(m => m.Payload.Length < 100).ToList();
        var smallReceived = await ReceiveAsync(small, fitting.Count);
        AssertSameMessages(fitting, smallReceived.Select(m => (m.Topic, m.ConvertPayloadToString())));
        Assert.All(smallReceived, AssertUserPropertyAsPublished);
        await small.ExpectNothingAsync();
    }

    static async Task PublishAllAsync(TestClient publisher, string version)
    {
        var mqtt5 = version == "5";
        foreach (var (topic, payload) in Expected(version))
        {
            var message = new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
            if (mqtt5)
            {
                message.WithUserProperty("origin", "v5"u8.ToArray());
            }

            await publisher.Client.PublishAsync(message.Build());
        }
    }

    /// <summary>What a publisher of <paramref name="version"/> sends, in order: its version and sequence number in the
    /// payload, padded past the small receiver's limit every <see cref="LargeEvery"/> messages.</summary>
    static IEnumerable<(string Topic, string Payload)> Expected(string version)
    {
        for (var i = 0; i < MessagesPerPublisher; i++)
        {
            var payload = $"{version}:{i}";
            yield return (Topics[i % Topics.Length], i % LargeEvery == 0 ? payload.PadRight(200, '.') : payload);
        }
    }

    static async Task<List<MqttApplicationMessage>> ReceiveAsync(TestClient receiver, int count)
    {
        var received = new List<MqttApplicationMessage>();
        for (var i = 0; i < count; i++)
        {
            received.Add(await receiver.ReceiveAsync());
        }

        return received;
    }

    /// <summary>The same messages, each publisher's in the order it sent them.</summary>
    static void AssertSameMessages(List<(string Topic, string Payload)> expected, IEnumerable<(string Topic, string Payload)> received)
    {
        var list = received.ToList();
        foreach (var version in new[] { "311:", "5:" })
        {
            Assert.Equal(expected.Where(m => m.Payload.StartsWith(version, StringComparison.Ordinal)),
                list.Where(m => m.Payload.StartsWith(version, StringComparison.Ordinal)));
        }

        Assert.Equal(expected.Count, list.Count);
    }

    /// <summary>An MQTT 5 receiver gets the MQTT 5 publisher's user property, and none on the 3.1.1 publisher's.</summary>
    static void AssertUserPropertyAsPublished(MqttApplicationMessage message)
    {
        if (message.ConvertPayloadToString().StartsWith("5:", StringComparison.Ordinal))
        {
            var property = message.UserProperties!.Single();
            Assert.Equal(("origin", "v5"), (property.Name, property.ReadValueAsString()));
        }
        else
        {
            Assert.True(message.UserProperties is null or { Count: 0 });
        }
    }
}
