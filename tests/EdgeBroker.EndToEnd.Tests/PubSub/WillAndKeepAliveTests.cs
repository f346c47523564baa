using EdgeBroker.EndToEnd.Tests.Infrastructure;
using MQTTnet;

namespace EdgeBroker.EndToEnd.Tests.PubSub;

/// <summary>Will messages and keep-alive (MQTT 3.1.1 §3.1.2.5, §3.1.2.10).</summary>
public sealed class WillAndKeepAliveTests
{
    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task A_lost_connection_publishes_the_will(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using var watcher = await TestClient.ConnectAsync(broker, "watcher");
        await watcher.SubscribeAsync("status/+");
        var device = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, await device.ConnectAsync("GID_x@@@dev", willTopic: "status/dev", willPayload: "gone", willQos: 1));

        device.Abort();

        var will = await watcher.ReceiveAsync();
        Assert.Equal("status/dev", will.Topic);
        Assert.Equal("gone", will.ConvertPayloadToString());
    }

    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task A_clean_disconnect_discards_the_will(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using var watcher = await TestClient.ConnectAsync(broker, "watcher");
        await watcher.SubscribeAsync("status/+");
        await using var device = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, await device.ConnectAsync("GID_x@@@dev", willTopic: "status/dev", willPayload: "gone"));

        await device.SendAsync(0xE0, []);

        Assert.True(await device.IsClosedByBrokerAsync(TimeSpan.FromSeconds(3)));
        await watcher.ExpectNothingAsync();
    }

    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task A_silent_client_is_disconnected_after_one_and_a_half_keep_alive_periods_and_its_will_sent(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using var watcher = await TestClient.ConnectAsync(broker, "watcher");
        await watcher.SubscribeAsync("status/+");
        await using var device = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, await device.ConnectAsync("GID_x@@@sleepy", keepAliveSeconds: 1, willTopic: "status/sleepy", willPayload: "timed out"));

        Assert.True(await device.IsClosedByBrokerAsync(TimeSpan.FromSeconds(5)), "the broker kept a silent client past its keep-alive");
        Assert.Equal("timed out", (await watcher.ReceiveAsync()).ConvertPayloadToString());
    }

    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task A_client_trickling_a_packet_is_disconnected_after_one_and_a_half_keep_alive_periods_and_its_will_sent(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using var watcher = await TestClient.ConnectAsync(broker, "watcher");
        await watcher.SubscribeAsync("status/+");
        await using var device = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, await device.ConnectAsync("GID_x@@@trickler", keepAliveSeconds: 1, willTopic: "status/trickler", willPayload: "too slow"));
        var publish = device.PublishPacket("trickle/t", new byte[40], qos: 0);

        // A byte every 250 ms: the client is never silent for long, but no packet is whole within 1.5 s (this one would
        // be after about 13 s). The emulator's keep-alive restarted with each byte, so such a client stayed connected.
        var trickle = await device.TrickleAsync(publish, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5));

        Assert.True(trickle.Closed, $"the broker kept a client whose packet trickled in past its keep-alive (answered with packet type {trickle.AnswerType})");
        Assert.True(trickle.BytesSent < publish.Length, "the whole PUBLISH was sent before the broker closed the connection");
        Assert.InRange(trickle.After, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(6));
        Assert.Equal("too slow", (await watcher.ReceiveAsync()).ConvertPayloadToString());
    }

    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task A_client_that_pings_stays_connected(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using var device = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, await device.ConnectAsync("GID_x@@@pinger", keepAliveSeconds: 1));

        for (var i = 0; i < 4; i++)
        {
            await Task.Delay(700);
            await device.SendAsync(0xC0, []);
            var (type, _, _) = await device.ReadPacketAsync();
            Assert.Equal(13, type);
        }
    }
}
