using EdgeBroker.EndToEnd.Tests.Infrastructure;
using MQTTnet;

namespace EdgeBroker.EndToEnd.Tests.Protocol;

/// <summary>
/// What a client's PUBACK, PUBREC, PUBREL, PUBCOMP and DISCONNECT may carry beyond their packet identifier or reason
/// code: MQTT 5 properties (§3.4.2.2, §3.14.2.2) — a Reason String once, User Properties any number of times, both
/// well-formed UTF-8 without U+0000 — and in MQTT 3.1.1 nothing. A DISCONNECT the broker refuses is no normal
/// disconnection, so the will is published ([MQTT-3.1.2-8]), on both engines. The refusals themselves, with their
/// DISCONNECT reason codes, are in <see cref="MalformedPacketTests"/>.
/// </summary>
public sealed class AcknowledgementPropertiesTests
{
    const string WillTopic = "status/device";
    static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(3);

    /// <summary>A DISCONNECT with a Reason String "r": MQTT 5's, one MQTT 3.1.1 does not have; and one whose Reason String
    /// is not UTF-8.</summary>
    public static TheoryData<string, int, byte[]> RefusedDisconnect() => new()
    {
        { Engines.Host, 4, [0x00, 0x04, 0x1F, 0x00, 0x01, (byte)'r'] },
        { Engines.Emulator, 4, [0x00, 0x04, 0x1F, 0x00, 0x01, (byte)'r'] },
        { Engines.Host, 5, [0x00, 0x04, 0x1F, 0x00, 0x01, 0xFF] },
    };

    [Theory]
    [MemberData(nameof(RefusedDisconnect))]
    public async Task A_DISCONNECT_the_broker_refuses_publishes_the_will(string engine, int protocolLevel, byte[] body)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using var watcher = await TestClient.ConnectAsync(broker, "watcher");
        await watcher.SubscribeAsync(WillTopic);
        await using var device = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, await device.ConnectAsync("device", willTopic: WillTopic, willPayload: "gone", protocolLevel: protocolLevel));

        await device.SendAsync(0xE0, body);

        Assert.True(await device.IsClosedByBrokerAsync(CloseTimeout));
        Assert.Equal("gone", (await watcher.ReceiveAsync()).ConvertPayloadToString());
    }

    /// <summary>A DISCONNECT with well-formed properties is a normal one: the will is discarded.</summary>
    [Fact]
    public async Task A_DISCONNECT_with_a_Reason_String_and_User_Properties_discards_the_will()
    {
        await using var broker = await Engines.StartAsync(Engines.Host);
        await using var watcher = await TestClient.ConnectAsync(broker, "watcher");
        await watcher.SubscribeAsync(WillTopic);
        await using var device = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, await device.ConnectAsync("device", willTopic: WillTopic, willPayload: "gone", protocolLevel: 5));

        await device.SendAsync(0xE0, [0x00, .. Properties()]);

        Assert.True(await device.IsClosedByBrokerAsync(CloseTimeout));
        await watcher.ExpectNothingAsync();
    }

    /// <summary>The four acknowledgements with a Reason String and the same User Property twice, as MQTT 5 allows: the
    /// connection stays.</summary>
    [Fact]
    public async Task Acknowledgements_with_a_Reason_String_and_User_Properties_are_taken()
    {
        await using var broker = await Engines.StartAsync(Engines.Host);
        await using var client = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, await client.ConnectAsync("acknowledger", protocolLevel: 5));
        Assert.Equal(1, await Mqtt5Wire.SubscribeAsync(client, "acks/#", qos: 1));
        await using (var publisher = await TestClient.ConnectAsync(broker, "publisher"))
        {
            await publisher.PublishAsync("acks/1", "one", MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce);
        }

        var delivery = await Mqtt5Wire.ReadPublishAsync(client);
        await client.SendAsync(0x40, [(byte)(delivery.PacketId >> 8), (byte)delivery.PacketId, 0x00, .. Properties()]);
        foreach (var first in new byte[] { 0x50, 0x62, 0x70 })
        {
            // For an identifier of no QoS 2 exchange: answered with 0x92 (not found), not refused.
            await client.SendAsync(first, [0x00, 0x07, 0x00, .. Properties()]);
        }

        await client.SendRawAsync([0xC0, 0x00]);
        var answers = new List<int>();
        for (var type = 0; type != 13; answers.Add(type))
        {
            (type, _, _) = await client.ReadPacketAsync(CloseTimeout);
        }

        Assert.DoesNotContain(14, answers);
    }

    /// <summary>Properties: Reason String "done", User Property site=a twice.</summary>
    static byte[] Properties()
    {
        byte[] properties =
        [
            0x1F, 0x00, 0x04, (byte)'d', (byte)'o', (byte)'n', (byte)'e',
            0x26, 0x00, 0x04, (byte)'s', (byte)'i', (byte)'t', (byte)'e', 0x00, 0x01, (byte)'a',
            0x26, 0x00, 0x04, (byte)'s', (byte)'i', (byte)'t', (byte)'e', 0x00, 0x01, (byte)'a',
        ];
        return [(byte)properties.Length, .. properties];
    }
}
