using System.Text;
using EdgeBroker.EndToEnd.Tests.Infrastructure;
using EdgeBroker.EndToEnd.Tests.Monitoring;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeBroker.EndToEnd.Tests.Overload;

/// <summary>
/// The store runs out of room (the host's SQLite database at EdgeBroker:MaxDatabaseBytes, as on a full disk; the
/// device's flash log at flash_store_bytes): QoS 1 PUBLISHes a persistent session needs stored are refused — MQTT 3.1.1
/// not acknowledged (the connection closes, the client resends later), MQTT 5 PUBACK 0x80 — QoS 0 flows on, nothing
/// stored before is lost, and once acknowledged messages make room the store takes messages again.
/// </summary>
public class StoreFullTests
{
    internal const string Away = "away";

    static readonly byte[] Payload = new byte[1000];

    [Theory]
    [MemberData(nameof(Engines.Durable), MemberType = typeof(Engines))]
    public async Task FullStore_RefusesQos1ThatNeedsIt_Qos0Flows_NothingStoredIsLost_ClearsWhenRoomReturns(string engine)
    {
        var settings = new Dictionary<string, string?>
        {
            ["EdgeBroker:MaxOfflineMessagesPerClient"] = "10000",
            ["EdgeBroker:MaxOfflineBytesPerClient"] = "16000000",
        };
        settings[engine == Engines.Host ? "EdgeBroker:MaxDatabaseBytes" : "flash_store_bytes"] = engine == Engines.Host ? "262144" : "16384";
        if (engine == Engines.Emulator)
        {
            // The test is about the store: on reconnect the stored backlog (14 KB) goes out in batches, and the kept QoS 0
            // message behind the last one must find room. The device's 8 KB of buffers for all clients is tighter than its
            // one client's queue (buffers are counted whole, the client's packet in hand too), and QoS 0 gives way first.
            settings["max_buffer_bytes"] = "65536";
        }
        await using var broker = await Engines.StartAsync(engine, settings);
        await using (var away = await RawMqttConnection.OpenAsync(broker))
        {
            Assert.Equal(0, await away.ConnectAsync(Away, cleanSession: false));
            Assert.Equal(1, await away.SubscribeAsync("store/#", qos: 1));
            await away.SendAsync(0xE0, []);
        }

        await Eventually.WaitUntilAsync(() => !broker.IsConnected(Away), () => "the away client is still connected");
        await using var healthy = await TestClient.ConnectAsync(broker, "healthy");
        await healthy.SubscribeAsync("store/#", MqttQualityOfServiceLevel.AtMostOnce);

        var stored = await FillAsync(broker);
        Assert.InRange(stored, 1, 1999);
        Assert.True(broker.Counters!.StoreRefused >= 1);

        // Still full: refused again; MQTT 5 hears why.
        Assert.False(await PublishQos1Async(broker, "store/again"));
        if (engine == Engines.Host)
        {
            await using var mqtt5 = await RawMqttConnection.OpenAsync(broker);
            Assert.Equal(0, await mqtt5.ConnectAsync("publisher-5", protocolLevel: 5));
            await mqtt5.PublishAsync("store/again", Payload, qos: 1, packetId: 7);
            var (type, _, body) = await mqtt5.ReadPacketAsync();
            Assert.Equal(4, type);
            Assert.Equal(0x80, body[2]);

            // Refused, not dropped: the publisher resends, so /metrics counts it apart.
            using var http = new HttpClient { BaseAddress = broker.HttpBaseAddress };
            var metrics = await MetricsScrapeTests.ScrapeAsync(http);
            Assert.True(metrics["edgebroker_publish_store_refused_total"] >= 2);
            Assert.Equal(0, metrics["edgebroker_publish_dropped_total"]);
            Assert.Equal(stored, metrics["edgebroker_store_commit_seconds_count"]); // refused appends committed nothing
        }

        // QoS 0 flows on.
        await using (var qos0 = await RawMqttConnection.OpenAsync(broker))
        {
            Assert.Equal(0, await qos0.ConnectAsync("publisher-0"));
            await qos0.PublishAsync("store/qos0", Encoding.UTF8.GetBytes("qos0"), qos: 0);
            await Eventually.WaitUntilAsync(async () => (await healthy.ReceiveAllAsync()).Any(m => m.ConvertPayloadToString() == "qos0"),
                () => "the QoS 0 message did not arrive");
        }

        // Everything acknowledged before the store filled is there; taking it makes room.
        await using var back = await TakeStoredAsync(broker, Away, stored);
        // The QoS 0 message above, kept in memory while the client was away, comes after the stored ones published before it.
        var kept = await back.ReadPublishAsync(TimeSpan.FromSeconds(15));
        Assert.Equal(("store/qos0", 0), (kept.Topic, kept.Qos));
        Assert.True(await PublishQos1Async(broker, "store/after"));
        Assert.Equal("store/after", (await back.ReadPublishAsync(TimeSpan.FromSeconds(15))).Topic);
    }

    /// <summary>QoS 1 PUBLISHes of 1,000-byte payloads numbered in their first four characters on one MQTT 3.1.1 connection until one is not
    /// acknowledged and the broker closes the connection; returns how many were acknowledged. A persistent session
    /// away with a subscription to <c>store/#</c> keeps them.</summary>
    internal static async Task<int> FillAsync(RunningBroker broker)
    {
        // Its own buffer: tests of other classes fill their brokers at the same time.
        var payload = new byte[Payload.Length];
        await using var publisher = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, await publisher.ConnectAsync("filler"));
        for (var i = 0; i < 2000; i++)
        {
            Encoding.ASCII.GetBytes(i.ToString("D4")).CopyTo(payload, 0);
            await publisher.PublishAsync("store/fill", payload, qos: 1, packetId: (ushort)(i % 60000 + 1));
            if (!await AcknowledgedAsync(publisher))
            {
                return i;
            }
        }

        return 2000;
    }

    /// <summary><paramref name="clientId"/>'s persistent session back on an MQTT 3.1.1 connection, which acknowledges the
    /// <paramref name="stored"/> messages <see cref="FillAsync"/> kept for it and checks they came all and in order.</summary>
    internal static async Task<RawMqttConnection> TakeStoredAsync(RunningBroker broker, string clientId, int stored)
    {
        var back = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, await back.ConnectAsync(clientId, cleanSession: false));
        var received = new List<int>();
        while (received.Count < stored)
        {
            var publish = await back.ReadPublishAsync(TimeSpan.FromSeconds(15));
            await back.SendPubAckAsync(publish.PacketId);
            received.Add(int.Parse(publish.Payload[..4]));
        }

        Assert.Equal(Enumerable.Range(0, stored), received);
        return back;
    }

    /// <summary>One QoS 1 PUBLISH on a fresh MQTT 3.1.1 connection: true when acknowledged, false when the broker closed
    /// the connection instead.</summary>
    internal static async Task<bool> PublishQos1Async(RunningBroker broker, string topic)
    {
        await using var publisher = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, await publisher.ConnectAsync("publisher-311"));
        await publisher.PublishAsync(topic, Payload, qos: 1, packetId: 1);
        return await AcknowledgedAsync(publisher);
    }

    /// <summary>True when the next packet is a PUBACK, false when the broker closes the connection instead.</summary>
    static async Task<bool> AcknowledgedAsync(RawMqttConnection publisher)
    {
        try
        {
            var (type, _, _) = await publisher.ReadPacketAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(4, type);
            return true;
        }
        catch (Exception e) when (e is EndOfStreamException or IOException)
        {
            return false;
        }
    }
}
