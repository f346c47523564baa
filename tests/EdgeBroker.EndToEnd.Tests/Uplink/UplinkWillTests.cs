using System.Net;
using System.Net.Sockets;
using System.Text;
using EdgeBroker.Core.Uplink;
using EdgeBroker.Emulator.Uplink;
using EdgeBroker.Firmware.Uplink;

namespace EdgeBroker.EndToEnd.Tests.Uplink;

/// <summary>
/// The will a gateway with retained P2P routes connects with, as the emulator's transport puts it on the wire: the core's
/// offline status, retained, never empty. nanoFramework's M2Mqtt 5.1.218 (the device's transport) refuses an empty will
/// under MQTT 3.1.1, so an empty one made the device's uplink fail every attempt (review-nf #2); the emulator and the
/// device send the one payload the core decides.
/// </summary>
public sealed class UplinkWillTests
{
    [Fact]
    public async Task The_CONNECT_carries_the_cores_offline_status_as_a_retained_will()
    {
        var settings = new UplinkSettings("cloud") { ClientId = "gw-a", P2P = true, P2PRoutes = UplinkP2PRoutes.Retained };
        settings.AddAddress(UplinkAddress.Parse("mqtt://127.0.0.1:1883"));
        var uplink = new Core.Uplink.Uplink(settings, new MemoryUplinkQueueStore(), new Emulator.SystemRandom());
        using var upstream = new TcpListener(IPAddress.Loopback, 0);
        upstream.Start();
        var request = new UplinkConnectRequest
        {
            Host = "127.0.0.1", Port = ((IPEndPoint)upstream.LocalEndpoint).Port, ClientId = "gw-a", KeepAliveSeconds = 60,
            WillTopic = uplink.WillTopic, WillPayload = uplink.WillPayload,
        };
        var transport = new SocketUplinkTransport(4096);
        var connecting = Task.Run(() => transport.Connect(request, new IgnoringListener()));

        using var accepted = await upstream.AcceptTcpClientAsync();
        var stream = accepted.GetStream();
        var connect = await ReadPacketAsync(stream);
        await stream.WriteAsync(new byte[] { 0x20, 2, 0, 0 });
        Assert.Equal(0, await connecting);
        transport.Disconnect();

        // The variable header after "MQTT" and the level: the flags say will, retained, QoS 0.
        Assert.Equal(0x24, connect[7] & 0x3C);
        var will = Encoding.UTF8.GetBytes("eb/routes/gw-a");
        int at = IndexOf(connect, will);
        Assert.True(at > 0, "the will's topic is not in the CONNECT");
        Assert.Equal(new byte[] { 0, 1, (byte)'0' }, connect[(at + will.Length)..(at + will.Length + 3)]);
    }

    /// <summary>The CONNECT's remaining bytes (after its fixed header).</summary>
    static async Task<byte[]> ReadPacketAsync(NetworkStream stream)
    {
        var header = new byte[2];
        await stream.ReadExactlyAsync(header);
        Assert.Equal(0x10, header[0]);
        Assert.True(header[1] < 128, "a short CONNECT has a one-byte remaining length");
        var body = new byte[header[1]];
        await stream.ReadExactlyAsync(body);
        return body;
    }

    static int IndexOf(byte[] bytes, byte[] part) => bytes.AsSpan().IndexOf(part);

    sealed class IgnoringListener : IUplinkTransportListener
    {
        public void PublishAcknowledged(int packetId) { }

        public void MessageReceived(string topic, byte[] payload, int qos, bool retain) { }

        public void MessageTooLarge(string topic, int packetBytes, int qos) { }

        public void ConnectionLost(string reason) { }
    }
}
