using EdgeBroker.EndToEnd.Tests.Infrastructure;
using MQTTnet;
using Xunit.Abstractions;

namespace EdgeBroker.EndToEnd.Tests.Overload;

/// <summary>
/// The only member of a share group (<c>$share/workers/…</c>), a clean session, stops reading while QoS 1 messages keep
/// coming: once its outbound queue is full, what it cannot take is dropped after its publisher was acknowledged — and
/// logged, naming it, as a plain subscriber's drops are. Before, the router counted such drops for a share group but
/// reported none, so a user of shared subscriptions lost acknowledged messages without a line in the log.
/// </summary>
public class SharedQueueFullDropTests(ITestOutputHelper output)
{
    const string Member = "shared-worker";

    /// <summary>More than both engines' socket buffers and queues take (Linux grows the host's send buffer up to
    /// tcp_wmem's 4 MB); the test stops publishing once the line is there.</summary>
    const int MaxMessages = 3000;

    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task A_share_groups_full_queue_drops_acknowledged_messages_and_logs_naming_the_member(string engine)
    {
        await using var broker = await Engines.StartAsync(engine, new Dictionary<string, string?>
        {
            ["EdgeBroker:OutboundQueue:MaxMessagesPerClient"] = "20",
            ["EdgeBroker:OutboundQueue:MaxBytesPerClient"] = "65536",
        });
        await using var member = await RawMqttConnection.OpenAsync(broker, receiveBufferBytes: 4096);
        Assert.Equal(0, await member.ConnectAsync(Member));
        Assert.Equal(1, await member.SubscribeAsync("$share/workers/work/#", qos: 1));
        await using var publisher = await TestClient.ConnectAsync(broker, "work-pub");

        var payload = new string('x', 4000);
        var published = 0;
        while (published < MaxMessages && !broker.LoggedProblems.Any(IsDropLine))
        {
            var result = await publisher.PublishAsync("work/item", payload);
            Assert.Equal(MqttClientPublishReasonCode.Success, result.ReasonCode);
            published++;
        }

        await Eventually.WaitUntilAsync(() => broker.LoggedProblems.Any(IsDropLine),
            () => $"no line for the dropped messages after {published} PUBLISHes; EngineDropped {broker.Counters!.EngineDropped}; logged: "
                + string.Join(" | ", broker.LoggedProblems));
        Assert.True(broker.Counters!.EngineDropped > 0);
        var line = Assert.Single(broker.LoggedProblems, IsDropLine);
        output.WriteLine($"{engine}: {published} PUBLISHes, EngineDropped {broker.Counters.EngineDropped}: {line}");
        Assert.Contains("queue was full", line);
    }

    static bool IsDropLine(string line) => line.Contains("Dropped QoS 1") && line.Contains(Member);
}
