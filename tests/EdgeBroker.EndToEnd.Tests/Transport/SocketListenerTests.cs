namespace EdgeBroker.EndToEnd.Tests.Transport;

/// <summary>
/// The transport Windows and macOS use (.NET's sockets behind the same <see cref="Host.Transport.ConnectionListener"/>),
/// exercised here on Linux: what it hands the server is what the epoll transport hands it.
/// </summary>
public sealed class SocketListenerTests
{
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Bytes_unread_bytes_and_the_remote_end_point_reach_the_server_as_on_the_epoll_transport()
    {
        using var pair = new ReactorPair(socketTransport: true);
        var (server, client) = await pair.ConnectAsync();
        using var _ = client;
        await using var stream = server.Stream;
        Assert.Equal(client.LocalEndPoint, server.RemoteEndPoint);

        await client.SendAsync(new byte[] { 1, 2, 3 });
        Assert.Equal(0, await stream.ReadAsync(Memory<byte>.Empty).AsTask().WaitAsync(Patience));
        Assert.Equal(3, server.Input.Available);
        var peeked = new byte[8];
        Assert.Equal(3, server.Input.Peek(peeked));
        Assert.Equal(new byte[] { 1, 2, 3 }, peeked[..3]);
        Assert.Equal(new byte[] { 1, 2, 3 }, await ReactorStreamTests.ReadExactlyAsync(stream, 3).WaitAsync(Patience));

        await stream.WriteAsync(new byte[] { 4 });
        Assert.Equal(1, await client.ReceiveAsync(new byte[1]));

        Assert.Equal(0, server.Input.Peek(peeked));

        await stream.DisposeAsync();
        Assert.Throws<ObjectDisposedException>(() => server.Input.Available);
    }
}
