using EdgeBroker.Core.Routing;
using EdgeBroker.Host.Mqtt;
using MQTTnet.Adapter;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using Xunit.Abstractions;

namespace EdgeBroker.EndToEnd.Tests.Overload;

/// <summary>
/// What a will the host keeps holds on the managed heap beside its <see cref="MessageFootprint"/>, measured on the
/// objects the host keeps (MQTTnet's decoded CONNECT turned into the core's will by <see cref="ConnectWill.Of"/>), so
/// that <see cref="ConnectWill.ExtraBytes"/> — what <c>MaxWillBytes</c> counts beside the footprint — is no less.
/// </summary>
[Collection(MemoryMeasurement.Name)]
public sealed class WillFootprintTests(ITestOutputHelper output)
{
    const int Wills = 20_000;

    [Theory]
    [InlineData(0, 7, false)]
    [InlineData(0, 200, true)]
    [InlineData(20, 100, true)]
    public void A_kept_will_holds_no_more_than_it_counts(int userProperties, int payloadBytes, bool otherProperties)
    {
        var connect = EncodedConnect(userProperties, payloadBytes, otherProperties);
        // The median of three measurements: one that a late free elsewhere in the process disturbed does not decide.
        var besideFootprint = new[] { 0, 1, 2 }.Select(_ => BytesBesideFootprint(connect)).Order().ElementAt(1);
        output.WriteLine($"{userProperties} user properties, {payloadBytes} payload bytes: {besideFootprint:F1} bytes beside "
            + $"the footprint (ExtraBytes {ConnectWill.ExtraBytes})");
        Assert.InRange(besideFootprint, ConnectWill.ExtraBytes - 300, ConnectWill.ExtraBytes);
    }

    /// <summary>What each of <see cref="Wills"/> wills kept from <paramref name="connect"/> holds beyond its footprint.</summary>
    double BytesBesideFootprint(byte[] connect)
    {
        var kept = new RoutedMessage[Wills];
        long counted = 0;
        var before = MemoryMeasurement.SettledHeapBytes();

        for (var i = 0; i < Wills; i++)
        {
            kept[i] = ConnectWill.Of(Decoded(connect));
            counted += MessageFootprint.Of(kept[i]);
        }

        var held = MemoryMeasurement.SettledHeapBytes() - before;
        GC.KeepAlive(kept);
        output.WriteLine($"  {held / (double)Wills:F1} bytes held a will, {counted / (double)Wills:F1} counted by its footprint");
        return (held - counted) / (double)Wills;
    }

    /// <summary>A CONNECT with a will on a topic of ordinary length, as an MQTT 5 client sends it.</summary>
    static byte[] EncodedConnect(int userProperties, int payloadBytes, bool otherProperties)
    {
        var packet = new MqttConnectPacket
        {
            ClientId = "device-0001",
            CleanSession = true,
            WillFlag = true,
            WillTopic = "status/device-0001",
            WillMessage = new byte[payloadBytes],
            WillQoS = MqttQualityOfServiceLevel.AtLeastOnce,
            WillUserProperties = userProperties == 0 ? null
                : [.. Enumerable.Range(0, userProperties).Select(i => new MqttUserProperty($"name{i:D2}", "value-0001"u8.ToArray()))],
        };
        if (otherProperties)
        {
            packet.WillContentType = "application/json";
            packet.WillResponseTopic = "replies/device-0001";
            packet.WillCorrelationData = new byte[16];
            packet.WillMessageExpiryInterval = 3600;
        }

        using var encoded = PacketFormatters.Encode(MqttProtocolVersion.V500, packet);
        return encoded.Buffer.ToArray();
    }

    static MqttConnectPacket Decoded(byte[] bytes)
    {
        // The remaining length follows the first byte, seven bits a byte.
        var offset = 1;
        while ((bytes[offset] & 0x80) != 0)
        {
            offset++;
        }

        offset++;
        var body = new ArraySegment<byte>(bytes, offset, bytes.Length - offset);
        return (MqttConnectPacket)PacketFormatters.Decode(MqttProtocolVersion.V500, new ReceivedMqttPacket(bytes[0], body, bytes.Length));
    }
}
