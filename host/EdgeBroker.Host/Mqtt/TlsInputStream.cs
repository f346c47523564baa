using EdgeBroker.Core.Routing;
using EdgeBroker.Host.Transport;

namespace EdgeBroker.Host.Mqtt;

/// <summary>
/// The socket's stream under a TLS layer, telling the connection's <see cref="ReaderProgress"/> the moment the layer
/// takes bytes from the socket: <see cref="System.Net.Security.SslStream"/> may read and decrypt a record inside the
/// channel's zero-byte idle read, before the channel sees a byte, and a reader still counted as waiting for input with
/// nothing unread in its socket would not be waited for. Everything else passes straight through.
/// </summary>
sealed class TlsInputStream(Stream inner, ReaderProgress progress) : LayerStream(inner)
{
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Taking(buffer.Length);
        return Inner.ReadAsync(buffer, cancellationToken);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count)
    {
        Taking(count);
        return Inner.Read(buffer, offset, count);
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        Inner.WriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Inner.WriteAsync(buffer, offset, count, cancellationToken);

    public override void Write(byte[] buffer, int offset, int count) => Inner.Write(buffer, offset, count);

    /// <summary>A zero-byte read only waits for data; any other may take bytes from the socket.</summary>
    void Taking(int count)
    {
        if (count > 0)
        {
            progress.TakingFromSocket();
        }
    }
}
