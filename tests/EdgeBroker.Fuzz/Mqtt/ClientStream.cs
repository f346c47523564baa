using EdgeBroker.Host.Transport;

namespace EdgeBroker.Fuzz.Mqtt;

/// <summary>
/// The fuzzed connection's socket as the host's <c>GuardedChannel</c> sees it: reads return the input, the end of the
/// input is the peer closing the connection, and what the channel writes (CONNACK, DISCONNECT) is discarded. The asynchronous calls complete synchronously: <see cref="Stream"/>'s own would run each read on
/// the thread pool, so every execution would take other paths through the channel's awaits (afl's stability) and pay
/// for thread hops.
/// </summary>
sealed class ClientStream(byte[] input) : UnseekableStream, ISocketInput
{
    readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    int _position;

    /// <summary>Completes once the connection is closed: the host's reader closes it when it ends.</summary>
    public Task Closed => _closed.Task;

    /// <summary>The input not read yet, as the socket's unread bytes.</summary>
    public int Available => input.Length - _position;

    public int Peek(Span<byte> into)
    {
        var unread = input.AsSpan(_position, Math.Min(into.Length, Available));
        unread.CopyTo(into);
        return unread.Length;
    }

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int read = Math.Min(buffer.Length, input.Length - _position);
        input.AsSpan(_position, read).CopyTo(buffer);
        _position += read;
        return read;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => new(Read(buffer.Span));

    public override void Write(byte[] buffer, int offset, int count)
    {
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    public override void Flush()
    {
    }

    protected override void Dispose(bool disposing)
    {
        _closed.TrySetResult();
        base.Dispose(disposing);
    }
}
