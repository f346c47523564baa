using System.Net;
using System.Net.Sockets;
using EdgeBroker.Host.Transport;

namespace EdgeBroker.EndToEnd.Tests.Transport;

/// <summary>Connections accepted by the host's transport on loopback (on Linux, the epoll reactor's, unless the .NET
/// socket transport is asked for), each with the raw .NET socket of its client side.</summary>
sealed class ReactorPair : IDisposable
{
    readonly ConnectionListener _listener;

    /// <param name="socketTransport">Accept with the .NET socket transport, which Windows and macOS use.</param>
    public ReactorPair(bool socketTransport = false)
    {
        var loopback = new IPEndPoint(IPAddress.Loopback, 0);
        _listener = socketTransport ? SocketTransport(loopback) : ConnectionListener.Open(loopback, 512, noDelay: true);
    }

    /// <summary>Connects a client and accepts it.</summary>
    public async Task<(AcceptedConnection Server, Socket Client)> ConnectAsync()
    {
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var accepting = _listener.AcceptAsync(CancellationToken.None).AsTask();
        await client.ConnectAsync(_listener.LocalEndPoint);
        return (await accepting.WaitAsync(TimeSpan.FromSeconds(10)), client);
    }

    public void Dispose() => _listener.Dispose();

    static SocketListener SocketTransport(IPEndPoint endPoint)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(endPoint);
        socket.Listen(512);
        return new SocketListener(socket, noDelay: true);
    }
}
