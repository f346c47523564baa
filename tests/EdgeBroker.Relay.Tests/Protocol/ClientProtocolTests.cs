using System.Net.Sockets;
using EdgeBroker.Relay.Tests.Support;

namespace EdgeBroker.Relay.Tests.Protocol;

/// <summary>Protocol details the black-box suite cannot provoke with a well-behaved client library.</summary>
public class ClientProtocolTests
{
    const string Receiver = "GID_a@@@receiver";

    [Fact]
    public void A_resent_qos2_publish_is_acknowledged_again_but_delivered_once()
    {
        using var relay = new SynchronousRelay();
        var (receiverSocket, _) = relay.Connect(Receiver);
        var (senderSocket, sender) = relay.Connect("sender");
        var publish = Packets.Publish("app/p2p/" + Receiver, "once", qos: 2, packetId: 5);
        var resend = (byte[])publish.Clone();
        resend[0] |= 0x08;

        foreach (var packet in new[] { publish, resend })
        {
            senderSocket.Send(packet);
            Assert.True(sender.ReceiveAndHandle());
            relay.Context.Transmitter.FlushReady();
            Assert.Equal(new byte[] { 0x50, 2, 0, 5 }, Receive(senderSocket, 4));
        }

        senderSocket.Send(new byte[] { 0x62, 2, 0, 5 });
        Assert.True(sender.ReceiveAndHandle());
        relay.Context.Transmitter.FlushReady();
        Assert.Equal(new byte[] { 0x70, 2, 0, 5 }, Receive(senderSocket, 4));

        // Delivered once, at QoS 1 (the firmware's maximum), and nothing more is waiting.
        var delivered = Receive(receiverSocket, publish.Length);
        Assert.Equal(0x32, delivered[0]);
        Assert.Equal(0, receiverSocket.Available);
    }

    [Fact]
    public void Connack_comes_before_the_messages_kept_for_a_persistent_session()
    {
        using var relay = new SynchronousRelay();
        var (senderSocket, sender) = relay.Connect("sender");
        var (firstSocket, first) = relay.Connect(Receiver, relay.OpenSocketPair(), cleanSession: false);
        firstSocket.Send(new byte[] { 0xE0, 0 });
        Assert.False(first.ReceiveAndHandle());
        first.Terminate();

        senderSocket.Send(Packets.Publish("app/p2p/" + Receiver, "kept", qos: 1, packetId: 1));
        Assert.True(sender.ReceiveAndHandle());

        var (client, server) = relay.OpenSocketPair();
        var back = new Firmware.Relay.RelayConnection(server, relay.Context);
        client.Send(Packets.Connect(Receiver, cleanSession: false));
        Assert.True(back.ReceiveAndHandle());
        relay.Context.Transmitter.FlushReady();

        Assert.Equal(new byte[] { 0x20, 2, 1, 0 }, Receive(client, 4));
        Assert.Equal(0x32, Receive(client, 1)[0]);
    }

    static byte[] Receive(Socket socket, int count)
    {
        var buffer = new byte[count];
        socket.ReceiveTimeout = 2000;
        SynchronousRelay.ReceiveExactly(socket, buffer);
        return buffer;
    }
}
