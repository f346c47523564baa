namespace EdgeBroker.Host.Transport;

/// <summary>A connection's bytes as a <see cref="Stream"/>: read and written in order, with no length or position, so
/// the members a stream must have for seeking say so once, here.</summary>
abstract class UnseekableStream : Stream
{
    public sealed override bool CanSeek => false;

    public sealed override long Length => throw new NotSupportedException();

    public sealed override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public sealed override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public sealed override void SetLength(long value) => throw new NotSupportedException();
}
