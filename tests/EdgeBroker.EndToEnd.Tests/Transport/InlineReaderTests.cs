using System.Text;
using EdgeBroker.EndToEnd.Tests.Infrastructure;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeBroker.EndToEnd.Tests.Transport;

/// <summary>
/// The host's reader as it runs on the reactor's threads (it parks on its zero-byte read and runs again from the top
/// when input arrives): a packet whose bytes arrive in many segments, packets alone and in bursts with a close right
/// after the last, a peer that closes while its reader is parked, and
/// a connection whose handling waits while the other connections of its reactor are served. Run against both engines
/// where the behaviour is the protocol's.
/// </summary>
public sealed class InlineReaderTests
{
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task A_packet_sent_a_few_bytes_at_a_time_is_read_whole_and_the_next_one_after_it(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using var subscriber = await TestClient.ConnectAsync(broker, "split-sub");
        await subscriber.SubscribeAsync("split/#", MqttQualityOfServiceLevel.AtLeastOnce);
        await using var publisher = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, await publisher.ConnectAsync("split-pub"));

        // Two QoS 1 PUBLISHes back to back, sent in 3-byte pieces with pauses, so each piece is its own TCP segment and
        // the second packet's first bytes arrive with the first one's last.
        var first = publisher.PublishPacket("split/a", Encoding.UTF8.GetBytes(new string('a', 300)), qos: 1, packetId: 1);
        var second = publisher.PublishPacket("split/b", "b"u8.ToArray(), qos: 1, packetId: 2);
        var bytes = first.Concat(second).ToArray();
        for (var i = 0; i < bytes.Length; i += 3)
        {
            await publisher.SendRawAsync(bytes[i..Math.Min(bytes.Length, i + 3)]);
            await Task.Delay(2);
        }

        var ack1 = await publisher.ReadPacketAsync(Patience);
        var ack2 = await publisher.ReadPacketAsync(Patience);
        Assert.Equal(4, ack1.Type);
        Assert.Equal(new byte[] { 0, 1 }, ack1.Body);
        Assert.Equal(4, ack2.Type);
        Assert.Equal(new byte[] { 0, 2 }, ack2.Body);
        Assert.Equal(new string('a', 300), (await subscriber.ReceiveAsync(Patience)).ConvertPayloadToString());
        Assert.Equal("b", (await subscriber.ReceiveAsync(Patience)).ConvertPayloadToString());
    }

    /// <summary>PUBLISHes arriving one at a time with pauses (each read comes back short, and the reader parks without
    /// looking again) and in bursts, then the peer closing right after its last PUBLISH: everything is routed, nothing
    /// hangs, and the close is seen (the will goes out).</summary>
    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task Publishes_alone_and_in_bursts_then_a_close_right_after_are_all_handled(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using var subscriber = await TestClient.ConnectAsync(broker, "bursts-sub");
        await subscriber.SubscribeAsync("bursts/#", MqttQualityOfServiceLevel.AtLeastOnce);
        var publisher = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, await publisher.ConnectAsync("bursts-pub", willTopic: "bursts/will", willPayload: "gone", willQos: 1));

        var expected = new List<string>();
        for (var round = 0; round < 12; round++)
        {
            var burst = round % 2 == 0 ? 1 : 4;
            var bytes = new List<byte>();
            for (var i = 0; i < burst; i++)
            {
                var payload = $"{round}.{i}";
                expected.Add(payload);
                bytes.AddRange(publisher.PublishPacket("bursts/x", Encoding.UTF8.GetBytes(payload), qos: 0));
            }

            await publisher.SendRawAsync(bytes.ToArray());
            await Task.Delay(round % 2 == 0 ? 30 : 0);
        }

        await publisher.PublishAsync("bursts/x", "last"u8.ToArray(), qos: 0);
        expected.Add("last");
        await publisher.DisposeAsync();

        foreach (var payload in expected)
        {
            Assert.Equal(payload, (await subscriber.ReceiveAsync(Patience)).ConvertPayloadToString());
        }

        Assert.Equal("gone", (await subscriber.ReceiveAsync(Patience)).ConvertPayloadToString());
    }

    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task A_client_that_vanishes_while_its_reader_is_parked_is_ended_and_its_will_published(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using var watcher = await TestClient.ConnectAsync(broker, "will-watcher");
        await watcher.SubscribeAsync("wills/#", MqttQualityOfServiceLevel.AtLeastOnce);
        var client = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, await client.ConnectAsync("parked", willTopic: "wills/parked", willPayload: "gone", willQos: 1));

        // Idle long enough for its reader to have parked on the zero-byte read, then a reset.
        await Task.Delay(300);
        client.Abort();

        var will = await watcher.ReceiveAsync(Patience);
        Assert.Equal(("wills/parked", "gone"), (will.Topic, will.ConvertPayloadToString()));

        // The client ID is free again: a new connection under it is accepted and served.
        await using var again = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, await again.ConnectAsync("parked"));
        Assert.Equal(0, await again.SubscribeAsync("back/x", qos: 0));
    }

    /// <summary>
    /// A client that publishes QoS 1 to a topic it subscribes to and reads nothing: its writer fills, so its reader waits
    /// for room before it writes the next PUBACK (and reads nothing more from it meanwhile). The host's readers run on the
    /// reactor's threads, and under a light load all on one of them: that wait must leave the reactor to the other
    /// connections.
    /// </summary>
    [Fact]
    public async Task A_reader_waiting_for_its_writer_leaves_the_reactor_to_the_other_connections()
    {
        await using var broker = await Engines.StartAsync(Engines.Host);
        await using var stalled = await RawMqttConnection.OpenAsync(broker, receiveBufferBytes: 4096);
        Assert.Equal(0, await stalled.ConnectAsync("stalled"));
        Assert.Equal(0, await stalled.SubscribeAsync("self/#", qos: 0));

        var payload = new byte[32 * 1024];
        using var stop = new CancellationTokenSource();
        var flooding = Task.Run(async () =>
        {
            for (ushort id = 1; !stop.IsCancellationRequested; id = (ushort)(id % 60000 + 1))
            {
                await stalled.PublishAsync("self/x", payload, qos: 1, packetId: id);
            }
        });

        // Long enough for the kernel's buffers and the writer's bound to fill: the flood's sender is held back.
        await Task.Delay(2000);
        Assert.False(flooding.IsCompleted, $"the flood ended: {flooding.Exception?.GetBaseException().Message}");

        var pairs = new List<(TestClient Publisher, TestClient Subscriber)>();
        try
        {
            for (var i = 0; i < 4; i++)
            {
                var subscriber = await TestClient.ConnectAsync(broker, $"healthy-sub-{i}");
                await subscriber.SubscribeAsync($"healthy/{i}", MqttQualityOfServiceLevel.AtLeastOnce);
                pairs.Add((await TestClient.ConnectAsync(broker, $"healthy-pub-{i}"), subscriber));
            }

            for (var round = 0; round < 20; round++)
            {
                for (var i = 0; i < pairs.Count; i++)
                {
                    await pairs[i].Publisher.PublishAsync($"healthy/{i}", $"{round}", MqttQualityOfServiceLevel.AtLeastOnce);
                    Assert.Equal($"{round}", (await pairs[i].Subscriber.ReceiveAsync(Patience)).ConvertPayloadToString());
                }
            }

            Assert.False(flooding.IsCompleted, "the stalled client's flood was not held back while the others were served");
        }
        finally
        {
            stop.Cancel();
            stalled.Abort();
            foreach (var (publisher, subscriber) in pairs)
            {
                await publisher.DisposeAsync();
                await subscriber.DisposeAsync();
            }
        }
    }
}
