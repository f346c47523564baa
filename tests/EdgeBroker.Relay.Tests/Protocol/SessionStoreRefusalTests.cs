using EdgeBroker.Firmware.Relay;
using EdgeBroker.Relay.Tests.Support;

namespace EdgeBroker.Relay.Tests.Protocol;

/// <summary>A persistent CONNECT whose session the flash log cannot write (here its file is closed, as a failed flash
/// write leaves it) gets CONNACK 0x03, as the host answers its full database: the core refuses it and counts it with the
/// session refusals, the relay logs it once. Before, the connection closed without a CONNACK.</summary>
public class SessionStoreRefusalTests
{
    readonly RecordingLog _log = new();

    [Fact]
    public void A_persistent_connect_the_flash_log_cannot_write_gets_server_unavailable_and_leaves_no_session()
    {
        using var relay = new SynchronousRelay(log: _log);
        relay.Store.Dispose();

        Assert.Equal(0x03, Answer(relay, Packets.Connect("persistent", cleanSession: false)));

        Assert.Equal(1, relay.Context.Core.SessionsRefused);
        Assert.False(relay.Context.Core.HasSession("persistent"));
        Assert.Empty(relay.Store.Sessions.LoadSessions());
        var refusal = Assert.Single(_log.Warnings);
        Assert.StartsWith("Refused CONNECT of client persistent from 127.0.0.1 with return code 3: the session store could not keep the session: ",
            refusal, StringComparison.Ordinal);

        // A clean session needs nothing written: served as before.
        Assert.Equal(0, Answer(relay, Packets.Connect("clean")));
    }

    /// <summary>The CONNACK's return code for <paramref name="connect"/> on a connection of its own, which then ends.</summary>
    static int Answer(SynchronousRelay relay, byte[] connect)
    {
        var (client, server) = relay.OpenSocketPair();
        client.ReceiveTimeout = 5000; // a connection closed without a CONNACK fails the test rather than hanging it
        var connection = new RelayConnection(server, relay.Context);
        client.Send(connect);
        connection.ReceiveAndHandle();
        relay.Context.Transmitter.FlushReady();
        var connAck = new byte[4];
        SynchronousRelay.ReceiveExactly(client, connAck);
        connection.Terminate();
        return connAck[3];
    }
}
