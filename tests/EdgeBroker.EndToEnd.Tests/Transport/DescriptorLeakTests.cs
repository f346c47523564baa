using System.Net.Sockets;
using EdgeBroker.EndToEnd.Tests.Infrastructure;

namespace EdgeBroker.EndToEnd.Tests.Transport;

/// <summary>Tests that count the test process's open file descriptors run alone, after the parallel ones: other tests
/// opening sockets and processes meanwhile would be counted.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DescriptorCount
{
    public const string Name = "descriptor count";
}

/// <summary>Every descriptor the transport accepts is closed again: connections used and closed from either side,
/// counted in <c>/proc/self/fd</c> before and after.</summary>
[Collection(DescriptorCount.Name)]
public sealed class DescriptorLeakTests
{
    [Fact]
    public async Task Connections_closed_by_either_side_leave_no_descriptor_open()
    {
        using var pair = new ReactorPair();
        await Exchange(pair, 10);
        var before = OpenDescriptors();

        await Exchange(pair, 200);

        await Eventually.WaitUntilAsync(() => OpenDescriptors() <= before,
            () => $"{OpenDescriptors()} descriptors open, {before} before 200 connections");
    }

    /// <summary>Opens <paramref name="connections"/> connections, sends a byte each way, and closes them: the even ones
    /// from the server side, the odd ones from the client side first.</summary>
    static async Task Exchange(ReactorPair pair, int connections)
    {
        for (var i = 0; i < connections; i++)
        {
            var (server, client) = await pair.ConnectAsync();
            await using var stream = server.Stream;
            using (client)
            {
                await client.SendAsync(new byte[] { 1 });
                await ReactorStreamTests.ReadExactlyAsync(stream, 1);
                await stream.WriteAsync(new byte[] { 2 });
                Assert.Equal(1, await client.ReceiveAsync(new byte[1]));
                if (i % 2 == 1)
                {
                    client.Shutdown(SocketShutdown.Both);
                    Assert.Equal(0, await stream.ReadAsync(new byte[1]));
                }
            }
        }
    }

    static int OpenDescriptors() => Directory.GetFiles("/proc/self/fd").Length;
}
