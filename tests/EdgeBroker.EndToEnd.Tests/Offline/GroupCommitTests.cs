using EdgeBroker.EndToEnd.Tests.Infrastructure;
using EdgeBroker.EndToEnd.Tests.Monitoring;
using MQTTnet;
using MQTTnet.Formatter;

namespace EdgeBroker.EndToEnd.Tests.Offline;

/// <summary>
/// The host's group commit with one publisher: its QoS 1 PUBLISHes for an away persistent session are read and routed
/// while earlier ones commit, and each PUBACK waits for the commit holding its message, so one SQLite transaction holds
/// several messages of the same connection (waiting in MQTTnet's publish interceptor made one transaction per message).
/// Host only: the firmware's flash log writes each message as it arrives.
/// </summary>
public sealed class GroupCommitTests
{
    const string Receiver = "GID_g@@@away";
    const string Topic = "GID_g/p2p/" + Receiver;
    const int Messages = 2000;
    const int InFlight = 64;

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task A_publisher_with_many_in_flight_shares_commits_and_every_message_arrives_in_order(MqttProtocolVersion protocol)
    {
        await using var broker = await Engines.StartAsync(Engines.Host, new Dictionary<string, string?> { ["EdgeBroker:MaxOfflineMessagesPerClient"] = "10000" });
        await using (await TestClient.ConnectAsync(broker, Receiver, protocol, cleanStart: false, sessionExpiry: 3600))
        {
        }

        await using (var publisher = await TestClient.ConnectAsync(broker, "GID_g@@@publisher", protocol))
        {
            // Started one after the other, so they leave in order.
            using var slots = new SemaphoreSlim(InFlight);
            var publishes = new List<Task<MqttClientPublishResult>>();
            for (var i = 0; i < Messages; i++)
            {
                await slots.WaitAsync();
                publishes.Add(PublishThenReleaseAsync(publisher, i.ToString(), slots));
            }

            var results = await Task.WhenAll(publishes);
            Assert.All(results, result => Assert.True(result.IsSuccess, $"PUBACK {result.ReasonCode}"));
        }

        using var http = new HttpClient { BaseAddress = broker.HttpBaseAddress };
        var metrics = await MetricsScrapeTests.ScrapeAsync(http);
        Assert.True(metrics["edgebroker_store_commits_total"] < metrics["edgebroker_store_committed_changes_total"],
            $"{metrics["edgebroker_store_commits_total"]} commits for {metrics["edgebroker_store_committed_changes_total"]} changes: none was shared");
        Assert.Equal(Messages, metrics["edgebroker_store_commit_seconds_count"]);

        await using var back = await TestClient.ConnectAsync(broker, Receiver, protocol, cleanStart: false, sessionExpiry: 3600);
        var received = new List<string>();
        while (received.Count < Messages)
        {
            received.Add((await back.ReceiveAsync(TimeSpan.FromSeconds(15))).ConvertPayloadToString());
        }

        Assert.Equal(Enumerable.Range(0, Messages).Select(i => i.ToString()), received);
    }

    static async Task<MqttClientPublishResult> PublishThenReleaseAsync(TestClient publisher, string payload, SemaphoreSlim slots)
    {
        try
        {
            return await publisher.PublishAsync(Topic, payload);
        }
        finally
        {
            slots.Release();
        }
    }
}
