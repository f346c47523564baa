using System.Threading.Tasks.Sources;
using EdgeBroker.Host.Transport;

namespace EdgeBroker.Fuzz.Mqtt;

/// <summary>
/// The fuzzed connection's socket as the host's <c>GuardedChannel</c> sees it: the input arrives a few bytes at a time,
/// each piece when the harness hands it over (<see cref="Deliver"/>), the end of the input is the peer closing the
/// connection, and what the channel writes (CONNACK, DISCONNECT) is discarded.
/// <para>
/// A read finds what was handed over and not read yet at once; when there is nothing, it waits (the host's reader then
/// parks, as on a socket) until the harness hands over the next piece (<see cref="SerialDriver"/>), whose continuation
/// runs right there, on the thread that handed it over. So the reader never finds more than <see cref="PieceBytes"/>
/// bytes waiting — at most 8 packets, fewer than the 16 in a row after which it lets the thread pool have the rest —
/// and every execution takes the same path (afl's stability), where a stream that returned the whole input at once
/// had the reader move between threads whenever a client sent more than 16 packets.
/// </para>
/// </summary>
sealed class ClientStream(byte[] input) : UnseekableStream, ISocketInput, IValueTaskSource<int>
{
    /// <summary>Bytes handed over at a time: 8 packets of the smallest size (2 bytes).</summary>
    const int PieceBytes = 16;

    readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    ManualResetValueTaskSourceCore<int> _read = new() { RunContinuationsAsynchronously = false };
    Memory<byte> _readInto;
    bool _waiting;
    int _position;

    /// <summary>The end of what was handed over: bytes from <see cref="_position"/> to here may be read.</summary>
    int _handedOver;

    /// <summary>Completes once the connection is closed: the host's reader closes it when it ends.</summary>
    public Task Closed => _closed.Task;

    /// <summary>The input handed over and not read yet, as the socket's unread bytes.</summary>
    public int Available => _handedOver - _position;

    public override bool CanRead => true;

    public override bool CanWrite => true;

    /// <summary>Hands the read that waits the next piece of the input — after the last, the peer's close — and
    /// continues it on the calling thread; false when no read waits.</summary>
    public bool Deliver()
    {
        if (!Volatile.Read(ref _waiting))
        {
            return false;
        }

        _waiting = false;
        _handedOver = Math.Min(input.Length, _handedOver + PieceBytes);
        var read = Take(_readInto.Span);
        _readInto = default;
        _read.SetResult(read);
        return true;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <summary>What was handed over, or 0 at the end of the input; the host never reads synchronously before the
    /// harness handed something over.</summary>
    public override int Read(Span<byte> buffer) => Take(buffer);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (Available > 0 || _position == input.Length)
        {
            return new ValueTask<int>(Take(buffer.Span));
        }

        _read.Reset();
        _readInto = buffer;
        Volatile.Write(ref _waiting, true);
        return new ValueTask<int>(this, _read.Version);
    }

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

    /// <summary>Copies what was handed over into <paramref name="into"/>; a zero-byte read takes nothing (it only
    /// says that input or the close is there).</summary>
    int Take(Span<byte> into)
    {
        var read = Math.Min(into.Length, Available);
        input.AsSpan(_position, read).CopyTo(into);
        _position += read;
        return read;
    }

    int IValueTaskSource<int>.GetResult(short token) => _read.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<int>.GetStatus(short token) => _read.GetStatus(token);

    void IValueTaskSource<int>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _read.OnCompleted(continuation, state, token, flags);
}
