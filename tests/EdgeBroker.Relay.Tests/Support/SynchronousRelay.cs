using System.Net;
using System.Net.Sockets;
using EdgeBroker.Core.Security;
using EdgeBroker.Firmware.Relay;
using EdgeBroker.Firmware.Relay.Settings;
using EdgeBroker.Firmware.Storage;

namespace EdgeBroker.Relay.Tests.Support;

/// <summary>
/// The relay with the device defaults and its flash store in a temporary directory, driven from the test's own thread
/// over real loopback sockets: no reader or transmitter threads run, so the test can measure exactly what the relay
/// allocates and retains.
/// </summary>
internal sealed class SynchronousRelay : IDisposable
{
    readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    readonly Dictionary<RelayConnection, Socket> _serverSockets = new();
    readonly DirectoryInfo _storage = Directory.CreateTempSubdirectory("edgebroker-relay-");

    /// <param name="security">The gateway's security settings; the defaults (an open gateway) when null.</param>
    /// <param name="log">Where the relay logs; nowhere when null.</param>
    public SynchronousRelay(int maxClients = 12, Action<RelaySettings>? configure = null, RelaySecuritySettings? security = null,
        IRelayLog? log = null)
    {
        Settings = new RelaySettings { MaxClients = maxClients };
        configure?.Invoke(Settings);
        Store = FlashStore.Open(_storage.FullName, Settings.ToFlashStoreLimits(), Settings.ToOfflineLimits());
        var options = (security ?? new RelaySecuritySettings()).ToOptions(hasPairedDevices: false);
        Context = RelayContext.Compose(Settings, Store, new BrokerSecurity(options, Store.Devices, new MemoryTokenStore(), new TestRandom()),
            log ?? new SilentLog());
        _listener.Start();
    }

    public RelaySettings Settings { get; }

    public FlashStore Store { get; }

    public RelayContext Context { get; }

    /// <summary>A TCP connection: the client's socket and the relay's end of it, accepted but not yet CONNECTed.</summary>
    /// <param name="socketBufferBytes">When set, the client's receive buffer and the relay's send buffer (the kernel's
    /// minimum is larger): a client that then stops reading fills them after a few kilobytes, and what the relay has
    /// for it stays in its queue.</param>
    public (Socket Client, Socket Server) OpenSocketPair(int? socketBufferBytes = null)
    {
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (socketBufferBytes is { } clientBytes)
        {
            client.ReceiveBufferSize = clientBytes;
        }

        client.Connect((IPEndPoint)_listener.LocalEndpoint);
        var server = _listener.AcceptSocket();
        if (socketBufferBytes is { } serverBytes)
        {
            server.SendBufferSize = serverBytes;
        }

        return (client, server);
    }

    /// <summary>
    /// A socket pair whose relay end has already sent and received with timeouts set, as the relay will use it: .NET on
    /// Unix builds its own per-socket state for timed operations on first use, which is the runtime's cost, not the
    /// relay's, and which the device does not have.
    /// </summary>
    public (Socket Client, Socket Server) OpenUsedSocketPair()
    {
        var (client, server) = OpenSocketPair();
        server.ReceiveTimeout = 1000;
        server.SendTimeout = 1000;
        var one = new byte[1];
        client.Send(one);
        ReceiveExactly(server, one);
        server.Send(one);
        ReceiveExactly(client, one);
        return (client, server);
    }

    /// <summary>A client connected through the relay: CONNECT handled, CONNACK received.</summary>
    public (Socket Client, RelayConnection Connection) Connect(string clientId) => Connect(clientId, OpenSocketPair());

    /// <summary>A client connected through the relay over an already open socket pair (no session was present).</summary>
    public (Socket Client, RelayConnection Connection) Connect(string clientId, (Socket Client, Socket Server) pair, bool cleanSession = true)
    {
        var (connection, connAck) = Handshake(Packets.Connect(clientId, cleanSession: cleanSession), pair);
        Assert.Equal(new byte[] { 0x20, 2, 0, 0 }, connAck);
        return (pair.Client, connection);
    }

    /// <summary><paramref name="connect"/> sent over an open socket pair and handled by the relay's end of it, whatever
    /// the relay answers: that end and the CONNACK received.</summary>
    public (RelayConnection Connection, byte[] ConnAck) Handshake(byte[] connect, (Socket Client, Socket Server) pair)
    {
        var (client, server) = pair;
        var connection = new RelayConnection(server, Context);
        _serverSockets[connection] = server;
        client.Send(connect);
        WaitUntilReadable(connection, connect.Length);
        bool accepted = connection.ReceiveAndHandle();
        Context.Transmitter.FlushReady();
        var connAck = new byte[4];
        ReceiveExactly(client, connAck);
        Assert.Equal(accepted, connAck[3] == 0);
        return (connection, connAck);
    }

    /// <summary>Lets go of a terminated connection and closes the relay's end of it, so that neither is left on the heap
    /// a measurement reads.</summary>
    public void Forget(RelayConnection connection)
    {
        _serverSockets.Remove(connection, out var server);
        server?.Dispose();
    }

    /// <summary>
    /// Spins until <paramref name="count"/> bytes wait at the relay's end of <paramref name="connection"/>, so its next
    /// read returns at once: a read that has to wait goes through .NET's socket engine on Unix (the relay sets receive
    /// timeouts), which allocates for the wait — the runtime's cost, which a measurement of the relay must leave out.
    /// </summary>
    public void WaitUntilReadable(RelayConnection connection, int count)
    {
        var socket = _serverSockets[connection];
        while (socket.Available < count)
        {
            Thread.SpinWait(20);
        }
    }

    /// <summary>One packet from a client, read and handled by the relay's end of its connection; what the relay sends
    /// back is left unread.</summary>
    public void Handle(Socket client, RelayConnection connection, byte[] packet)
    {
        client.Send(packet);
        WaitUntilReadable(connection, packet.Length);
        Assert.True(connection.ReceiveAndHandle());
    }

    /// <summary>
    /// One packet through the relay: <paramref name="packet"/> sent on a client's socket, read and handled by the relay's
    /// end of it (<paramref name="from"/>), what that queued sent, and <paramref name="arrived"/>'s length in bytes read
    /// at the other client's socket.
    /// </summary>
    public void PassThrough(Socket fromSocket, RelayConnection from, byte[] packet, Socket toSocket, byte[] arrived)
    {
        Handle(fromSocket, from, packet);
        Context.Transmitter.FlushReady();
        ReceiveExactly(toSocket, arrived);
    }

    public static void ReceiveExactly(Socket socket, byte[] buffer)
    {
        int received = 0;
        while (received < buffer.Length)
        {
            received += socket.Receive(buffer, received, buffer.Length - received, SocketFlags.None);
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        Store.Dispose();
        _storage.Delete(recursive: true);
    }
}
