using System.Text;
using EdgeBroker.EndToEnd.Tests.Infrastructure;

namespace EdgeBroker.EndToEnd.Tests.PubSub;

/// <summary>SUBSCRIBE and UNSUBSCRIBE take effect in the order the broker receives them, before anything that arrives
/// later is routed (MQTT 3.1.1 §3.10.4, §4.6). Reproduces, with hand-built packets, a sequence captured on the wire where
/// the host delivered a message for a filter the client had already unsubscribed from, then sent the UNSUBACK.</summary>
public sealed class UnsubscribeOrderTests
{
    const int Rounds = 3;

    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task An_unsubscribe_is_in_effect_before_a_later_publish_is_routed(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        for (var round = 0; round < Rounds; round++)
        {
            // The capture lost the race most often right after a client with overlapping subscriptions had been served.
            await ServeOverlappingSubscriberAsync(broker);

            await using var subscriber = await RawMqttConnection.OpenAsync(broker);
            Assert.Equal(0, await subscriber.ConnectAsync("unsubscriber", keepAliveSeconds: 0));
            foreach (var topic in new[] { "TopicA", "TopicA/B", "Topic/C" })
            {
                Assert.Equal(Engines.MaxQos(engine), await subscriber.SubscribeAsync(topic, qos: 2));
            }

            await Task.Delay(TimeSpan.FromSeconds(1));
            var unsubscribeId = await subscriber.SendUnsubscribeAsync("TopicA");

            // Only now does the publisher even connect.
            await using var publisher = await RawMqttConnection.OpenAsync(broker);
            Assert.Equal(0, await publisher.ConnectAsync("publisher"));
            ushort packetId = 1;
            foreach (var topic in new[] { "TopicA", "TopicA/B", "Topic/C" })
            {
                await publisher.PublishAsync(topic, Encoding.UTF8.GetBytes("round " + round), qos: 1, packetId: packetId++);
            }

            // Where the UNSUBACK falls among the PUBLISHes is MQTTnet's choice (it sends acknowledgements and messages from
            // separate queues in turn); what matters is that nothing routed after the UNSUBSCRIBE arrived used TopicA.
            var seen = await ReadUntilQuietAsync(subscriber);
            Assert.Equal(["Topic/C", "TopicA/B", "UNSUBACK " + unsubscribeId], seen.Order(StringComparer.Ordinal));

            await subscriber.SendDisconnectAsync();
            await publisher.SendDisconnectAsync();
        }
    }

    /// <summary>A client subscribed to <c>TopicA/#</c> (QoS 2) and <c>TopicA/+</c> (QoS 1) in one SUBSCRIBE publishes QoS 2
    /// to <c>TopicA/C</c>, completes both QoS handshakes and disconnects.</summary>
    static async Task ServeOverlappingSubscriberAsync(RunningBroker broker)
    {
        await using var client = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, await client.ConnectAsync("overlapping"));
        await client.SubscribeAsync([("TopicA/#", 2), ("TopicA/+", 1)]);
        await client.PublishAsync("TopicA/C", Encoding.UTF8.GetBytes("overlap"), qos: 2, packetId: 100);
        await ReadUntilQuietAsync(client);
        await client.SendDisconnectAsync();
    }

    /// <summary>Reads packets until none arrives for a while, completing every QoS handshake the broker starts or answers;
    /// returns the UNSUBACKs ("UNSUBACK {id}") and the topics of the PUBLISHes, in the order they arrived.</summary>
    static async Task<List<string>> ReadUntilQuietAsync(RawMqttConnection connection)
    {
        var seen = new List<string>();
        while (true)
        {
            (int Type, int Flags, byte[] Body) packet;
            try
            {
                packet = await connection.ReadPacketAsync(TimeSpan.FromMilliseconds(700));
            }
            catch (OperationCanceledException)
            {
                return seen;
            }

            var (type, flags, body) = packet;
            var packetId = (ushort)(type == 3 ? 0 : (body[0] << 8) | body[1]);
            switch (type)
            {
                case 3:
                    var topicLength = (body[0] << 8) | body[1];
                    seen.Add(Encoding.UTF8.GetString(body, 2, topicLength));
                    var qos = (flags >> 1) & 3;
                    if (qos > 0)
                    {
                        var id = (ushort)((body[2 + topicLength] << 8) | body[3 + topicLength]);
                        await connection.SendPacketIdAsync(qos == 1 ? (byte)0x40 : (byte)0x50, id);
                    }

                    break;
                case 5: // PUBREC of our QoS 2 PUBLISH
                    await connection.SendPacketIdAsync(0x62, packetId);
                    break;
                case 6: // PUBREL of a QoS 2 delivery to us
                    await connection.SendPacketIdAsync(0x70, packetId);
                    break;
                case 11:
                    seen.Add("UNSUBACK " + packetId);
                    break;
            }
        }
    }
}
