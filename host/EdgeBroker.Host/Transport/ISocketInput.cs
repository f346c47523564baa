namespace EdgeBroker.Host.Transport;

/// <summary>A connection's received bytes nobody has read yet, as the kernel counts and holds them: what the ordering of
/// subscription changes asks of a subscriber's socket (<see cref="Mqtt.ConnectionInput"/>).</summary>
interface ISocketInput
{
    /// <summary>Bytes received and not yet read; throws <see cref="ObjectDisposedException"/> once the connection is
    /// closed, <see cref="IOException"/> or a <see cref="System.Net.Sockets.SocketException"/> when the socket fails.</summary>
    int Available { get; }

    /// <summary>The first bytes received and not yet read, copied into <paramref name="into"/> and left unread; 0 when
    /// there are none. Never waits; throws as <see cref="Available"/> does.</summary>
    int Peek(Span<byte> into);
}
