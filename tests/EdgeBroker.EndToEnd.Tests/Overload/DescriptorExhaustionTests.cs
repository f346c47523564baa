using System.Diagnostics;
using System.Net.Sockets;
using EdgeBroker.EndToEnd.Tests.Infrastructure;
using MQTTnet.Adapter;

namespace EdgeBroker.EndToEnd.Tests.Overload;

/// <summary>
/// The host out of file descriptors, as a flood of connections can make it: it must stay up (the .NET runtime ends a
/// process that cannot open a descriptor for a new thread), its accept loop must not spin (a listener with
/// connections waiting stays readable, and every accept fails at once), and it must accept again once descriptors are
/// free. Host only: the relay runs a bounded number of connections (<c>max_clients</c>).
/// </summary>
public sealed class DescriptorExhaustionTests
{
    /// <summary>Descriptors the host may open beyond those it holds once started.</summary>
    const int Headroom = 30;

    const int Connections = 80;

    [Fact]
    public async Task A_full_descriptor_table_neither_ends_the_host_nor_spins_it_and_accepting_resumes_when_it_frees()
    {
        await using var broker = await HostProcess.StartAsync();
        var limit = OpenDescriptors(broker) + Headroom;
        var (exitCode, _, errors) = await ProcessRunner.RunAsync(HostProgram.Timeout, "prlimit", "--pid", broker.ProcessId.ToString(),
            $"--nofile={limit}:{limit}");
        Assert.True(exitCode == 0, errors);

        var sockets = new List<Socket>();
        try
        {
            // More connections than the host may accept: the kernel completes them (up to the listen backlog) whether
            // or not the host takes them.
            var connecting = Enumerable.Range(0, Connections).Select(async _ =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                lock (sockets)
                {
                    sockets.Add(socket);
                }

                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3));
                await socket.ConnectAsync(broker.Host, broker.Port, timeout.Token);
            });
            await Task.WhenAll(connecting.Select(c => c.ContinueWith(_ => { }, TaskScheduler.Default)));
            await Task.Delay(TimeSpan.FromSeconds(1));

            Assert.True(IsRunning(broker), "the host ended with its descriptor table full");
            var process = Process.GetProcessById(broker.ProcessId);
            var before = process.TotalProcessorTime;
            await Task.Delay(TimeSpan.FromSeconds(3));
            Assert.True(IsRunning(broker), "the host ended with its descriptor table full");
            process.Refresh();
            var spent = process.TotalProcessorTime - before;
            Assert.True(spent < TimeSpan.FromSeconds(1), $"the host used {spent.TotalSeconds:0.00} s of CPU in 3 s with its descriptor table full");
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }
        }

        // The host lets a descriptor go when it sees that connection's close, and accepts again once it can take its
        // reserve back (Transport/DescriptorReserve): the new client comes when the descriptors are free, as the test's
        // name says, not while the host is still reading the closes (a client then failed once in 49 loaded runs).
        await Eventually.WaitUntilAsync(() => OpenDescriptors(broker) <= limit - Headroom / 2,
            () => $"the host still holds {OpenDescriptors(broker)} descriptors of {limit} after its clients closed");
        try
        {
            await using var client = await TestClient.ConnectAsync(broker, "after-the-descriptors-came-back");
        }
        catch (MqttConnectingFailedException e)
        {
            // Whether the host had ended or closed that one connection, and why, is in its output.
            Assert.Fail($"no client was accepted once the descriptors were free ({e.Message}); the host is {(IsRunning(broker) ? "running" : "gone")}; its output:\n{broker.Output}");
        }
    }

    static bool IsRunning(BrokerProcess broker) => Directory.Exists($"/proc/{broker.ProcessId}/fd");

    static int OpenDescriptors(BrokerProcess broker) => IsRunning(broker) ? Directory.GetFiles($"/proc/{broker.ProcessId}/fd").Length : 0;
}
