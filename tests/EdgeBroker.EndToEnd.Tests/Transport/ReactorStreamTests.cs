using System.Net.Sockets;
using EdgeBroker.EndToEnd.Tests.Infrastructure;
using EdgeBroker.Host.Transport;

namespace EdgeBroker.EndToEnd.Tests.Transport;

/// <summary>
/// The host's transport on real loopback connections (on Linux the epoll reactor and its <see cref="ReactorStream"/>):
/// reads and writes both ways, a write bigger than the socket's buffers waiting for a peer that stops reading, a
/// zero-byte read as a pure wait for data, the peer's close, cancellation and disposal ending waits, a read and a write
/// waiting at once, and many connections at once.
/// </summary>
public sealed class ReactorStreamTests : IDisposable
{
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    readonly ReactorPair _pair = new();

    public void Dispose() => _pair.Dispose();

    [Fact]
    public void The_epoll_transport_is_the_one_used_on_linux()
    {
        Assert.Equal(OperatingSystem.IsLinux(), Reactor.IsSupported);
    }

    [Fact]
    public async Task Bytes_go_both_ways_and_the_remote_end_point_is_the_clients()
    {
        var (server, client) = await _pair.ConnectAsync();
        using var _ = client;
        await using var stream = server.Stream;
        Assert.Equal(client.LocalEndPoint, server.RemoteEndPoint);

        var sent = Pattern(100_000, seed: 1);
        var receiving = ReadExactlyAsync(stream, sent.Length);
        await client.SendAsync(sent);
        Assert.Equal(sent, await receiving.WaitAsync(Patience));

        var answer = Pattern(100_000, seed: 2);
        var reading = ReceiveExactlyAsync(client, answer.Length);
        await stream.WriteAsync(answer).AsTask().WaitAsync(Patience);
        Assert.Equal(answer, await reading.WaitAsync(Patience));
    }

    [Fact]
    public async Task A_write_waits_while_the_peer_reads_nothing_and_completes_once_it_reads()
    {
        var (server, client) = await _pair.ConnectAsync();
        using var _ = client;
        await using var stream = server.Stream;

        // More than the kernel's send and receive buffers hold on loopback: part is sent, the rest waits for room.
        var sent = Pattern(16 * 1024 * 1024, seed: 3);
        var writing = stream.WriteAsync(sent).AsTask();
        await Task.Delay(500);
        Assert.False(writing.IsCompleted, "the write completed although the peer reads nothing");

        var received = await ReceiveExactlyAsync(client, sent.Length).WaitAsync(Patience);
        await writing.WaitAsync(Patience);
        Assert.Equal(sent, received);
    }

    [Fact]
    public async Task A_zero_byte_read_waits_for_data_and_takes_none_of_it()
    {
        var (server, client) = await _pair.ConnectAsync();
        using var _ = client;
        await using var stream = server.Stream;

        var waiting = stream.ReadAsync(Memory<byte>.Empty).AsTask();
        await Task.Delay(200);
        Assert.False(waiting.IsCompleted, "a zero-byte read completed with nothing to read");

        await client.SendAsync(new byte[] { 1, 2, 3, 4, 5 });
        Assert.Equal(0, await waiting.WaitAsync(Patience));
        Assert.Equal(5, server.Input.Available);
        var peeked = new byte[3];
        Assert.Equal(3, server.Input.Peek(peeked));
        Assert.Equal(new byte[] { 1, 2, 3 }, peeked);
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5 }, await ReadExactlyAsync(stream, 5).WaitAsync(Patience));
        Assert.Equal(0, server.Input.Available);
        Assert.Equal(0, server.Input.Peek(peeked));
    }

    [Fact]
    public async Task The_peer_closing_ends_a_waiting_read_with_0()
    {
        var (server, client) = await _pair.ConnectAsync();
        await using var stream = server.Stream;
        var reading = stream.ReadAsync(new byte[16]).AsTask();
        await Task.Delay(100);

        client.Dispose();
        Assert.Equal(0, await reading.WaitAsync(Patience));
        Assert.Equal(0, await stream.ReadAsync(Memory<byte>.Empty).AsTask().WaitAsync(Patience));
        Assert.Equal(0, await stream.ReadAsync(new byte[16]).AsTask().WaitAsync(Patience));
    }

    /// <summary>After a read that returned fewer bytes than asked, the zero-byte read parks without looking at the
    /// socket (it is known empty): what the peer sends next, alone after a pause or several sends in a burst, still
    /// completes it, on the thread pool and on the reactor's thread.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_wait_after_a_short_read_completes_for_sends_alone_and_in_bursts(bool onReactor)
    {
        var (server, client) = await _pair.ConnectAsync();
        using var _ = client;
        await using var stream = Served(server, onReactor);

        var sent = new List<byte>();
        var received = new List<byte>();
        var buffer = new byte[4096];
        for (var round = 0; round < 30; round++)
        {
            var burst = round % 3 == 0 ? 1 : round % 3 == 1 ? 2 : 5;
            for (var i = 0; i < burst; i++)
            {
                var piece = Pattern(7 + round, seed: 100 * round + i);
                sent.AddRange(piece);
                await client.SendAsync(piece);
            }

            // Reads as the host's reader does: wait with a zero-byte read, then read what is there, until all came.
            while (received.Count < sent.Count)
            {
                Assert.Equal(0, await stream.ReadAsync(Memory<byte>.Empty).AsTask().WaitAsync(Patience));
                var read = await stream.ReadAsync(buffer).AsTask().WaitAsync(Patience);
                Assert.True(read > 0, "the connection ended");
                received.AddRange(buffer.AsSpan(0, read).ToArray());
            }

            if (round % 3 == 0)
            {
                // A pause: the wait after the short read parks (a readiness reported late for bytes already read may
                // complete it early, as the stream allows: the read after it finds out), and the next send completes it.
                var waiting = stream.ReadAsync(Memory<byte>.Empty).AsTask();
                await Task.Delay(50);
                var piece = Pattern(3, seed: round);
                sent.AddRange(piece);
                await client.SendAsync(piece);
                Assert.Equal(0, await waiting.WaitAsync(Patience));
                var read = await stream.ReadAsync(buffer).AsTask().WaitAsync(Patience);
                received.AddRange(buffer.AsSpan(0, read).ToArray());
            }
        }

        Assert.Equal(sent, received);
    }

    /// <summary>Ping-pong: the peer's next send arrives while the server turns from its short read to the zero-byte
    /// wait (the moment an edge could be lost), thousands of times in a row; every one is read.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Sends_racing_the_wait_after_a_short_read_are_all_read(bool onReactor)
    {
        const int rounds = 3000;
        var (server, client) = await _pair.ConnectAsync();
        using var _ = client;
        await using var stream = Served(server, onReactor);

        var echoing = Task.Run(async () =>
        {
            var buffer = new byte[64];
            var total = 0;
            while (total < rounds * 4)
            {
                Assert.Equal(0, await stream.ReadAsync(Memory<byte>.Empty));
                var read = await stream.ReadAsync(buffer);
                if (read == 0)
                {
                    break;
                }

                total += read;
                await stream.WriteAsync(buffer.AsMemory(0, read));
            }

            return total;
        });

        var answer = new byte[4];
        for (var i = 0; i < rounds; i++)
        {
            await client.SendAsync(BitConverter.GetBytes(i));
            var got = 0;
            while (got < 4)
            {
                got += await client.ReceiveAsync(answer.AsMemory(got)).AsTask().WaitAsync(Patience);
            }

            Assert.Equal(i, BitConverter.ToInt32(answer));
        }

        Assert.Equal(rounds * 4, await echoing.WaitAsync(Patience));
    }

    /// <summary>The peer sends a little and closes: the read takes the data (fewer bytes than asked) and leaves the
    /// close unread, so the wait after it must not park on the "socket drained" shortcut. The close arriving with the
    /// data (one readiness for both), after the read is parked, and after the short read.</summary>
    [Theory]
    [InlineData("before the read", false)]
    [InlineData("before the read", true)]
    [InlineData("while the read waits", false)]
    [InlineData("while the read waits", true)]
    [InlineData("after the short read", false)]
    [InlineData("after the short read", true)]
    public async Task The_peer_closing_right_after_a_short_read_ends_the_wait_after_it(string when, bool onReactor)
    {
        var (server, client) = await _pair.ConnectAsync();
        await using var stream = Served(server, onReactor);

        var buffer = new byte[16];
        Task<int> reading;
        switch (when)
        {
            case "before the read":
                await client.SendAsync(new byte[] { 1, 2, 3, 4, 5 });
                client.Shutdown(SocketShutdown.Send);
                await Task.Delay(100);
                reading = stream.ReadAsync(buffer).AsTask();
                break;
            case "while the read waits":
                reading = stream.ReadAsync(buffer).AsTask();
                await Task.Delay(100);
                await client.SendAsync(new byte[] { 1, 2, 3, 4, 5 });
                client.Shutdown(SocketShutdown.Send);
                break;
            default:
                await client.SendAsync(new byte[] { 1, 2, 3, 4, 5 });
                reading = stream.ReadAsync(buffer).AsTask();
                break;
        }

        var read = await reading.WaitAsync(Patience);
        var waiting = stream.ReadAsync(Memory<byte>.Empty).AsTask();
        if (when == "after the short read")
        {
            await Task.Delay(100);
            client.Shutdown(SocketShutdown.Send);
        }

        Assert.Equal(0, await waiting.WaitAsync(Patience));
        while (read < 5)
        {
            read += await stream.ReadAsync(buffer.AsMemory(read)).AsTask().WaitAsync(Patience);
        }

        Assert.Equal(new byte[] { 1, 2, 3, 4, 5 }, buffer[..5]);
        Assert.Equal(0, await stream.ReadAsync(Memory<byte>.Empty).AsTask().WaitAsync(Patience));
        Assert.Equal(0, await stream.ReadAsync(buffer).AsTask().WaitAsync(Patience));
        client.Dispose();
    }

    [Fact]
    public async Task Disposing_ends_a_waiting_read_and_a_waiting_write_as_a_lost_connection()
    {
        var (server, client) = await _pair.ConnectAsync();
        using var _ = client;
        var stream = server.Stream;
        var reading = stream.ReadAsync(new byte[16]).AsTask();
        var writing = stream.WriteAsync(new byte[16 * 1024 * 1024]).AsTask();
        await Task.Delay(300);
        Assert.False(reading.IsCompleted || writing.IsCompleted, "nothing to wait for");

        await stream.DisposeAsync();
        foreach (var waiting in new[] { reading, writing })
        {
            var failure = await Assert.ThrowsAnyAsync<Exception>(() => waiting.WaitAsync(Patience));
            Assert.True(failure is ObjectDisposedException or IOException, failure.ToString());
        }

        Assert.Throws<ObjectDisposedException>(() => server.Input.Available);
        Assert.Throws<ObjectDisposedException>(() => server.Input.Peek(new byte[1]));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => stream.ReadAsync(new byte[1]).AsTask());
    }

    [Fact]
    public async Task A_read_and_a_write_wait_at_the_same_time()
    {
        var (server, client) = await _pair.ConnectAsync();
        using var _ = client;
        await using var stream = server.Stream;

        var reading = ReadExactlyAsync(stream, 3);
        var sent = Pattern(16 * 1024 * 1024, seed: 4);
        var writing = stream.WriteAsync(sent).AsTask();
        await Task.Delay(200);
        Assert.False(reading.IsCompleted || writing.IsCompleted, "nothing to wait for");

        await client.SendAsync(new byte[] { 7, 8, 9 });
        Assert.Equal(new byte[] { 7, 8, 9 }, await reading.WaitAsync(Patience));
        Assert.False(writing.IsCompleted);
        Assert.Equal(sent, await ReceiveExactlyAsync(client, sent.Length).WaitAsync(Patience));
        await writing.WaitAsync(Patience);
    }

    [Fact]
    public async Task A_cancelled_read_ends_and_the_connection_reads_on()
    {
        var (server, client) = await _pair.ConnectAsync();
        using var _ = client;
        await using var stream = server.Stream;

        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stream.ReadAsync(new byte[4], cancel.Token).AsTask().WaitAsync(Patience));

        await client.SendAsync(new byte[] { 42 });
        Assert.Equal(new byte[] { 42 }, await ReadExactlyAsync(stream, 1).WaitAsync(Patience));
    }

    [Fact]
    public async Task Many_connections_are_served_at_once()
    {
        const int connections = 300;
        var pairs = new List<(AcceptedConnection Server, Socket Client)>();
        try
        {
            for (var i = 0; i < connections; i++)
            {
                pairs.Add(await _pair.ConnectAsync());
            }

            // Every server side echoes what it reads; every client waits for its echo at the same time.
            var echoes = pairs.Select(pair => Task.Run(async () =>
            {
                var got = await ReadExactlyAsync(pair.Server.Stream, 4);
                await pair.Server.Stream.WriteAsync(got);
            })).ToList();
            var answers = pairs.Select((pair, i) => Task.Run(async () =>
            {
                await pair.Client.SendAsync(BitConverter.GetBytes(i));
                return BitConverter.ToInt32(await ReceiveExactlyAsync(pair.Client, 4));
            })).ToList();

            await Task.WhenAll(echoes).WaitAsync(Patience);
            var received = await Task.WhenAll(answers).WaitAsync(Patience);
            Assert.Equal(Enumerable.Range(0, connections), received);
        }
        finally
        {
            foreach (var (server, client) in pairs)
            {
                await server.Stream.DisposeAsync();
                client.Dispose();
            }
        }
    }

    /// <summary>The server side's stream, its continuations on the reactor's thread when <paramref name="onReactor"/>
    /// (as a plain MQTT connection's), else on the thread pool.</summary>
    static Stream Served(AcceptedConnection server, bool onReactor)
    {
        if (onReactor)
        {
            ((ReactorStream)server.Stream).ContinueOnReactor();
        }

        return server.Stream;
    }

    internal static byte[] Pattern(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    internal static async Task<byte[]> ReadExactlyAsync(Stream stream, int count)
    {
        var buffer = new byte[count];
        await stream.ReadExactlyAsync(buffer);
        return buffer;
    }

    static async Task<byte[]> ReceiveExactlyAsync(Socket socket, int count)
    {
        var buffer = new byte[count];
        for (var received = 0; received < count;)
        {
            var read = await socket.ReceiveAsync(buffer.AsMemory(received));
            Assert.NotEqual(0, read);
            received += read;
        }

        return buffer;
    }
}
