namespace EdgeBroker.Fuzz.Mqtt;

/// <summary>
/// The fuzzed connection's socket as the host's <c>GuardedChannel</c> sees it: reads return the input, the end of the
/// input is the peer closing the connection, and what the channel writes itself (the CONNACK refusing a protocol
/// level) is discarded.
/// </summary>
sealed class ClientStream(byte[] input) : Stream
{
    int _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        int read = Math.Min(count, input.Length - _position);
        Array.Copy(input, _position, buffer, offset, read);
        _position += read;
        return read;
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
