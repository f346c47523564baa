using System.Buffers;
using System.Buffers.Binary;
using EdgeBroker.Core.Routing;
using EdgeBroker.Host.Mqtt;

namespace EdgeBroker.Host.Transport;

/// <summary>
/// The MQTT bytes of a WebSocket connection (RFC 6455, after <see cref="WebSocketHandshake"/>) as a stream, so the
/// connection takes the same path as a TCP or TLS one (<see cref="GuardedChannel"/>, <see cref="CoreBridge"/>).
/// Reading yields the payloads of binary frames in order — packets may span frames and a frame may hold several
/// [MQTT-6.0.0-2] —, answers pings and a close; each write is sent as one binary frame [MQTT-6.0.0-1].
/// <para>
/// What a peer sends is bounded before it costs anything: a text frame [MQTT-6.0.0-1], a frame claiming more than the
/// broker's maximum packet size, an unmasked or reserved frame, or a broken fragmentation closes the connection with
/// the WebSocket status saying why, reported once through <see cref="ConnectionProblems"/>. Payload bytes are read
/// straight into the reader's buffer and a frame header exactly, so this layer holds none of the peer's bytes: while
/// the reader waits for its next packet (a zero-byte read), the only bytes taken from the socket are frame headers and
/// control frames, and the reader's <see cref="ReaderProgress"/> is told when those carried no MQTT byte — the
/// ordering of subscription changes (<see cref="ConnectionInput"/>) then stops waiting for it, as it would for a
/// reader whose socket held nothing.
/// </para>
/// </summary>
/// <param name="inner">The connection's bytes under the frames (the socket, or TLS over it).</param>
/// <param name="progress">Where the connection's reader is.</param>
/// <param name="maxPayload">The largest frame payload accepted: the maximum MQTT packet size.</param>
sealed class WebSocketFrameStream(Stream inner, ReaderProgress progress, int maxPayload, ConnectionProblems problems, string source)
    : LayerStream(inner)
{
    const byte Fin = 0x80;
    const byte OpContinuation = 0x0;
    const byte OpText = 0x1;
    const byte OpBinary = 0x2;
    const byte OpClose = 0x8;
    const byte OpPing = 0x9;
    const byte OpPong = 0xA;

    /// <summary>RFC 6455 §5.5: a control frame's payload is at most this long.</summary>
    const int MaxControlPayload = 125;

    /// <summary>RFC 6455 §7.4.1 status codes a close carries.</summary>
    const ushort NormalClosure = 1000;
    const ushort ProtocolError = 1002;
    const ushort UnsupportedData = 1003;
    const ushort MessageTooBig = 1009;

    /// <summary>How long a close frame is given to be written to a client that may have stopped reading.</summary>
    static readonly TimeSpan CloseWriteTimeout = TimeSpan.FromSeconds(1);

    /// <summary>How long the broker, having sent its close frame first, waits for the client's before it closes the TCP
    /// connection (RFC 6455 §7.1.1). Closing at once made the client's own close frame meet a closed socket: MQTT.js
    /// failed with EPIPE after a clean DISCONNECT, and unread bytes made the kernel reset the connection.</summary>
    static readonly TimeSpan PeerCloseTimeout = TimeSpan.FromSeconds(1);

    /// <summary>A frame header as read: two bytes, an extended length of up to eight, a masking key of four.</summary>
    readonly byte[] _header = new byte[14];

    /// <summary>One frame written at a time: the connection's packet writer and this layer's own pongs and close.</summary>
    readonly SemaphoreSlim _writing = new(1, 1);

    /// <summary>Payload bytes of the current binary frame not read yet.</summary>
    long _payloadLeft;

    uint _mask;
    int _maskAt;

    /// <summary>A binary message is fragmented and its next frame must be a continuation.</summary>
    bool _messageOpen;

    /// <summary>The input ended — the peer's close frame or end of stream arrived, or this layer failed the connection
    /// for a protocol error —: reads return 0, and <see cref="_inputEnded"/> is set.</summary>
    volatile bool _closed;

    readonly TaskCompletionSource _inputEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>1 once a close frame was written or is being written (<see cref="WriteCloseAsync"/>): nothing is written
    /// after it, and what the peer still sends is read and dropped until its own close.</summary>
    int _closeSent;

    /// <summary>1 while a read runs on the stream below: the connection's reader, or <see cref="DisposeAsync"/> waiting
    /// for the peer's close when no reader does. Never two at once.</summary>
    int _reading;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _reading, 1) != 0)
        {
            // The broker is closing and waits for the peer's close itself: this read ends when that wait does.
            await _inputEnded.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            return 0;
        }

        try
        {
            return buffer.IsEmpty
                ? await WaitForPayloadAsync(cancellationToken).ConfigureAwait(false)
                : await ReadPayloadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Volatile.Write(ref _reading, 0);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        _closed || Volatile.Read(ref _closeSent) != 0
            ? ValueTask.FromException(new IOException("The WebSocket is closed."))
            : WriteFrameAsync(OpBinary, buffer.Span, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    /// <summary>The broker ends the connection (after the client's DISCONNECT, a takeover, a refusal, a keep-alive
    /// timeout, shutdown): a close frame first (RFC 6455 §7.1.2, within <see cref="CloseWriteTimeout"/>), so a browser
    /// reports a clean close (1000, <c>wasClean</c>) rather than 1006, a connection lost; then the client's close (or the
    /// end of its stream), within <see cref="PeerCloseTimeout"/>, before the TCP connection closes (§7.1.1). The
    /// synchronous <see cref="Stream.Dispose()"/> does neither: it closes a connection that already failed, or one
    /// disposed here before.</summary>
    public override async ValueTask DisposeAsync()
    {
        if (!_closed)
        {
            await WriteCloseAsync(NormalClosure).ConfigureAwait(false);
            await AwaitPeerCloseAsync().ConfigureAwait(false);
        }

        await base.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Waits, at most <see cref="PeerCloseTimeout"/>, for the input to end: reading it here when the
    /// connection's reader is not, else leaving that to the reader (which drops what it reads once the close was sent).</summary>
    async ValueTask AwaitPeerCloseAsync()
    {
        using var timeout = new CancellationTokenSource(PeerCloseTimeout);
        try
        {
            if (Interlocked.Exchange(ref _reading, 1) != 0)
            {
                await _inputEnded.Task.WaitAsync(timeout.Token).ConfigureAwait(false);
                return;
            }

            try
            {
                await DrainAsync(timeout.Token).ConfigureAwait(false);
            }
            finally
            {
                Volatile.Write(ref _reading, 0);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or System.Net.Sockets.SocketException)
        {
            // No close in time, or the connection is gone: it closes all the same.
        }
    }

    /// <summary>After the broker's close frame: reads and drops the peer's frames (RFC 6455 §5.5.1: data after a close
    /// is not processed) until its close or the end of its stream.</summary>
    async ValueTask DrainAsync(CancellationToken cancellationToken)
    {
        var dropped = ArrayPool<byte>.Shared.Rent(MaxControlPayload);
        try
        {
            while (!_closed)
            {
                if (_payloadLeft > 0)
                {
                    var read = await Inner.ReadAsync(dropped.AsMemory(0, (int)Math.Min(dropped.Length, _payloadLeft)), cancellationToken).ConfigureAwait(false);
                    if (read == 0)
                    {
                        break;
                    }

                    _payloadLeft -= read;
                }
                else if (!await NextFrameAsync(cancellationToken).ConfigureAwait(false))
                {
                    break;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(dropped);
            InputEnded();
        }
    }

    void InputEnded()
    {
        _closed = true;
        _inputEnded.TrySetResult();
    }

    /// <summary>The zero-byte read: completes once a binary frame with payload has begun (or the connection ended),
    /// taking nothing but frame headers and control frames meanwhile.</summary>
    async ValueTask<int> WaitForPayloadAsync(CancellationToken cancellationToken)
    {
        while (_payloadLeft == 0 && !_closed)
        {
            // Waits holding no buffer of the layer below (a TLS layer's too), as an idle connection must.
            await Inner.ReadAsync(Memory<byte>.Empty, cancellationToken).ConfigureAwait(false);
            if (Volatile.Read(ref _closeSent) != 0)
            {
                await DrainAsync(cancellationToken).ConfigureAwait(false);
                break;
            }

            if (!await NextFrameAsync(cancellationToken).ConfigureAwait(false))
            {
                break;
            }

            if (_payloadLeft == 0)
            {
                // A ping, a pong or an empty frame: no MQTT byte arrived, so the reader still waits with every packet
                // before handled (a TLS layer below may have said otherwise when it took the bytes).
                progress.AwaitingPacket();
            }
        }

        return 0;
    }

    async ValueTask<int> ReadPayloadAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        if (!_closed && Volatile.Read(ref _closeSent) != 0)
        {
            await DrainAsync(cancellationToken).ConfigureAwait(false);
        }

        while (_payloadLeft == 0)
        {
            if (_closed || !await NextFrameAsync(cancellationToken).ConfigureAwait(false))
            {
                return 0;
            }
        }

        var into = buffer[..(int)Math.Min(buffer.Length, _payloadLeft)];
        var read = await Inner.ReadAsync(into, cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            throw new EndOfStreamException("The WebSocket connection ended inside a frame.");
        }

        Unmask(into.Span[..read]);
        _payloadLeft -= read;
        return read;
    }

    /// <summary>Reads the next frame's header and handles a control frame whole; false when the connection ended (the
    /// peer's close answered, or its TCP connection closed between frames).</summary>
    async ValueTask<bool> NextFrameAsync(CancellationToken cancellationToken)
    {
        if (!await ReadHeaderAsync(0, 2, cancellationToken).ConfigureAwait(false))
        {
            InputEnded();
            return false;
        }

        var first = _header[0];
        var second = _header[1];
        var opcode = (byte)(first & 0x0F);
        var final = (first & Fin) != 0;
        var lengthBytes = (second & 0x7F) switch { 126 => 2, 127 => 8, _ => 0 };
        if (!await ReadHeaderAsync(2, lengthBytes + 4, cancellationToken).ConfigureAwait(false))
        {
            throw new EndOfStreamException("The WebSocket connection ended inside a frame header.");
        }

        var length = lengthBytes switch
        {
            2 => BinaryPrimitives.ReadUInt16BigEndian(_header.AsSpan(2)),
            8 => (long)Math.Min(BinaryPrimitives.ReadUInt64BigEndian(_header.AsSpan(2)), long.MaxValue),
            _ => second & 0x7F,
        };
        _mask = BinaryPrimitives.ReadUInt32BigEndian(_header.AsSpan(2 + lengthBytes));
        _maskAt = 0;

        if ((first & 0x70) != 0)
        {
            return await FailAsync(ProtocolError, "a WebSocket frame with reserved bits set (no extension was agreed)").ConfigureAwait(false);
        }

        if ((second & 0x80) == 0)
        {
            return await FailAsync(ProtocolError, "an unmasked WebSocket frame from the client (RFC 6455 §5.1)").ConfigureAwait(false);
        }

        if ((opcode & 0x8) != 0)
        {
            return await ControlFrameAsync(opcode, final, length, cancellationToken).ConfigureAwait(false);
        }

        switch (opcode)
        {
            case OpText:
                return await FailAsync(UnsupportedData, "a WebSocket text frame; MQTT is sent in binary frames [MQTT-6.0.0-1]").ConfigureAwait(false);
            case OpBinary when _messageOpen:
            case OpContinuation when !_messageOpen:
                return await FailAsync(ProtocolError, "a WebSocket frame out of its message's fragmentation").ConfigureAwait(false);
            case OpBinary:
            case OpContinuation:
                break;
            default:
                return await FailAsync(ProtocolError, $"a WebSocket frame of the unknown opcode {opcode}").ConfigureAwait(false);
        }

        if (length > maxPayload)
        {
            return await FailAsync(MessageTooBig, $"a WebSocket frame of {length} bytes, above the maximum packet size {maxPayload}").ConfigureAwait(false);
        }

        _messageOpen = !final;
        _payloadLeft = length;
        return true;
    }

    /// <summary>A ping answered with a pong, a pong ignored, a close answered with a close (the connection then ends).</summary>
    async ValueTask<bool> ControlFrameAsync(byte opcode, bool final, long length, CancellationToken cancellationToken)
    {
        if (!final || length > MaxControlPayload)
        {
            return await FailAsync(ProtocolError, "a fragmented or oversized WebSocket control frame").ConfigureAwait(false);
        }

        var payload = ArrayPool<byte>.Shared.Rent(MaxControlPayload);
        try
        {
            var body = payload.AsMemory(0, (int)length);
            await Inner.ReadExactlyAsync(body, cancellationToken).ConfigureAwait(false);
            Unmask(body.Span);
            switch (opcode)
            {
                case OpPing when Volatile.Read(ref _closeSent) == 0:
                    await WriteFrameAsync(OpPong, body.Span, cancellationToken).ConfigureAwait(false);
                    return true;
                case OpPing:
                    // Nothing is sent after a close frame (RFC 6455 §5.5.1).
                    return true;
                case OpPong:
                    return true;
                case OpClose:
                    // The peer's status echoed, as RFC 6455 §5.5.1 asks; the connection ends without an MQTT
                    // DISCONNECT, as a TCP close would (a Will is sent).
                    await WriteCloseAsync(length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(body.Span) : NormalClosure).ConfigureAwait(false);
                    InputEnded();
                    return false;
                default:
                    return await FailAsync(ProtocolError, $"a WebSocket control frame of the unknown opcode {opcode}").ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(payload);
        }
    }

    /// <summary>Reads <paramref name="count"/> header bytes at <paramref name="at"/>; false when the connection ended
    /// before the first of them.</summary>
    async ValueTask<bool> ReadHeaderAsync(int at, int count, CancellationToken cancellationToken) =>
        await Inner.ReadAtLeastAsync(_header.AsMemory(at, count), count, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false) == count;

    /// <summary>Closes the connection for the peer's protocol error: reported once, the close frame saying why sent
    /// (within <see cref="CloseWriteTimeout"/>), then the reader's read fails as a lost connection does.</summary>
    async ValueTask<bool> FailAsync(ushort status, string problem)
    {
        InputEnded();
        problems.Report(source, $"{problem} (WebSocket close {status})");
        await WriteCloseAsync(status).ConfigureAwait(false);
        throw new IOException($"WebSocket closed: {problem}");
    }

    async ValueTask WriteCloseAsync(ushort status)
    {
        // One close frame per connection (RFC 6455 §5.5.1: nothing after it): the broker's end and the reader's answer
        // to the peer's close can come at once, from two threads.
        if (Interlocked.Exchange(ref _closeSent, 1) != 0)
        {
            return;
        }

        var payload = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(payload, status);
        using var timeout = new CancellationTokenSource(CloseWriteTimeout);
        try
        {
            await WriteFrameAsync(OpClose, payload, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or System.Net.Sockets.SocketException)
        {
            // Gone or not reading: the connection closes all the same.
        }
    }

    /// <summary>One unmasked frame (a server's frames are never masked, RFC 6455 §5.1), header and payload in one write.</summary>
    ValueTask WriteFrameAsync(byte opcode, ReadOnlySpan<byte> payload, CancellationToken cancellationToken)
    {
        var headerLength = payload.Length <= 125 ? 2 : payload.Length <= ushort.MaxValue ? 4 : 10;
        var frame = ArrayPool<byte>.Shared.Rent(headerLength + payload.Length);
        frame[0] = (byte)(Fin | opcode);
        switch (headerLength)
        {
            case 2:
                frame[1] = (byte)payload.Length;
                break;
            case 4:
                frame[1] = 126;
                BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), (ushort)payload.Length);
                break;
            default:
                frame[1] = 127;
                BinaryPrimitives.WriteUInt64BigEndian(frame.AsSpan(2), (ulong)payload.Length);
                break;
        }

        payload.CopyTo(frame.AsSpan(headerLength));
        return SendAsync(frame, headerLength + payload.Length, cancellationToken);
    }

    /// <summary>Writes a frame built in a pooled buffer, which goes back to the pool afterwards.</summary>
    async ValueTask SendAsync(byte[] frame, int length, CancellationToken cancellationToken)
    {
        try
        {
            await _writing.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await Inner.WriteAsync(frame.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _writing.Release();
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(frame);
        }
    }

    /// <summary>RFC 6455 §5.3: XORs the bytes with the frame's masking key, continuing where the last read stopped.</summary>
    void Unmask(Span<byte> bytes)
    {
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] ^= (byte)(_mask >> (8 * (3 - _maskAt)));
            _maskAt = (_maskAt + 1) & 3;
        }
    }
}
