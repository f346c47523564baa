using System.Text;
using EdgeBroker.EndToEnd.Tests.Infrastructure;

namespace EdgeBroker.EndToEnd.Tests.PubSub;

/// <summary>SUBSCRIBE and UNSUBSCRIBE take effect in the order the broker receives them, before anything that arrives
/// later is routed (MQTT 3.1.1 §3.10.4, §4.6). Reproduces, with hand-built packets, a sequence captured on the wire where
/// the host delivered a message for a filter the client had already unsubscribed from, then sent the UNSUBACK.</summary>
public sealed class UnsubscribeOrderTests
{
    /// <summary>Rounds per run: 3 in <c>dotnet test</c>; <c>EDGEBROKER_ORDER_ROUNDS</c> raises it for a stress run on a
    /// saturated machine (tests/stress-order.sh).</summary>
    static readonly int Rounds = Setting("EDGEBROKER_ORDER_ROUNDS", 3);

    /// <summary>Subscribers that unsubscribe at once each round: 1 as captured; <c>EDGEBROKER_ORDER_SUBSCRIBERS</c> raises
    /// it for a stress run (more connections racing the publisher; the emulator's <c>max_clients</c> allows 10).</summary>
    static readonly int Subscribers = Setting("EDGEBROKER_ORDER_SUBSCRIBERS", 1);

    /// <summary>Busy thread-pool loops running beside the broker: 0 in <c>dotnet test</c>; <c>EDGEBROKER_ORDER_POOL_LOAD</c>
    /// sets them for a stress run, standing in for the other tests that share the process (and the host's thread pool)
    /// during a full <c>dotnet test</c>.</summary>
    static readonly int PoolLoad = Setting("EDGEBROKER_ORDER_POOL_LOAD", 0);

    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task An_unsubscribe_is_in_effect_before_a_later_publish_is_routed(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        await RunRoundsAsync(broker, engine, started => RawMqttConnection.OpenAsync(started), disconnectSubscribers: true);
    }

    /// <summary>The same with the subscribers over WebSocket (host only), whose client sends a pong frame every 10 ms:
    /// the frame layer takes those control frames from the socket while the subscriber's reader waits, and the check
    /// must neither miss the UNSUBSCRIBE behind them nor wait for a reader that received nothing.</summary>
    [Fact]
    public async Task Over_websocket_an_unsubscribe_is_in_effect_before_a_later_publish_is_routed()
    {
        await using var broker = await Engines.StartAsync(Engines.Host, new Dictionary<string, string?> { ["EdgeBroker:WebSocketPort"] = "0" });
        // .NET aborts a WebSocket whose read is cancelled, as ReadUntilQuietAsync's read is once all has arrived: the
        // subscribers are closed without a DISCONNECT.
        await RunRoundsAsync(broker, Engines.Host, host => RawMqttConnection.OpenWebSocketAsync(host, keepAlive: TimeSpan.FromMilliseconds(10)),
            disconnectSubscribers: false);
    }

    static async Task RunRoundsAsync(RunningBroker broker, string engine, Func<RunningBroker, Task<RawMqttConnection>> openSubscriber,
        bool disconnectSubscribers)
    {
        using var stopLoad = new CancellationTokenSource();
        var load = Enumerable.Range(0, PoolLoad).Select(_ => Task.Run(() => KeepThreadPoolBusyAsync(stopLoad.Token))).ToList();
        var late = new List<string>();
        for (var round = 0; round < Rounds; round++)
        {
            // The capture lost the race most often right after a client with overlapping subscriptions had been served.
            await ServeOverlappingSubscriberAsync(broker);

            var subscribers = new List<RawMqttConnection>();
            var unsubscribeIds = new List<ushort>();
            try
            {
                for (var i = 0; i < Subscribers; i++)
                {
                    var subscriber = await openSubscriber(broker);
                    subscribers.Add(subscriber);
                    Assert.Equal(0, await subscriber.ConnectAsync("unsubscriber-" + i, keepAliveSeconds: 0));
                    foreach (var topic in new[] { "TopicA", "TopicA/B", "Topic/C" })
                    {
                        Assert.Equal(Engines.MaxQos(engine), await subscriber.SubscribeAsync(topic, qos: 2));
                    }
                }

                await Task.Delay(TimeSpan.FromSeconds(1));
                foreach (var subscriber in subscribers)
                {
                    // Every other round behind a PINGREQ: the host does not wait for a subscriber whose unread bytes are
                    // only acknowledgements, and must still see the UNSUBSCRIBE behind one.
                    unsubscribeIds.Add(await subscriber.SendUnsubscribeAsync("TopicA", behindPing: round % 2 == 1));
                }

                // Only now does the publisher even connect.
                await using var publisher = await RawMqttConnection.OpenAsync(broker);
                Assert.Equal(0, await publisher.ConnectAsync("publisher"));
                ushort packetId = 1;
                foreach (var topic in new[] { "TopicA", "TopicA/B", "Topic/C" })
                {
                    await publisher.PublishAsync(topic, Encoding.UTF8.GetBytes("round " + round), qos: 1, packetId: packetId++);
                }

                // Where the UNSUBACK falls among the PUBLISHes is MQTTnet's choice (it sends acknowledgements and messages
                // from separate queues in turn); what matters is that nothing routed after the UNSUBSCRIBE arrived used TopicA.
                var seen = await Task.WhenAll(subscribers.Select(ReadUntilQuietAsync));
                for (var i = 0; i < subscribers.Count; i++)
                {
                    var expected = new[] { "Topic/C", "TopicA/B", "UNSUBACK " + unsubscribeIds[i] };
                    if (!seen[i].Order(StringComparer.Ordinal).SequenceEqual(expected))
                    {
                        late.Add($"round {round}, subscriber {i}: {string.Join(", ", seen[i])}");
                    }
                }

                foreach (var subscriber in subscribers.Where(_ => disconnectSubscribers))
                {
                    await subscriber.SendDisconnectAsync();
                }

                await publisher.SendDisconnectAsync();
            }
            finally
            {
                foreach (var subscriber in subscribers)
                {
                    await subscriber.DisposeAsync();
                }
            }
        }

        await stopLoad.CancelAsync();
        await Task.WhenAll(load);

        // Every round runs, so a stress run reports how often the order broke, not only that it did.
        Assert.True(late.Count == 0, $"{late.Count} of {Rounds * Subscribers} unsubscribes were not in effect for the next PUBLISH: "
            + string.Join("; ", late));
    }

    /// <summary>Spins a millisecond at a time on a thread-pool thread, yielding in between, until stopped.</summary>
    static async Task KeepThreadPoolBusyAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var until = Environment.TickCount64 + 1;
            while (Environment.TickCount64 < until)
            {
                Thread.SpinWait(100);
            }

            await Task.Yield();
        }
    }

    static int Setting(string variable, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(variable), out var value) && value > 0 ? value : fallback;

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
            // A PUBLISH starts with its topic; a PINGRESP has no body.
            var packetId = (ushort)(type == 3 || body.Length < 2 ? 0 : (body[0] << 8) | body[1]);
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
