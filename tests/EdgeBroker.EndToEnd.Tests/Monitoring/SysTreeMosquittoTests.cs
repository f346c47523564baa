using System.Globalization;
using EdgeBroker.EndToEnd.Tests.Infrastructure;

namespace EdgeBroker.EndToEnd.Tests.Monitoring;

/// <summary>The <c>$SYS/broker/…</c> tree as mosquitto's own subscriber sees it: mosquitto's topic names, and values
/// that move with the traffic.</summary>
public sealed class SysTreeMosquittoTests
{
    static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(15);

    /// <summary>Topics a mosquitto dashboard reads, in mosquitto's layout.</summary>
    static readonly string[] MosquittoTopics =
    [
        "$SYS/broker/version",
        "$SYS/broker/uptime",
        "$SYS/broker/clients/connected",
        "$SYS/broker/clients/total",
        "$SYS/broker/clients/maximum",
        "$SYS/broker/clients/expired",
        "$SYS/broker/messages/received",
        "$SYS/broker/messages/sent",
        "$SYS/broker/bytes/received",
        "$SYS/broker/bytes/sent",
        "$SYS/broker/publish/messages/dropped",
        "$SYS/broker/subscriptions/count",
        "$SYS/broker/retained messages/count",
        "$SYS/broker/load/messages/received/1min",
        "$SYS/broker/load/messages/received/5min",
        "$SYS/broker/load/messages/received/15min",
        "$SYS/broker/load/connections/1min",
        "$SYS/broker/edgebroker/p2p/routed",
        "$SYS/broker/edgebroker/offline/queued",
    ];

    [ToolTheory(Tool.MosquittoClients)]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task Mosquitto_sub_sees_mosquittos_sys_topics_move_with_the_traffic(string engine)
    {
        // On the default queue bounds: the tree goes in batches as the watcher reads (SysTreePacingTests).
        await using var broker = await Engines.StartAsync(engine, new Dictionary<string, string?>
        {
            ["EdgeBroker:SysIntervalSeconds"] = "1",
        });
        var port = broker.Port.ToString(CultureInfo.InvariantCulture);
        await using var watcher = ProcessRunner.Start(ExternalTools.MosquittoSub,
            "-h", broker.Host, "-p", port, "-i", "sys-watcher", "-t", "$SYS/broker/#", "-v");

        await Eventually.WaitUntilAsync(() => MosquittoTopics.All(topic => Latest(watcher, topic) is not null),
            () => "mosquitto_sub did not print every mosquitto topic; missing: "
                + string.Join(", ", MosquittoTopics.Where(topic => Latest(watcher, topic) is null)) + "\n" + watcher.Errors);
        Assert.Equal("edgebroker version " + EdgeBroker.Core.BrokerVersion.Number, Latest(watcher, "$SYS/broker/version"));
        Assert.Matches("^[0-9]+ seconds$", Latest(watcher, "$SYS/broker/uptime"));
        Assert.Matches(@"^[0-9]+\.[0-9]{2}$", Latest(watcher, "$SYS/broker/load/messages/received/1min"));
        Assert.True(Number(watcher, "$SYS/broker/clients/connected") >= 1, "the watcher itself is connected");
        Assert.True(Number(watcher, "$SYS/broker/subscriptions/count") >= 1, "the watcher's subscription is counted");
        var receivedBefore = Number(watcher, "$SYS/broker/messages/received");
        var bytesBefore = Number(watcher, "$SYS/broker/bytes/received");

        for (var i = 0; i < 3; i++)
        {
            var publish = await ProcessRunner.RunAsync(ToolTimeout, ExternalTools.MosquittoPub,
                "-h", broker.Host, "-p", port, "-i", "sys-sensor", "-t", "sensors/sys-test", "-m", "reading " + i, "-r");
            Assert.Equal(0, publish.ExitCode);
        }

        await Eventually.WaitUntilAsync(
            () => Number(watcher, "$SYS/broker/messages/received") >= receivedBefore + 3
                && Number(watcher, "$SYS/broker/bytes/received") > bytesBefore
                && Number(watcher, "$SYS/broker/retained messages/count") >= 1
                && Latest(watcher, "$SYS/broker/load/messages/received/1min") != "0.00",
            () => $"the counters did not move with three PUBLISHes (received {receivedBefore} before): " + string.Join(" | ",
                new[] { "messages/received", "bytes/received", "retained messages/count", "load/messages/received/1min" }
                    .Select(name => name + "=" + Latest(watcher, "$SYS/broker/" + name))));
        Assert.True(Number(watcher, "$SYS/broker/clients/maximum") >= Number(watcher, "$SYS/broker/clients/connected"));
    }

    /// <summary>The last value mosquitto_sub printed for <paramref name="topic"/> (<c>-v</c>: topic, space, payload);
    /// topics may contain spaces ("retained messages/count"), so the topic is matched as a whole prefix.</summary>
    static string? Latest(ProcessRunner watcher, string topic) =>
        watcher.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => line.StartsWith(topic + " ", StringComparison.Ordinal))
            .Select(line => line[(topic.Length + 1)..])
            .LastOrDefault();

    static long Number(ProcessRunner watcher, string topic) =>
        long.Parse(Latest(watcher, topic) ?? "-1", CultureInfo.InvariantCulture);
}
