using System.Text;
using EdgeBroker.EndToEnd.Tests.Infrastructure;
using MQTTnet.Protocol;

namespace EdgeBroker.EndToEnd.Tests.Offline;

/// <summary>
/// A PUBACK the host holds until its message is committed (the message is kept for an away persistent session) leaves
/// in its place among the connection's packets: after what was written to the connection before it, before what was
/// written after it, also when all of them come from one read of the client's input (which the reader writes itself
/// once it has handled that read). Host only: the firmware's flash log writes each message as it arrives.
/// </summary>
public sealed class HeldAcknowledgementOrderTests
{
    [Fact]
    public async Task A_held_PUBACK_leaves_after_the_packets_before_it_and_before_the_packets_after_it()
    {
        await using var broker = await Engines.StartAsync(Engines.Host);
        await using (var away = await TestClient.ConnectAsync(broker, "GID_o@@@away", cleanStart: false))
        {
            await away.SubscribeAsync("order/kept", MqttQualityOfServiceLevel.AtLeastOnce);
        }

        await using var client = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, await client.ConnectAsync("GID_o@@@client"));
        Assert.Equal(0, await client.SubscribeAsync("order/#", qos: 0));

        for (ushort round = 1; round <= 20; round++)
        {
            // In one write, so the broker handles both in one read: the first is delivered back to the client before
            // its PUBACK, which waits for the away session's copy to commit; the second is delivered after it.
            var before = "before-" + round;
            var after = "after-" + round;
            await client.SendRawAsync([.. Publish("order/kept", before, qos: 1, round), .. Publish("order/next", after, qos: 0, 0)]);

            Assert.Equal(("order/kept", before), Delivered(await client.ReadPublishAsync()));
            var (type, _, body) = await client.ReadPacketAsync();
            Assert.Equal(4, type);
            Assert.Equal(round, (body[0] << 8) | body[1]);
            Assert.Equal(("order/next", after), Delivered(await client.ReadPublishAsync()));
        }
    }

    static (string Topic, string Payload) Delivered(RawPublish publish) => (publish.Topic, publish.Payload);

    /// <summary>An MQTT 3.1.1 PUBLISH (payloads under 100 bytes: a one-byte remaining length).</summary>
    static byte[] Publish(string topic, string payload, int qos, ushort packetId)
    {
        var body = new List<byte> { (byte)(topic.Length >> 8), (byte)topic.Length };
        body.AddRange(Encoding.UTF8.GetBytes(topic));
        if (qos > 0)
        {
            body.AddRange([(byte)(packetId >> 8), (byte)packetId]);
        }

        body.AddRange(Encoding.UTF8.GetBytes(payload));
        return [(byte)(0x30 | (qos << 1)), (byte)body.Count, .. body];
    }
}
