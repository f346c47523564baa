using EdgeBroker.EndToEnd.Tests.Infrastructure;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeBroker.EndToEnd.Tests.Transport;

/// <summary>
/// <c>PinReactorThreads</c>, on the host as users run it (a child process, so the test process's own reactor is left as
/// it is): on, each reactor thread keeps to one CPU of those the process may use, a different one each while there are
/// CPUs enough, and the log says which; off (the default), they may run on any. The kernel's view is read from
/// <c>/proc/PID/task/TID/status</c>.
/// </summary>
public sealed class ReactorPinningTests
{
    [Fact]
    public async Task With_PinReactorThreads_each_reactor_thread_keeps_to_its_own_cpu_and_clients_are_served()
    {
        var port = FreePorts.Next();
        var process = ProcessRunner.Start(new Dictionary<string, string> { ["EdgeBroker__PinReactorThreads"] = "true" },
            "dotnet", HostProgram.Dll, "--port", port.ToString(), "--http-port", "0", "--in-memory");
        await using var broker = await BrokerProcess.StartAsync(process, port);
        await broker.WaitForOutputAsync("Reactor threads kept to CPUs");

        var allowed = AllowedCpus("self");
        var pinned = ReactorThreadCpus(broker.ProcessId);
        Assert.Equal(Environment.ProcessorCount, pinned.Count);
        Assert.All(pinned, cpus => Assert.Single(cpus));
        Assert.All(pinned, cpus => Assert.Contains(cpus[0], allowed));
        Assert.Equal(Math.Min(pinned.Count, allowed.Count), pinned.Select(cpus => cpus[0]).Distinct().Count());

        await AssertServesAsync(broker);
    }

    [Fact]
    public async Task By_default_reactor_threads_may_run_on_every_cpu_the_process_may()
    {
        await using var broker = await HostProcess.StartAsync();

        var pinned = ReactorThreadCpus(broker.ProcessId);
        Assert.NotEmpty(pinned);
        Assert.All(pinned, cpus => Assert.Equal(AllowedCpus("self"), cpus));
        Assert.DoesNotContain("Reactor threads kept to CPUs", broker.Output);
    }

    /// <summary>A message published to one client's P2P topic reaches it: pinned threads still serve.</summary>
    static async Task AssertServesAsync(RunningBroker broker)
    {
        await using var receiver = await TestClient.ConnectAsync(broker, "GID_sensors@@@DEVICE_001");
        await using var sender = await TestClient.ConnectAsync(broker, "GID_app@@@backend");
        await sender.PublishAsync("app/p2p/GID_sensors@@@DEVICE_001", "pinned", MqttQualityOfServiceLevel.AtMostOnce);

        Assert.Equal("pinned", (await receiver.ReceiveAsync()).ConvertPayloadToString());
    }

    /// <summary>The CPUs each of the process's reactor threads may run on.</summary>
    static List<List<int>> ReactorThreadCpus(int processId) =>
        Directory.GetDirectories($"/proc/{processId}/task")
            .Where(task => File.ReadAllText(Path.Combine(task, "comm")).StartsWith("EdgeBroker reac", StringComparison.Ordinal))
            .Select(task => AllowedCpus($"{processId}/task/{Path.GetFileName(task)}"))
            .ToList();

    /// <summary>The CPUs in <c>/proc/PATH/status</c>'s <c>Cpus_allowed_list</c> ("0-3,6").</summary>
    static List<int> AllowedCpus(string path)
    {
        var list = File.ReadLines($"/proc/{path}/status").Single(line => line.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal))
            .Split(':')[1].Trim();
        return list.Split(',').SelectMany(range =>
        {
            var ends = range.Split('-').Select(int.Parse).ToArray();
            return Enumerable.Range(ends[0], ends[^1] - ends[0] + 1);
        }).ToList();
    }
}
