using System.Net;
using System.Net.Sockets;
using MQTTnet.Channel;

namespace EdgeBroker.Benchmarks.Load;

/// <summary>
/// A load client's TCP connection, opened by the harness for MQTTnet (<see cref="MqttClientTcpOptions.StreamProvider"/>)
/// so that it costs the harness less per message and leaves the socket as the kernel sizes it, the same for every
/// broker:
/// <list type="bullet">
/// <item>Reads go through a buffer of <see cref="ReadBufferBytes"/>: MQTTnet reads a packet's fixed header, its length
/// and its body with a read each, which on a socket was a <c>recv</c> and often a wait per read — two or three system
/// calls per received message; here one <c>recv</c> takes whatever has arrived, and the reads after it are served
/// from memory.</item>
/// <item>The socket buffers are left to Linux's autotuning (as mosquitto_sub, paho and most clients leave them).
/// MQTTnet sets both to its <c>BufferSize</c>, and a fixed receive buffer turns off autotuning: a receiver that falls
/// behind closes its TCP window, and on loopback the window sometimes stayed shut for seconds after the client had
/// read everything — the broker's kernel holding 1.2 MB for it, unsent, until its zero-window probe (seen with
/// <c>ss</c>, 2026-12-05; docs/performance.md, "The QoS 0 phase that lost a whole receiver").</item>
/// </list>
/// Writes are sent as MQTTnet hands them over (one packet each, <c>WithoutPacketFragmentation</c>), so the brokers
/// receive exactly what they received before.
/// </summary>
sealed class LoadSocketStream(Socket socket) : Stream, IMqttClientStreamEndPoints
{
    /// <summary>What one <c>recv</c> may take: several hundred of the benchmark's messages.</summary>
    const int ReadBufferBytes = 64 * 1024;

    readonly byte[] _received = new byte[ReadBufferBytes];
    int _start;
    int _end;

    public EndPoint LocalEndPoint => socket.LocalEndPoint!;

    public EndPoint RemoteEndPoint => socket.RemoteEndPoint!;

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>Connects a new socket to <paramref name="broker"/>, with Nagle off and MQTTnet's own linger setting
    /// (a reset on close), and notes it as <paramref name="clientId"/>'s (<see cref="ClientSockets"/>).</summary>
    public static async Task<Stream> ConnectAsync(EndPoint broker, string clientId, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)
        {
            NoDelay = true,
            LingerState = new LingerOption(true, 0),
        };
        try
        {
            await socket.ConnectAsync(broker, cancellationToken).ConfigureAwait(false);
            ClientSockets.Record(clientId, socket);
            return new LoadSocketStream(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        _start < _end ? new ValueTask<int>(Take(buffer.Span)) : ReceiveAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (!buffer.IsEmpty)
        {
            var sent = await socket.SendAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            buffer = buffer[sent..];
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            socket.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>Refills the buffer with one <c>recv</c>, then serves the read from it; 0 once the broker closed.</summary>
    async ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var received = await socket.ReceiveAsync(_received, SocketFlags.None, cancellationToken).ConfigureAwait(false);
        (_start, _end) = (0, received);
        return received == 0 ? 0 : Take(buffer.Span);
    }

    int Take(Span<byte> into)
    {
        var count = Math.Min(into.Length, _end - _start);
        _received.AsSpan(_start, count).CopyTo(into);
        _start += count;
        return count;
    }
}
