using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using EdgeBroker.Host.Transport;

namespace EdgeBroker.EndToEnd.Tests.Transport;

/// <summary>Tests that watch which of the reactor's threads serve the process's connections run alone, after the
/// parallel ones: another test's connections on the same reactor meanwhile would be load the test did not make.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ReactorThreads
{
    public const string Name = "reactor threads";
}

/// <summary>
/// The reactor's threads take turns waiting on its one epoll set: a light load is served on one thread (the leader
/// keeps the wait), a load that keeps the leader from waiting spreads over the threads (the leader hands the wait on
/// before it serves). Connections on loopback whose reads continue on the reactor's threads, as a plain MQTT
/// connection's reader does, record the thread that served each read.
/// </summary>
[Collection(ReactorThreads.Name)]
public sealed class ReactorThreadsTests : IDisposable
{
    const int Connections = 4;

    static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    readonly ReactorPair _pair = new();

    public void Dispose() => _pair.Dispose();

    /// <summary>Every connection sends a byte at once, then all pause 2 ms, as the harness's publishers do at a steady
    /// rate: nearly every read is served by the same thread, and the wait is (nearly) never handed on.</summary>
    [Fact]
    public async Task A_light_load_is_served_on_one_thread()
    {
        const int rounds = 150;
        var served = await ServeAsync(work: TimeSpan.Zero, async clients =>
        {
            for (var round = 0; round < rounds; round++)
            {
                await PingAllAsync(clients);
                await Task.Delay(2);
            }
        });

        var byThread = served.Threads.GroupBy(thread => thread).Select(group => group.Count()).OrderDescending().ToList();
        Assert.True(byThread.Count > 0, "no read was served on a reactor's thread");
        Assert.True(byThread[0] >= 0.9 * byThread.Sum(),
            $"reads served per reactor thread: {string.Join(", ", byThread)} (the wait was handed on {served.HandOffs} times)");
        Assert.True(served.HandOffs <= rounds / 10, $"the wait was handed on {served.HandOffs} times in {rounds} light rounds");
    }

    /// <summary>Every read keeps its reactor thread busy for 300 µs and the connections send again as soon as they are
    /// answered: the leader finds events waiting whenever it looks, hands the wait on, and the reads are served on as
    /// many threads as the reactor has, up to two.</summary>
    [Fact]
    public async Task A_load_that_keeps_the_reactor_busy_spreads_over_its_threads()
    {
        var served = await ServeAsync(work: TimeSpan.FromMicroseconds(300), async clients =>
        {
            var until = Stopwatch.StartNew();
            while (until.Elapsed < TimeSpan.FromSeconds(1.5))
            {
                await PingAllAsync(clients);
            }
        });

        var threads = served.Threads.Distinct().Count();
        Assert.True(threads >= Math.Min(2, Environment.ProcessorCount),
            $"{served.Threads.Count} reads served on {threads} reactor thread(s), the wait handed on {served.HandOffs} times");
        if (Environment.ProcessorCount > 1)
        {
            Assert.True(served.HandOffs > 0, "the wait was never handed on");
        }
    }

    /// <summary>Connects <see cref="Connections"/> clients whose server sides echo every byte from the reactor's threads
    /// after <paramref name="work"/> of spinning there, runs <paramref name="load"/>, and returns the reactor threads that
    /// served the reads and how often the wait was handed on meanwhile.</summary>
    async Task<(IReadOnlyCollection<int> Threads, long HandOffs)> ServeAsync(TimeSpan work, Func<IReadOnlyList<Socket>, Task> load)
    {
        var pairs = new List<(AcceptedConnection Server, Socket Client)>();
        var threads = new ConcurrentQueue<int>();
        using var stop = new CancellationTokenSource();
        try
        {
            for (var i = 0; i < Connections; i++)
            {
                var pair = await _pair.ConnectAsync();
                ((ReactorStream)pair.Server.Stream).ContinueOnReactor();
                pairs.Add(pair);
            }

            var echoes = pairs.Select(pair => Task.Run(() => EchoAsync(pair.Server.Stream, work, threads, stop.Token))).ToList();
            var handOffsBefore = Reactor.Shared.HandOffs;
            await load(pairs.Select(pair => pair.Client).ToList());
            var handOffs = Reactor.Shared.HandOffs - handOffsBefore;

            await stop.CancelAsync();
            await Task.WhenAll(echoes).WaitAsync(Patience);
            return (threads.ToArray(), handOffs);
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

    /// <summary>Waits for input with a zero-byte read as the host's reader does, then reads and echoes it, noting the
    /// thread when it is a reactor's, until <paramref name="stop"/>.</summary>
    static async Task EchoAsync(Stream stream, TimeSpan work, ConcurrentQueue<int> threads, CancellationToken stop)
    {
        var buffer = new byte[64];
        try
        {
            while (true)
            {
                await stream.ReadAsync(Memory<byte>.Empty, stop).ConfigureAwait(false);
                if (Reactor.IsCurrentThread)
                {
                    threads.Enqueue(Environment.CurrentManagedThreadId);
                    for (var spinning = Stopwatch.StartNew(); spinning.Elapsed < work;)
                    {
                        Thread.SpinWait(20);
                    }
                }

                var read = await stream.ReadAsync(buffer, stop).ConfigureAwait(false);
                if (read == 0)
                {
                    return;
                }

                await stream.WriteAsync(buffer.AsMemory(0, read), stop).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    /// <summary>Sends a byte on every connection, then waits for every echo.</summary>
    static async Task PingAllAsync(IReadOnlyList<Socket> clients)
    {
        foreach (var client in clients)
        {
            await client.SendAsync(new byte[] { 1 });
        }

        var answer = new byte[1];
        foreach (var client in clients)
        {
            Assert.Equal(1, await client.ReceiveAsync(answer.AsMemory()).AsTask().WaitAsync(Patience));
        }
    }
}
