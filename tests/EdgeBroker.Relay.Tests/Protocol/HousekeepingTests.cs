using System.Net.Sockets;
using EdgeBroker.Firmware.Relay;
using EdgeBroker.Relay.Tests.Support;

namespace EdgeBroker.Relay.Tests.Protocol;

/// <summary>What the relay does once a second: here, forgetting persistent sessions whose expiry passed and closing
/// connections whose CONNECT or next packet is late.</summary>
public class HousekeepingTests
{
    const string Device = "GID_a@@@sleepy";

    [Fact]
    public void A_persistent_session_is_kept_until_its_expiry_passes_then_forgotten_in_the_store_too()
    {
        using var relay = new SynchronousRelay(configure: settings => settings.SessionExpirySeconds = 1);
        var (socket, connection) = relay.Connect(Device, relay.OpenSocketPair(), cleanSession: false);
        socket.Send(new byte[] { 0xE0, 0 });
        Assert.False(connection.ReceiveAndHandle());
        connection.Terminate();
        var housekeeping = new Housekeeping(relay.Context);

        housekeeping.RunOnce();
        Assert.True(relay.Context.Core.HasSession(Device));
        Assert.Single(relay.Store.Sessions.LoadSessions());

        Thread.Sleep(1100);
        housekeeping.RunOnce();
        Assert.False(relay.Context.Core.HasSession(Device));
        Assert.Empty(relay.Store.Sessions.LoadSessions());
    }

    [Fact]
    public void A_connection_whose_CONNECT_is_not_whole_by_the_connect_timeout_is_closed_and_logged_once()
    {
        var log = new RecordingLog();
        using var relay = new SynchronousRelay(configure: settings => settings.ConnectTimeoutSeconds = 1, log: log);
        var (client, server) = relay.OpenSocketPair();
        relay.Context.Track(new RelayConnection(server, relay.Context));
        var (connectedSocket, connected) = relay.Connect("GID_a@@@on-time");
        relay.Context.Track(connected);
        var housekeeping = new Housekeeping(relay.Context);

        client.Send(Packets.Connect("GID_a@@@late")[..3]);
        housekeeping.RunOnce();
        Assert.False(IsClosed(client), "closed before the connect timeout");

        Thread.Sleep(1100);
        client.Send(Packets.Connect("GID_a@@@late")[3..4]);
        housekeeping.RunOnce();
        housekeeping.RunOnce();

        Assert.True(IsClosed(client), "the relay kept a connection whose CONNECT was not whole in time");
        Assert.False(IsClosed(connectedSocket), "the relay closed a client whose CONNECT was whole in time");
        Assert.Single(log.Warnings, warning => warning.Contains("CONNECT within 1 s"));
    }

    [Fact]
    public void A_client_whose_packet_is_not_whole_within_one_and_a_half_keep_alive_periods_is_closed()
    {
        var log = new RecordingLog();
        using var relay = new SynchronousRelay(log: log);
        var (client, server) = relay.OpenSocketPair();
        var connection = new RelayConnection(server, relay.Context);
        relay.Context.Track(connection);
        connection.Start();
        client.Send(Packets.Connect("GID_a@@@trickler", keepAlive: 1));
        var housekeeping = new Housekeeping(relay.Context);

        // A byte of a PUBLISH now and then: never silent for a keep-alive, never a whole packet.
        var publish = Packets.Publish("trickle/t", "never whole");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var sent = 0;
        while (!IsClosed(client) && sent < publish.Length)
        {
            client.Send(publish[sent..(sent + 1)]);
            sent++;
            Thread.Sleep(250);
            housekeeping.RunOnce();
        }

        Assert.True(IsClosed(client), "the relay kept a client whose packet trickled in past its keep-alive");
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1.4), TimeSpan.FromSeconds(3));
        connection.WaitForEnd();
        Assert.Single(log.Warnings, warning => warning.Contains("no complete packet within 1.5 times its keep-alive of 1 s"));
    }

    /// <summary>Whether the relay closed its end (the client reads the end of the stream; CONNACK bytes are skipped).</summary>
    static bool IsClosed(Socket client)
    {
        var buffer = new byte[64];
        while (client.Poll(0, SelectMode.SelectRead))
        {
            try
            {
                if (client.Receive(buffer) == 0)
                {
                    return true;
                }
            }
            catch (SocketException)
            {
                return true;
            }
        }

        return false;
    }
}
