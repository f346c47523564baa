using EdgeBroker.EndToEnd.Tests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;

namespace EdgeBroker.EndToEnd.Tests.Protocol;

/// <summary>Wills as the core keeps them: MQTT 5 Will Delay Interval (§3.1.2.5, §3.1.3.2.2) on the host (MQTTnet 5.2
/// would publish at once) — published once the delay has passed, not at all if the client connects again within it, at
/// once when the session ends first — and, on both engines, the will of a connection taken over.</summary>
public sealed class WillDelayTests
{
    const string Device = "GID_x@@@device";
    const string WillTopic = "status/device";

    static async Task<TestClient> WatcherAsync(RunningBroker broker)
    {
        var watcher = await TestClient.ConnectAsync(broker, "watcher");
        await watcher.SubscribeAsync(WillTopic);
        return watcher;
    }

    /// <summary>Connects a device with a will and drops its connection without DISCONNECT.</summary>
    static async Task ConnectAndVanishAsync(RunningBroker broker, uint willDelay, uint sessionExpiry)
    {
        var device = await TestClient.ConnectAsync(broker, Device, MqttProtocolVersion.V500, cleanStart: true, sessionExpiry,
            options => options.WithWillTopic(WillTopic).WithWillPayload("gone").WithWillDelayInterval(willDelay));

        // Dispose closes the socket without a DISCONNECT: to the broker, a lost connection.
        device.Client.Dispose();
    }

    [Fact]
    public async Task The_will_is_published_once_the_delay_has_passed()
    {
        await using var broker = await Engines.StartAsync(Engines.Host);
        await using var watcher = await WatcherAsync(broker);

        await ConnectAndVanishAsync(broker, willDelay: 3, sessionExpiry: 60);

        await Task.Delay(TimeSpan.FromSeconds(1.5));
        await watcher.ExpectNothingAsync();
        Assert.Equal("gone", (await watcher.ReceiveAsync()).ConvertPayloadToString());
    }

    [Fact]
    public async Task The_will_is_not_published_when_the_client_connects_again_within_the_delay()
    {
        await using var broker = await Engines.StartAsync(Engines.Host);
        await using var watcher = await WatcherAsync(broker);

        await ConnectAndVanishAsync(broker, willDelay: 2, sessionExpiry: 60);
        await using var back = await TestClient.ConnectAsync(broker, Device, MqttProtocolVersion.V500, cleanStart: false, sessionExpiry: 60);

        await Task.Delay(TimeSpan.FromSeconds(3));
        await watcher.ExpectNothingAsync();
    }

    [Fact]
    public async Task A_session_that_ends_first_publishes_the_will_then()
    {
        await using var broker = await Engines.StartAsync(Engines.Host);
        await using var watcher = await WatcherAsync(broker);

        await ConnectAndVanishAsync(broker, willDelay: 600, sessionExpiry: 0);

        Assert.Equal("gone", (await watcher.ReceiveAsync()).ConvertPayloadToString());
    }

    [Fact]
    public async Task A_session_that_expires_before_the_delay_publishes_the_will_as_it_expires()
    {
        await using var broker = await Engines.StartAsync(Engines.Host);
        await using var watcher = await WatcherAsync(broker);

        await ConnectAndVanishAsync(broker, willDelay: 600, sessionExpiry: 2);

        await watcher.ExpectNothingAsync();
        Assert.Equal("gone", (await watcher.ReceiveAsync()).ConvertPayloadToString());
        await using var back = await TestClient.ConnectAsync(broker, Device, MqttProtocolVersion.V500, cleanStart: false, sessionExpiry: 2);
        Assert.False(back.ConnectResult.IsSessionPresent);
    }

    [Fact]
    public async Task A_disconnect_discards_a_delayed_will()
    {
        await using var broker = await Engines.StartAsync(Engines.Host);
        await using var watcher = await WatcherAsync(broker);
        var device = await TestClient.ConnectAsync(broker, Device, MqttProtocolVersion.V500, cleanStart: true, sessionExpiry: 60,
            options => options.WithWillTopic(WillTopic).WithWillPayload("gone").WithWillDelayInterval(1));

        await device.DisposeAsync();

        await Task.Delay(TimeSpan.FromSeconds(2));
        await watcher.ExpectNothingAsync();
    }

    [Fact]
    public async Task A_disconnect_with_reason_0x04_publishes_the_will()
    {
        await using var broker = await Engines.StartAsync(Engines.Host);
        await using var watcher = await WatcherAsync(broker);
        var device = await TestClient.ConnectAsync(broker, Device, MqttProtocolVersion.V500,
            configure: options => options.WithWillTopic(WillTopic).WithWillPayload("gone"));

        await device.Client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder()
            .WithReason(MqttClientDisconnectOptionsReason.DisconnectWithWillMessage).Build());

        Assert.Equal("gone", (await watcher.ReceiveAsync()).ConvertPayloadToString());
    }

    /// <summary>[MQTT-3.1.2-10], [MQTT-3.14.4-3]: only reason code 0x00 (normal disconnection) removes the will; a
    /// DISCONNECT saying the client failed (0x80 unspecified error, 0x83 implementation specific error, 0x90 topic name
    /// invalid) publishes it as a lost connection would. The host kept it only for 0x04, as mosquitto 2.0 does.</summary>
    [Theory]
    [InlineData(0x00, null)]
    [InlineData(0x80, "gone")]
    [InlineData(0x83, "gone")]
    [InlineData(0x90, "gone")]
    public async Task Only_a_disconnect_with_reason_0x00_discards_the_will(byte reason, string? will)
    {
        await using var broker = await Engines.StartAsync(Engines.Host);
        await using var watcher = await WatcherAsync(broker);
        await using var device = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, await device.ConnectAsync(Device, willTopic: WillTopic, willPayload: "gone", protocolLevel: 5));

        await device.SendAsync(0xE0, [reason, 0x00]);

        Assert.True(await device.IsClosedByBrokerAsync(TimeSpan.FromSeconds(3)));
        if (will is null)
        {
            await watcher.ExpectNothingAsync();
        }
        else
        {
            Assert.Equal(will, (await watcher.ReceiveAsync()).ConvertPayloadToString());
        }
    }

    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task A_connection_taken_over_publishes_its_will(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using var watcher = await WatcherAsync(broker);
        await using var first = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, await first.ConnectAsync(Device, willTopic: WillTopic, willPayload: "taken over", willQos: 1));

        await using var second = await TestClient.ConnectAsync(broker, Device);

        Assert.True(await first.IsClosedByBrokerAsync(TimeSpan.FromSeconds(3)));
        Assert.Equal("taken over", (await watcher.ReceiveAsync()).ConvertPayloadToString());
        await watcher.ExpectNothingAsync();
    }
}
