using EdgeBroker.EndToEnd.Tests.Infrastructure;
using MQTTnet.Protocol;
using Xunit.Abstractions;

namespace EdgeBroker.EndToEnd.Tests.Monitoring;

/// <summary>
/// A broker's status reaches its own subscriber on the default settings. Published in one burst, an interval's
/// <c>$SYS</c> tree went beyond the device's outbound queue (64 messages per client, QoS 0 up to 48): a subscriber to
/// <c>$SYS/broker/#</c> got 48 of 55 topics per interval on the emulator. The tree now goes in batches as the
/// subscriber's queue empties (the core's <c>SysPublication</c>, docs/operate.md).
/// </summary>
public sealed class SysTreePacingTests(ITestOutputHelper output)
{
    /// <summary>The last topic the tree composes on both engines (the emulator measures no heap): a tree cut short by
    /// a full queue loses it first.</summary>
    const string LastTopic = "$SYS/broker/edgebroker/pairing/open";

    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task A_subscriber_to_the_whole_tree_gets_every_topic_of_every_interval_on_the_default_queue_bounds(string engine)
    {
        await using var broker = await Engines.StartAsync(engine, new Dictionary<string, string?> { ["EdgeBroker:SysIntervalSeconds"] = "1" });
        await using var watcher = await TestClient.ConnectAsync(broker, "sys-watcher");
        await watcher.SubscribeAsync("$SYS/broker/#", MqttQualityOfServiceLevel.AtMostOnce);

        // Each interval's tree begins with its version; the one under way at the SUBSCRIBE is not counted.
        var intervals = new List<HashSet<string>>();
        while (intervals.Count < 4)
        {
            var topic = (await watcher.ReceiveAsync(TimeSpan.FromSeconds(10))).Topic;
            if (topic == "$SYS/broker/version")
            {
                intervals.Add(new HashSet<string>(StringComparer.Ordinal));
            }

            intervals.LastOrDefault()?.Add(topic);
        }

        // The fourth may still be arriving: the three before it are whole.
        var whole = intervals.Take(3).ToList();
        output.WriteLine($"{engine}: " + string.Join(", ", whole.Select(topics => topics.Count)) + " topics per interval");
        Assert.All(whole, topics => Assert.Contains(LastTopic, topics));
        Assert.All(whole, topics => Assert.Equal(whole[0].Order(StringComparer.Ordinal), topics.Order(StringComparer.Ordinal)));
    }
}
