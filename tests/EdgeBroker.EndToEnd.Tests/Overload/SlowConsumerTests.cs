using System.Diagnostics;
using System.Text;
using EdgeBroker.EndToEnd.Tests.Infrastructure;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeBroker.EndToEnd.Tests.Overload;

/// <summary>
/// A subscriber that stops reading (its TCP window fills) while others publish to it at full speed: the broker keeps
/// only what its per-client outbound limits allow, drops QoS 0 and counts it, keeps QoS 1 for a persistent session in
/// its store until the client reads again, and serves every other client meanwhile.
/// </summary>
[Collection(MemoryMeasurement.Name)]
public class SlowConsumerTests
{
    /// <summary>The slow subscriber's receive buffer: its window is full after a few kilobytes.</summary>
    const int SmallReceiveBuffer = 4096;

    static readonly Dictionary<string, string?> SmallOutboundQueue = new()
    {
        ["EdgeBroker:OutboundQueue:MaxMessagesPerClient"] = "20",
        ["EdgeBroker:OutboundQueue:MaxBytesPerClient"] = "65536",
    };

    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task Qos0ForAClientThatStopsReading_IsDroppedAndCounted_MemoryStaysBounded_OthersFlow(string engine)
    {
        await using var broker = await Engines.StartAsync(engine, SmallOutboundQueue);
        await StopReadingUnderQos0LoadAsync(broker, RawMqttConnection.OpenAsync(broker, receiveBufferBytes: SmallReceiveBuffer));
    }

    /// <summary>The same for a subscriber over WebSocket (host only): its frames are written by the same packet writer
    /// under the same outbound limits.</summary>
    [Fact]
    public async Task Qos0ForAWebSocketClientThatStopsReading_IsDroppedAndCounted_MemoryStaysBounded_OthersFlow()
    {
        var settings = new Dictionary<string, string?>(SmallOutboundQueue) { ["EdgeBroker:WebSocketPort"] = "0" };
        await using var broker = await Engines.StartAsync(Engines.Host, settings);
        await StopReadingUnderQos0LoadAsync(broker,
            RawMqttConnection.OpenWebSocketAsync(broker, keepAlive: Timeout.InfiniteTimeSpan, receiveBufferBytes: SmallReceiveBuffer));
    }

    static async Task StopReadingUnderQos0LoadAsync(RunningBroker broker, Task<RawMqttConnection> openSlow)
    {
        const int messages = 3000;
        var payload = new byte[4000];
        await using var slow = await openSlow;
        Assert.Equal(0, await slow.ConnectAsync("slow"));
        Assert.Equal(0, await slow.SubscribeAsync("load/#", qos: 0));
        await using var healthySubscriber = await TestClient.ConnectAsync(broker, "healthy-sub");
        await healthySubscriber.SubscribeAsync("healthy/ping", MqttQualityOfServiceLevel.AtMostOnce);
        await using var healthyPublisher = await TestClient.ConnectAsync(broker, "healthy-pub");
        await using var loadPublisher = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, await loadPublisher.ConnectAsync("load-pub"));
        var heapBefore = MemoryMeasurement.SettledHeapBytes();

        var load = Task.Run(async () =>
        {
            for (var i = 0; i < messages; i++)
            {
                await loadPublisher.PublishAsync("load/x", payload, qos: 0);
            }
        });
        var latencies = await PingWhileAsync(load, healthyPublisher, healthySubscriber);
        await load;

        // Both engines handle a connection's packets in order: once this QoS 1 PUBLISH is acknowledged, the load before
        // it has been routed.
        await loadPublisher.PublishAsync("load/end", [], qos: 1, packetId: 1);
        Assert.Equal(4, (await loadPublisher.ReadPacketAsync(TimeSpan.FromSeconds(30))).Type);
        var heapGrowth = MemoryMeasurement.SettledHeapBytes() - heapBefore;

        Assert.True(broker.Counters!.EngineDropped > messages / 2, $"only {broker.Counters.EngineDropped} of {messages} messages dropped");
        Assert.True(heapGrowth < 4 * 1024 * 1024, $"the heap grew by {heapGrowth / 1024} KB while {messages * payload.Length / 1024} KB went to a client that reads nothing");
        Assert.True(latencies.Count >= 20, $"the healthy pair got only {latencies.Count} pings through");
        var p99 = Percentile(latencies, 0.99);
        Assert.True(p99 < TimeSpan.FromSeconds(2), $"healthy pair's p99 was {p99.TotalMilliseconds:F0} ms");
    }

    /// <summary>Hazard of issue 12: MQTTnet dropped the oldest queued message of a full client queue, QoS 1 included,
    /// leaving it listed as unacknowledged, and the core never sent it again on that connection. Now what the queue
    /// cannot take stays in the store and follows, in order, once the client reads.</summary>
    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task Qos1ForAPersistentSessionThatStopsReading_StaysStored_AndArrivesInOrderWhenItReadsAgain(string engine)
    {
        // More than the kernel's socket buffers take: Linux grows the host's send buffer up to tcp_wmem's 4 MB; the
        // relay, which sends only while the socket polls writable, fills its queue well before that.
        var messages = engine == Engines.Host ? 1500 : 300;
        var settings = new Dictionary<string, string?>(SmallOutboundQueue)
        {
            ["EdgeBroker:OfflineBatchIntervalSeconds"] = "1",
            ["EdgeBroker:MaxOfflineMessagesPerClient"] = "2000",
            ["EdgeBroker:MaxOfflineBytesPerClient"] = "8388608",
        };
        if (engine == Engines.Emulator)
        {
            settings["flash_store_bytes"] = "8388608";
        }

        await using var broker = await Engines.StartAsync(engine, settings);
        await using var slow = await RawMqttConnection.OpenAsync(broker, receiveBufferBytes: SmallReceiveBuffer);
        Assert.Equal(0, await slow.ConnectAsync("slow-persistent", cleanSession: false));
        Assert.Equal(1, await slow.SubscribeAsync("work/#", qos: 1));
        await using var publisher = await TestClient.ConnectAsync(broker, "work-pub");
        for (var i = 0; i < messages; i++)
        {
            await publisher.PublishAsync("work/item", Numbered(i));
        }

        // The client was connected throughout: a message counts as queued only when its outbound queue refused it.
        Assert.True(broker.Counters!.PubSubQueued > 0, "the outbound queue never filled");
        var received = new List<string>();
        while (received.Count < messages)
        {
            var publish = await slow.ReadPublishAsync(TimeSpan.FromSeconds(15));
            Assert.Equal(1, publish.Qos);
            await slow.SendPubAckAsync(publish.PacketId);
            received.Add(publish.Payload[..4]);
        }

        Assert.Equal(Enumerable.Range(0, messages).Select(i => i.ToString("D4")), received);
        Assert.Equal(0, broker.Counters!.EngineDropped);
    }

    /// <summary>QoS 0 pings from one healthy client to another, each timed from PUBLISH to arrival, until
    /// <paramref name="until"/> completes (at least 20).</summary>
    internal static async Task<List<TimeSpan>> PingWhileAsync(Task until, TestClient publisher, TestClient subscriber)
    {
        var latencies = new List<TimeSpan>();
        for (var i = 0; !until.IsCompleted || i < 20; i++)
        {
            var clock = Stopwatch.StartNew();
            await publisher.PublishAsync("healthy/ping", i.ToString(), MqttQualityOfServiceLevel.AtMostOnce);
            var message = await subscriber.ReceiveAsync();
            Assert.Equal(i.ToString(), message.ConvertPayloadToString());
            latencies.Add(clock.Elapsed);
            await Task.Delay(10);
        }

        return latencies;
    }

    static TimeSpan Percentile(List<TimeSpan> values, double fraction)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(fraction * sorted.Count) - 1)];
    }

    static string Numbered(int i) => i.ToString("D4") + new string('x', 3996);
}
