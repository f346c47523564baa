using System.Net;
using System.Net.Sockets;
using EdgeBroker.Firmware.Relay;
using EdgeBroker.Firmware.Relay.Settings;
using EdgeBroker.Relay.Tests.Support;

namespace EdgeBroker.Relay.Tests.Codec;

/// <summary>
/// Random bytes against a running relay — its own reader, listener and transmitter threads — on many connections:
/// the relay must neither stop nor leak client places, and a well-behaved client afterwards is served as usual.
/// EDGEBROKER_FUZZ_CASES scales the number of connections too.
/// </summary>
public class LiveRelayFuzzTests
{
    static readonly int Connections = Math.Min(
        int.TryParse(Environment.GetEnvironmentVariable("EDGEBROKER_FUZZ_CASES"), out var n) ? n / 10 : 300, 100_000);

    [Fact]
    public void Garbage_on_many_connections_leaves_the_relay_serving()
    {
        // Hundreds of connections a second from one address: no per-address connection rate here.
        var settings = new RelaySettings { Bind = "127.0.0.1", Port = 0, ConnectTimeoutSeconds = 1, MaxConnectionsPerSource = 0 };
        var storage = Directory.CreateTempSubdirectory("edgebroker-relay-fuzz-");
        var gateway = Gateway.Open(storage.FullName, storage.FullName, settings, new RelaySecuritySettings(), new TestRandom(), new SilentLog(), null, null);
        gateway.Start();
        try
        {
            var random = new Random(2024);
            var endPoint = new IPEndPoint(IPAddress.Loopback, gateway.Port);
            var drain = new byte[256];
            for (int i = 0; i < Connections; i++)
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveTimeout = 5000 };
                socket.Connect(endPoint);
                var garbage = new byte[random.Next(1, 64)];
                random.NextBytes(garbage);
                if (i % 2 == 0)
                {
                    socket.Send(Packets.Connect("fuzz-" + i));
                }

                socket.Send(garbage);

                // End the stream and wait until the relay has closed its side: one connection at a time, each to its end.
                socket.Shutdown(SocketShutdown.Send);
                DrainUntilClosed(socket, drain);
            }

            WaitUntil(() => gateway.Context.ConnectedClients == 0);
            using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveTimeout = 5000 };
            client.Connect(endPoint);
            client.Send(Packets.Connect("after"));
            var connAck = new byte[4];
            SynchronousRelay.ReceiveExactly(client, connAck);
            Assert.Equal(new byte[] { 0x20, 2, 0, 0 }, connAck);

            client.Send(Packets.Publish("app/p2p/after", "still serving"));
            var delivered = new byte[Packets.Publish("app/p2p/after", "still serving").Length];
            SynchronousRelay.ReceiveExactly(client, delivered);
            Assert.Equal(0x30, delivered[0]);
        }
        finally
        {
            gateway.Stop();
            storage.Delete(recursive: true);
        }
    }

    /// <summary>Reads until the relay has closed the connection: end of stream, or a reset when it closed with
    /// bytes of ours still unread.</summary>
    static void DrainUntilClosed(Socket socket, byte[] buffer)
    {
        try
        {
            while (socket.Receive(buffer) > 0)
            {
            }
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
        }
    }

    static void WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "connections that ended are still counted as clients");
            Thread.Sleep(10);
        }
    }
}
