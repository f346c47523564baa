using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Uplink;
using EdgeBroker.EndToEnd.Tests.Infrastructure;
using EdgeBroker.EndToEnd.Tests.Uplink;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace EdgeBroker.EndToEnd.Tests.Overload;

/// <summary>
/// MQTT 5 properties count against the host's bounds on what it keeps for a client (the core's
/// <see cref="MessageFootprint"/>): a PUBLISH with an empty payload and thousands of user properties is held to the
/// outbound queue's bytes and to a persistent session's offline quota as a PUBLISH with a payload of the same
/// footprint is, and so is an uplink's queue — before, each counted its topic and payload only, and the security review's
/// 100 such messages of 980 KB took the host from 77 to 1,620 MB for a subscriber that did not read. Host only: the
/// device relay speaks MQTT 3.1.1, which has no properties.
/// </summary>
[Collection(MemoryMeasurement.Name)]
public sealed class PropertiesFootprintTests : IDisposable
{
    /// <summary>User properties <c>a=b</c> per heavy message: 35 KB on the wire, about 530 KB held by the host.</summary>
    const int UserProperties = 5000;

    const string Device = "away-device";

    /// <summary>What one heavy message counts: topic "big/t" and its properties.</summary>
    static readonly int Footprint = 5 + MessageFootprint.OfProperties(UserProperties * 2, UserProperties);

    readonly DirectoryInfo _dataDir = Directory.CreateTempSubdirectory("edgebroker-properties-");

    /// <summary>More messages than the kernel's socket buffers take (Linux grows the broker's send buffer to 4 MB: about
    /// 120 of the heavy properties' 35 KB, 7 of the heavy payloads), so the rest meet the outbound queue.</summary>
    [Theory]
    [InlineData(UserProperties, 0, 300)]
    [InlineData(0, -1, 60)]
    public async Task Heavy_properties_for_a_subscriber_that_does_not_read_are_dropped_like_a_heavy_payload(int userProperties, int payloadBytes, int messages)
    {
        var payload = new byte[payloadBytes < 0 ? Footprint - 5 : payloadBytes];
        await using var broker = await Engines.StartAsync(Engines.Host, new Dictionary<string, string?>
        {
            ["EdgeBroker:OutboundQueue:MaxBytesPerClient"] = "1048576",
        });
        await using var slow = await RawMqttConnection.OpenAsync(broker, receiveBufferBytes: 4096);
        Assert.Equal(0, await slow.ConnectAsync("slow", keepAliveSeconds: 0, protocolLevel: 5));
        Assert.Equal(0, await slow.SubscribeAsync("big/#", qos: 0));
        await using var publisher = await TestClient.ConnectAsync(broker, "heavy-pub", MqttProtocolVersion.V500);
        var message = Heavy("big/t", payload, userProperties);
        var heapBefore = MemoryMeasurement.SettledHeapBytes();

        for (var i = 0; i < messages; i++)
        {
            // QoS 1: acknowledged once routed, so every message has met the subscriber's queue when the loop ends.
            Assert.Equal(MqttClientPublishReasonCode.Success, (await publisher.Client.PublishAsync(message)).ReasonCode);
        }

        var heapGrowth = MemoryMeasurement.SettledHeapBytes() - heapBefore;
        Assert.True(broker.Counters!.EngineDropped > messages / 2, $"only {broker.Counters.EngineDropped} of {messages} messages dropped");
        Assert.True(heapGrowth < 16 * 1024 * 1024, $"the heap grew by {heapGrowth / 1024} KB for a client that reads nothing");
    }

    [Fact]
    public async Task Heavy_properties_fill_an_away_sessions_quota_like_a_heavy_payload_and_still_count_after_a_restart()
    {
        var settings = new Dictionary<string, string?>
        {
            [HostEngine.DataDirKey] = _dataDir.FullName,
            ["EdgeBroker:MaxOfflineBytesPerClient"] = "1048576",
        };
        var heavy = Heavy("inbox/x", [], UserProperties);
        var heavyPayload = Heavy("inbox/x", new byte[Footprint - 5], 0);
        await using (var broker = await Engines.StartAsync(Engines.Host, settings))
        {
            await using (var device = await TestClient.ConnectAsync(broker, Device, MqttProtocolVersion.V500, cleanStart: false, sessionExpiry: 3600))
            {
                await device.SubscribeAsync("inbox/#");
            }

            await Eventually.WaitUntilAsync(() => !broker.IsConnected(Device), () => Device + " is still connected after its DISCONNECT");
            await using var stranger = await TestClient.ConnectAsync(broker, "stranger", MqttProtocolVersion.V500);

            // One heavy message takes more than half the quota of 1 MiB, whatever carries its weight.
            Assert.Equal(MqttClientPublishReasonCode.Success, (await stranger.Client.PublishAsync(heavy)).ReasonCode);
            Assert.Equal(MqttClientPublishReasonCode.QuotaExceeded, (await stranger.Client.PublishAsync(heavy)).ReasonCode);
            Assert.Equal(MqttClientPublishReasonCode.QuotaExceeded, (await stranger.Client.PublishAsync(heavyPayload)).ReasonCode);
            Assert.Equal(MqttClientPublishReasonCode.Success, (await stranger.PublishAsync("inbox/x", "light")).ReasonCode);
        }

        await using (var broker = await Engines.StartAsync(Engines.Host, settings))
        {
            // The quota counted again from the store counts the kept message's properties as they were counted.
            await using var stranger = await TestClient.ConnectAsync(broker, "stranger", MqttProtocolVersion.V500);
            Assert.Equal(MqttClientPublishReasonCode.QuotaExceeded, (await stranger.Client.PublishAsync(heavy)).ReasonCode);
            Assert.Equal(MqttClientPublishReasonCode.Success, (await stranger.PublishAsync("inbox/x", "after restart")).ReasonCode);

            await using var device = await TestClient.ConnectAsync(broker, Device, MqttProtocolVersion.V500, cleanStart: false, sessionExpiry: 3600);
            var kept = await device.ReceiveAsync();
            Assert.Equal(UserProperties, kept.UserProperties.Count);
            Assert.Equal(["light", "after restart"], await device.ReceivePayloadsAsync(2));
            await device.ExpectNothingAsync();
        }
    }

    /// <summary>
    /// An uplink's queue counts a message's properties as the other bounds do (<see cref="UplinkEntry.SizeOf"/>): with
    /// the upstream gone, heavy properties are held to <c>MaxQueuedBytes</c> as a heavy payload is, and the entry kept
    /// counts the same after a restart. Before, each such entry counted 37 bytes, so a dead upstream let ten of them
    /// (5.7 MB held by the host, more in its database) stay under a bound of 1 MiB.
    /// </summary>
    [Fact]
    public async Task Heavy_properties_for_a_dead_upstream_are_held_to_the_uplink_queues_bytes_also_after_a_restart()
    {
        using var nobody = new ClosedPort();
        var settings = Gateway.With(Gateway.Forward(Gateway.Settings($"mqtt://127.0.0.1:{nobody.Port}"), "big/#"), "MaxQueuedBytes", "1048576");
        settings[HostEngine.DataDirKey] = _dataDir.FullName;
        var heavy = Heavy("big/t", [], UserProperties);
        long entryBytes = UplinkEntry.Overhead + Footprint;
        await using (var gateway = await Gateway.StartAsync(settings))
        {
            await using var publisher = await TestClient.ConnectAsync(gateway.Broker, "heavy-pub", MqttProtocolVersion.V500);
            for (var i = 0; i < 10; i++)
            {
                Assert.Equal(MqttClientPublishReasonCode.Success, (await publisher.Client.PublishAsync(heavy)).ReasonCode);
            }

            // Two such entries pass 1 MiB: each one queued dropped the one before (DropOldest).
            Assert.Equal((1, entryBytes, 9L), await QueueAsync(gateway));
        }

        await using (var gateway = await Gateway.StartAsync(settings))
        {
            Assert.Equal((1, entryBytes, 0L), await QueueAsync(gateway));
            await using var publisher = await TestClient.ConnectAsync(gateway.Broker, "heavy-pub", MqttProtocolVersion.V500);
            Assert.Equal(MqttClientPublishReasonCode.Success, (await publisher.Client.PublishAsync(heavy)).ReasonCode);
            Assert.Equal((1, entryBytes, 1L), await QueueAsync(gateway));
        }

        static async Task<(int Queued, long QueuedBytes, long Dropped)> QueueAsync(Gateway gateway)
        {
            var status = await gateway.StatusAsync();
            return (status.GetProperty("queued").GetInt32(), status.GetProperty("queuedBytes").GetInt64(), status.GetProperty("dropped").GetInt64());
        }
    }

    /// <summary>A QoS 1 PUBLISH to <paramref name="topic"/> with <paramref name="userProperties"/> user properties
    /// <c>a=b</c>.</summary>
    static MqttApplicationMessage Heavy(string topic, byte[] payload, int userProperties)
    {
        var builder = new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        ReadOnlyMemory<byte> value = "b"u8.ToArray();
        for (var i = 0; i < userProperties; i++)
        {
            builder.WithUserProperty("a", value);
        }

        return builder.Build();
    }

    public void Dispose() => _dataDir.Delete(recursive: true);
}
