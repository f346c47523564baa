using EdgeBroker.Core;
using EdgeBroker.Core.Uplink;
using EdgeBroker.EndToEnd.Tests.Infrastructure;
using MQTTnet.Formatter;

namespace EdgeBroker.EndToEnd.Tests.Uplink;

/// <summary>
/// One queued message larger than the upstream takes (mosquitto <c>max_packet_size 1000</c>, a 3,000-byte payload)
/// is dropped and counted, and the messages after it arrive (reviewer's D2: it was sent first on every reconnect, the
/// upstream closed the connection on it each time, and nothing after it ever arrived). An MQTT 5 upstream announces
/// its limit, so the host never sends it; over MQTT 3.1.1 (the host's, the emulator's) the core recognises it by the
/// connections lost right after it.
/// </summary>
public sealed class OversizedMessageTests
{
    const string Limit = "max_packet_size 1000";
    static readonly string Big = new('x', 3000);

    static readonly string[] Small = ["0", "1", "2", "3", "4", "5"];

    [ToolFact(Tool.MosquittoBroker)]
    public async Task Host_MQTT_5_drops_a_message_over_the_announced_maximum_packet_size_without_sending_it()
    {
        await using var upstream = await MosquittoUpstream.StartAsync(Limit);
        await using var cloud = await CloudSubscriber.ConnectAsync(upstream, "up/#");
        await using var gateway = await Gateway.StartAsync(Gateway.Forward(Gateway.Settings(upstream.Address), "up/#"));
        await gateway.WaitForStateAsync("connected");

        await PublishAsync(gateway.Broker);

        await AssertArrivedAsync(cloud);
        var status = await gateway.StatusAsync();
        Assert.Equal((1, 0, 0), (status.GetProperty("tooLarge").GetInt64(), status.GetProperty("queued").GetInt32(), status.GetProperty("failures").GetInt32()));
        Assert.Equal("connected", status.GetProperty("state").GetString());
        var logged = Assert.Single(gateway.Broker.LoggedProblems, line => line.Contains("Uplink cloud: dropped a message (for up/big", StringComparison.Ordinal));
        Assert.Contains("more than the upstream's Maximum Packet Size of 1000", logged);
    }

    [ToolFact(Tool.MosquittoBroker)]
    public async Task Host_MQTT_3_1_1_drops_the_message_the_upstream_closes_the_connection_on_and_the_rest_arrive()
    {
        await using var upstream = await MosquittoUpstream.StartAsync(Limit);
        await using var cloud = await CloudSubscriber.ConnectAsync(upstream, "up/#");
        var settings = Gateway.With(Gateway.Forward(Gateway.Settings(upstream.Address), "up/#"), "Protocol", "V311");
        await using var gateway = await Gateway.StartAsync(settings);
        await gateway.WaitForStateAsync("connected");

        await PublishAsync(gateway.Broker);

        await AssertArrivedAsync(cloud);
        var status = await gateway.StatusAsync();
        Assert.Equal((1, 0), (status.GetProperty("tooLarge").GetInt64(), status.GetProperty("queued").GetInt32()));
        Assert.Contains("3 times in a row, so it is taken as too large for the upstream", status.GetProperty("lastError").GetString());
        Assert.Single(gateway.Broker.LoggedProblems, line => line.Contains("Uplink cloud: dropped a message (for up/big, 3000 bytes of payload)", StringComparison.Ordinal));
    }

    [ToolFact(Tool.MosquittoBroker)]
    public async Task Emulator_drops_the_message_the_upstream_closes_the_connection_on_and_the_rest_arrive()
    {
        await using var upstream = await MosquittoUpstream.StartAsync(Limit);
        await using var cloud = await CloudSubscriber.ConnectAsync(upstream, "up/#");
        await using var gateway = EmulatorEngine.Start(new Dictionary<string, string?>
        {
            ["uplink"] = upstream.Address,
            ["uplink_client_id"] = "gw1",
            ["uplink_forward"] = "up/#",
            ["uplink_backoff_max_ms"] = "1000",
        });
        var uplink = gateway.Gateway.Uplink!.Uplink;
        await Eventually.WaitUntilAsync(() => uplink.State == UplinkState.Connected, () => "the uplink is " + uplink.Status(Clock.NowMs()).ToJson());

        await PublishAsync(gateway);

        await AssertArrivedAsync(cloud);
        var status = uplink.Status(Clock.NowMs());
        Assert.Equal((1L, 0), (status.TooLarge, status.Queued));
        Assert.Contains("3 times in a row, so it is taken as too large for the upstream", status.LastError);
        Assert.Single(gateway.LoggedProblems, line => line.Contains("Uplink cloud: dropped a message (for up/big, 3000 bytes of payload)", StringComparison.Ordinal));
    }

    /// <summary>Three small messages, the big one, three small ones, QoS 1, each acknowledged by the gateway.</summary>
    static async Task PublishAsync(RunningBroker gateway)
    {
        await using var sensor = await TestClient.ConnectAsync(gateway, "sensor", MqttProtocolVersion.V311);
        foreach (var (topic, payload) in Small[..3].Select(p => ("up/seq", p)).Append(("up/big", Big)).Concat(Small[3..].Select(p => ("up/seq", p))))
        {
            Assert.True((await sensor.PublishAsync(topic, payload)).IsSuccess);
        }
    }

    static async Task AssertArrivedAsync(CloudSubscriber cloud)
    {
        await Eventually.WaitUntilAsync(() => cloud.Received.Count >= Small.Length, () => "the cloud received " + cloud.Received.Count + " of " + Small.Length,
            TimeSpan.FromSeconds(30));
        await Task.Delay(TestClient.SilenceWindow);
        Assert.Equal(Small, cloud.Received.Select(m => m.Payload).Distinct());
        Assert.DoesNotContain(cloud.Received, m => m.Topic == "up/big");
    }
}
