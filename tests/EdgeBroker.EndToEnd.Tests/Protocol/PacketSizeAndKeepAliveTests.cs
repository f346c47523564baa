using EdgeBroker.EndToEnd.Tests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace EdgeBroker.EndToEnd.Tests.Protocol;

/// <summary>MQTT 5 Maximum Packet Size (§3.1.2.11.4, §3.2.2.3.6) and Server Keep Alive (§3.2.2.3.14). Host only: the
/// firmware relay speaks MQTT 3.1.1, which has neither.</summary>
public sealed class PacketSizeAndKeepAliveTests
{
    [Theory]
    [MemberData(nameof(Engines.WithMqtt5), MemberType = typeof(Engines))]
    public async Task The_connack_announces_the_configured_maximum_packet_size_and_the_broker_enforces_it(string engine)
    {
        await using var broker = await Engines.StartAsync(engine, new Dictionary<string, string?> { ["EdgeBroker:Connections:MaxPacketSize"] = "1024" });
        await using var client = await TestClient.ConnectAsync(broker, "size-announced", MqttProtocolVersion.V500);
        Assert.Equal(1024u, client.ConnectResult.MaximumPacketSize);

        await using var raw = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, (await Mqtt5Wire.ConnectAsync(raw, "size-ignored")).ReasonCode);
        await Mqtt5Wire.PublishAsync(raw, "size/big", new string('x', 1100), qos: 0);
        Assert.Equal(0x95, await Mqtt5Wire.ReadDisconnectAsync(raw));
    }

    [Theory]
    [MemberData(nameof(Engines.WithMqtt5), MemberType = typeof(Engines))]
    public async Task A_message_larger_than_the_client_takes_is_discarded_and_counted_and_the_connection_stays(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using var small = await TestClient.ConnectAsync(broker, "size-small", MqttProtocolVersion.V500, cleanStart: false, sessionExpiry: 300,
            configure: options => options.WithMaximumPacketSize(64));
        await small.SubscribeAsync("size/t");
        await using var publisher = await TestClient.ConnectAsync(broker, "size-publisher", MqttProtocolVersion.V500);

        await publisher.PublishAsync("size/t", "fits");
        await publisher.PublishAsync("size/t", new string('x', 64));
        await publisher.PublishAsync("size/t", "fits again");

        Assert.Equal(["fits", "fits again"], await small.ReceivePayloadsAsync(2));
        await Eventually.WaitUntilAsync(() => broker.Counters!.TooLargeDropped == 1, () => $"counted {broker.Counters!.TooLargeDropped} discarded, expected 1");
        Assert.True(small.Client.IsConnected);

        // Discarded as if delivered: not kept for the persistent session, so nothing comes back after a reconnect.
        await small.Client.DisconnectAsync();
        await using var back = await TestClient.ConnectAsync(broker, "size-small", MqttProtocolVersion.V500, cleanStart: false, sessionExpiry: 300,
            configure: options => options.WithMaximumPacketSize(64));
        Assert.True(back.ConnectResult.IsSessionPresent);
        await back.ExpectNothingAsync();
    }

    [Theory]
    [MemberData(nameof(Engines.WithMqtt5), MemberType = typeof(Engines))]
    public async Task A_keep_alive_above_the_bound_or_none_is_replaced_and_announced_as_server_keep_alive(string engine)
    {
        await using var broker = await Engines.StartAsync(engine, new Dictionary<string, string?> { ["EdgeBroker:Connections:MaxKeepAliveSeconds"] = "60" });
        // MQTTnet reports a CONNACK without Server Keep Alive as 0.
        foreach (var (requested, announced) in new[] { (120, 60), (0, 60), (30, 0) })
        {
            await using var client = await TestClient.ConnectAsync(broker, $"keepalive-{requested}", MqttProtocolVersion.V500,
                configure: options => options.WithKeepAlivePeriod(TimeSpan.FromSeconds(requested)));
            Assert.Equal(announced, client.ConnectResult.ServerKeepAlive);
        }
    }

    [Theory]
    [MemberData(nameof(Engines.WithMqtt5), MemberType = typeof(Engines))]
    public async Task A_client_held_to_the_server_keep_alive_is_disconnected_after_one_and_a_half_of_it(string engine)
    {
        await using var broker = await Engines.StartAsync(engine, new Dictionary<string, string?> { ["EdgeBroker:Connections:MaxKeepAliveSeconds"] = "1" });
        await using var raw = await RawMqttConnection.OpenAsync(broker);
        var (code, properties) = await Mqtt5Wire.ConnectAsync(raw, "keepalive-none", keepAliveSeconds: 0);
        Assert.Equal(0, code);
        Assert.Equal(1, properties.Number(Mqtt5Properties.ServerKeepAlive));

        Assert.Equal(0x8D, await Mqtt5Wire.ReadDisconnectAsync(raw));
    }
}
