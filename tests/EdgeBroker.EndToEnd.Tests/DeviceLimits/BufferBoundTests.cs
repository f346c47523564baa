using System.Globalization;
using EdgeBroker.EndToEnd.Tests.Infrastructure;
using EdgeBroker.EndToEnd.Tests.Overload;
using MQTTnet.Protocol;

namespace EdgeBroker.EndToEnd.Tests.DeviceLimits;

/// <summary>
/// The gateway's buffers bounded in total (<c>max_buffer_bytes</c>, docs/firmware.md "Device limits") with real clients
/// against the emulator. The relay test (tests/EdgeBroker.Relay.Tests/Buffers) drives the same scenario from one thread;
/// this one adds the relay's own threads racing (a reader per connection routing while the one transmitter sends and sets
/// full sockets aside) and the key read from edgebroker.conf. On the PC the kernel takes far more of what a client does
/// not read than the device's lwIP would (hundreds of kilobytes per socket here), so what fills the relay's queues is the
/// transmitter falling behind the flood. Firmware only: the host has no such pool.
/// </summary>
public sealed class BufferBoundTests
{
    const int Stalled = 12;

    [Fact]
    public async Task Subscribers_that_stop_reading_hold_the_buffers_within_the_bound_while_a_healthy_pair_is_served()
    {
        const int messages = 3000;
        var payload = new byte[200];
        await using var broker = EmulatorEngine.Start(new Dictionary<string, string?>
        {
            ["max_clients"] = (Stalled + 3).ToString(CultureInfo.InvariantCulture),
            ["max_buffer_bytes"] = "8192",
        });
        var pool = broker.Gateway.Relay.Buffers;
        var stalled = new List<RawMqttConnection>();
        for (var i = 0; i < Stalled; i++)
        {
            var subscriber = await RawMqttConnection.OpenAsync(broker, receiveBufferBytes: 4096);
            stalled.Add(subscriber);
            Assert.Equal(0, await subscriber.ConnectAsync("stalled-" + i));
            Assert.Equal(i % 2, await subscriber.SubscribeAsync("load/#", qos: i % 2));
        }

        await using var healthySubscriber = await TestClient.ConnectAsync(broker, "healthy-sub");
        await healthySubscriber.SubscribeAsync("healthy/ping", MqttQualityOfServiceLevel.AtMostOnce);
        await using var healthyPublisher = await TestClient.ConnectAsync(broker, "healthy-pub");
        await using var loadPublisher = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, await loadPublisher.ConnectAsync("load-pub"));

        var mostHeld = 0;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                mostHeld = Math.Max(mostHeld, pool.HeldBytes);
                await Task.Delay(1);
            }
        });
        var load = Task.Run(async () =>
        {
            for (var i = 0; i < messages; i++)
            {
                await loadPublisher.PublishAsync("load/x", payload, qos: 0);
            }

            // Its packets are handled in order: once this one is acknowledged, the flood has been routed.
            await loadPublisher.PublishAsync("load/end", [], qos: 1, packetId: 1);
            Assert.Equal(4, (await loadPublisher.ReadPacketAsync(TimeSpan.FromSeconds(30))).Type);
        });

        // Every ping arrives, in order (the helper waits for each before the next).
        var latencies = await SlowConsumerTests.PingWhileAsync(load, healthyPublisher, healthySubscriber);
        await load;
        await sampling.CancelAsync();
        await sampler;

        // Beyond the bound only packets in hand: at most one received and one to send per connection, each a small buffer.
        var inHand = 2 * (Stalled + 3) * (pool.SizeFor(payload.Length + 20) + EdgeBroker.Firmware.Relay.BufferPool.PerBufferBytes);
        Assert.InRange(mostHeld, 0, pool.MaxBytes + inHand);
        Assert.True(pool.Refused > 0, "the bound refused nothing");
        Assert.True(broker.Counters.EngineDropped > messages / 2, $"only {broker.Counters.EngineDropped} of {messages} messages dropped");
        Assert.Contains(broker.LoggedProblems, line => line.Contains("max_buffer_bytes (8192 bytes)"));
        Assert.True(latencies.Count >= 20, $"the healthy pair got only {latencies.Count} pings through");

        // The subscribers that read nothing go; what they held comes back within the bound.
        foreach (var subscriber in stalled)
        {
            await subscriber.DisposeAsync();
        }

        await Eventually.WaitUntilAsync(() => Enumerable.Range(0, Stalled).All(i => !broker.IsConnected("stalled-" + i)),
            () => "stalled subscribers still connected");
        Assert.InRange(pool.HeldBytes, 0, pool.MaxBytes);
    }
}
