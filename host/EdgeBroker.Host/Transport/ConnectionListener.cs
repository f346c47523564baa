using System.Net;
using System.Net.Sockets;

namespace EdgeBroker.Host.Transport;

/// <summary>
/// A listening TCP socket and how its connections are accepted: the one seam between the MQTT listener
/// (<see cref="Mqtt.GuardedServerAdapter"/>) and the transport. There are two transports because the one that keeps
/// an idle connection small only exists on Linux: on Linux, <see cref="ReactorListener"/> accepts raw descriptors and
/// waits on them through the process's epoll <see cref="Reactor"/> (a few hundred bytes per connection); everywhere
/// else (Windows, macOS, other architectures), <see cref="SocketListener"/> accepts .NET <see cref="Socket"/>s, which
/// cost about 1.4 KB more per connection but work wherever .NET does. Both hand the server the same
/// <see cref="AcceptedConnection"/>.
/// </summary>
abstract class ConnectionListener(Socket listener) : IDisposable
{
    /// <summary>Listens on <paramref name="endPoint"/> with the transport this system supports.</summary>
    /// <param name="noDelay">Whether accepted connections send without Nagle's delay (TCP_NODELAY).</param>
    public static ConnectionListener Open(IPEndPoint endPoint, int backlog, bool noDelay)
    {
        var listener = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(endPoint);
            listener.Listen(backlog);
            return Reactor.IsSupported ? new ReactorListener(listener, noDelay, Reactor.Shared) : new SocketListener(listener, noDelay);
        }
        catch
        {
            listener.Dispose();
            throw;
        }
    }

    protected Socket Listener => listener;

    /// <summary>The address listened on (with the port the system chose for port 0).</summary>
    public EndPoint LocalEndPoint => listener.LocalEndPoint!;

    /// <summary>The next connection. Throws <see cref="SocketException"/> when none can be accepted for now (out of
    /// descriptors: the caller pauses), <see cref="ObjectDisposedException"/> or <see cref="OperationCanceledException"/>
    /// once the listener is closed or <paramref name="cancellationToken"/> cancelled.</summary>
    public abstract ValueTask<AcceptedConnection> AcceptAsync(CancellationToken cancellationToken);

    /// <summary>Stops listening; connections already accepted stay open.</summary>
    public virtual void Dispose() => listener.Dispose();
}
