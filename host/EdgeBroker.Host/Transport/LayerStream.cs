namespace EdgeBroker.Host.Transport;

/// <summary>A layer over a connection's stream (the socket's, or TLS over it) that changes how bytes are read or written
/// (<see cref="Mqtt.TlsInputStream"/>, <see cref="WebSocketFrameStream"/>): flushing and closing pass straight through
/// to the stream below, said once here.</summary>
abstract class LayerStream(Stream inner) : UnseekableStream
{
    /// <summary>The stream below this layer, which it owns.</summary>
    protected Stream Inner => inner;

    public override bool CanRead => inner.CanRead;

    public override bool CanWrite => inner.CanWrite;

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override void Flush() => inner.Flush();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync() => inner.DisposeAsync();
}
