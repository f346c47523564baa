using EdgeBroker.Benchmarks.Brokers;
using EdgeBroker.Benchmarks.Load;
using EdgeBroker.Benchmarks.Measurement;

namespace EdgeBroker.Benchmarks.Cases;

/// <summary>What one bridge did in the three phases of an uplink case.</summary>
public sealed record UplinkResult(UplinkCase Case, int Messages)
{
    public double Throughput { get; init; }

    public double GatewayCpuMicrosecondsPerMessage { get; init; }

    public double DrainSeconds { get; init; }

    public int DrainReceived { get; init; }

    public int DrainDuplicates { get; init; }

    public int KillLost { get; init; }

    public int KillDuplicates { get; init; }

    public int KillOutOfOrder { get; init; }

    public string? Error { get; init; }
}

/// <summary>
/// One uplink case, three phases against one upstream mosquitto with a persistent cloud subscriber:
/// <list type="number">
/// <item>throughput: <c>Messages</c> QoS 1 messages published on the gateway until all arrived upstream; the gateway's
/// CPU time over that window per message;</item>
/// <item>drain after an outage: the upstream stopped, the messages published on the gateway, the upstream started: the
/// time until the last arrives, and how many arrive;</item>
/// <item>kill -9: the same outage, and the gateway killed with SIGKILL once a tenth has arrived and started again on
/// its data: messages lost, duplicated and out of order.</item>
/// </list>
/// </summary>
public sealed class UplinkRunner(string mosquitto, string edgeBrokerDll, int messages, TextWriter progress)
{
    static readonly TimeSpan Stall = TimeSpan.FromSeconds(15);
    static readonly TimeSpan OutageNoticed = TimeSpan.FromSeconds(1.5);

    public async Task<UplinkResult> RunAsync(UplinkCase @case)
    {
        try
        {
            return await MeasureAsync(@case);
        }
        catch (Exception e) when (e is BenchmarkSetupException or IOException or MQTTnet.Exceptions.MqttCommunicationException or TimeoutException)
        {
            return new UplinkResult(@case, messages) { Error = e.Message };
        }
    }

    async Task<UplinkResult> MeasureAsync(UplinkCase @case)
    {
        await using var upstream = await BridgeProcess.StartUpstreamAsync(mosquitto);
        await using var cloud = new BridgeReceiver(upstream.Port);
        await cloud.ConnectAsync();
        await using var gateway = await BridgeProcess.StartGatewayAsync(@case.Bridge, mosquitto, edgeBrokerDll, upstream.Port);
        await BridgePublisher.WaitForPathAsync(gateway.Port, cloud);

        progress.WriteLine($"[{DateTime.Now:HH:mm:ss}] {@case.Id}: throughput, {messages:N0} QoS 1 messages");
        var cpuBefore = CpuSampler.ProcessCpuSeconds(gateway.ProcessId);
        var started = DateTime.UtcNow;
        await BridgePublisher.PublishAsync(gateway.Port, 0, messages);
        await cloud.WaitForAsync(messages, Stall);
        var seconds = (cloud.LastArrival - started).TotalSeconds;
        var cpu = CpuSampler.ProcessCpuSeconds(gateway.ProcessId) - cpuBefore;
        var arrived = cloud.Snapshot().Distinct().Count();

        progress.WriteLine($"[{DateTime.Now:HH:mm:ss}] {@case.Id}: drain of {messages:N0} after an outage");
        var drained = await OutageAsync(upstream, cloud, gateway, messages, killAfter: null);
        var drainSeconds = (cloud.LastArrival - drained).TotalSeconds;
        var drain = cloud.Snapshot();

        progress.WriteLine($"[{DateTime.Now:HH:mm:ss}] {@case.Id}: kill -9 while draining {messages:N0}");
        await OutageAsync(upstream, cloud, gateway, messages * 2, killAfter: messages / 10);
        var killed = cloud.Snapshot();
        var distinct = killed.Distinct().ToList();

        return new UplinkResult(@case, messages)
        {
            Throughput = arrived / seconds,
            GatewayCpuMicrosecondsPerMessage = cpu * 1e6 / arrived,
            DrainSeconds = drainSeconds,
            DrainReceived = drain.Distinct().Count(),
            DrainDuplicates = drain.Count - drain.Distinct().Count(),
            KillLost = messages - distinct.Count,
            KillDuplicates = killed.Count - distinct.Count,
            KillOutOfOrder = distinct.Zip(distinct.Skip(1)).Count(pair => pair.Second < pair.First),
        };
    }

    /// <summary>Stops the upstream, publishes <c>messages</c> numbered from <paramref name="first"/> on the gateway, starts the
    /// upstream again and waits for the drain (killing and restarting the gateway once <paramref name="killAfter"/> have
    /// arrived, when given). Returns when the upstream was started again.</summary>
    async Task<DateTime> OutageAsync(BridgeProcess upstream, BridgeReceiver cloud, BridgeProcess gateway, int first, int? killAfter)
    {
        await cloud.DisconnectAsync();
        await upstream.StopAsync();
        await Task.Delay(OutageNoticed);
        cloud.Reset();
        await BridgePublisher.PublishAsync(gateway.Port, first, messages);
        var restarted = DateTime.UtcNow;
        await upstream.StartAsync();
        await cloud.ConnectAsync();
        if (killAfter is { } count)
        {
            await cloud.WaitForAsync(count, Stall);
            gateway.Kill();
            await gateway.StartAsync();
        }

        await cloud.WaitForAsync(messages, Stall);
        return restarted;
    }
}
