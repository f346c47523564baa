using System.Net.Sockets;

namespace EdgeBroker.Host.Transport;

/// <summary>The transport where the epoll one does not exist (see <see cref="ConnectionListener"/>): .NET's sockets,
/// each connection a <see cref="Socket"/> under a <see cref="NetworkStream"/>.</summary>
sealed class SocketListener(Socket listener, bool noDelay) : ConnectionListener(listener)
{
    public override async ValueTask<AcceptedConnection> AcceptAsync(CancellationToken cancellationToken)
    {
        var client = await Listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            client.NoDelay = noDelay;
            var stream = new SocketStream(client);
            return new AcceptedConnection(stream, stream, client.RemoteEndPoint!);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>The connection's stream, owning its socket, and the socket's unread bytes.</summary>
    sealed class SocketStream(Socket socket) : NetworkStream(socket, ownsSocket: true), ISocketInput
    {
        public int Available => Socket.Available;

        // The socket blocks: receive only what is there.
        public int Peek(Span<byte> into) => Socket.Available == 0 ? 0 : Socket.Receive(into, SocketFlags.Peek);
    }
}
