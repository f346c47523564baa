using System.Text;
using EdgeBroker.EndToEnd.Tests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace EdgeBroker.EndToEnd.Tests.Uplink;

/// <summary>The host gateway forwarding to and subscribing from a real mosquitto upstream.</summary>
public sealed class MosquittoUpstreamTests
{
    [ToolFact(Tool.MosquittoBroker)]
    public async Task Messages_from_upstream_dropped_for_a_full_offline_quota_are_logged_as_local_ones_are()
    {
        await using var upstream = await MosquittoUpstream.StartAsync();
        var settings = Gateway.Subscribe(Gateway.Settings(upstream.Address), "cmd/#");
        settings["EdgeBroker:MaxOfflineMessagesPerClient"] = "2";
        await using var gateway = await Gateway.StartAsync(settings);
        await gateway.WaitForStateAsync("connected");
        await using (var away = await TestClient.ConnectAsync(gateway.Broker, "actuator", MqttProtocolVersion.V500, cleanStart: false, sessionExpiry: 3600))
        {
            await away.SubscribeAsync("cmd/#");
        }

        await using var cloud = await TestClient.ConnectAsync(Upstream(upstream), "cloud-app");
        await Eventually.WaitUntilAsync(async () =>
        {
            await cloud.PublishAsync("cmd/valve", "open");
            return gateway.Broker.LoggedProblems.Any(line => line.Contains("dropped a message from upstream for cmd/valve", StringComparison.Ordinal));
        }, () => "no drop was logged: " + string.Join(" | ", gateway.Broker.LoggedProblems));

        var logged = Assert.Single(gateway.Broker.LoggedProblems, line => line.Contains("dropped a message from upstream", StringComparison.Ordinal));
        Assert.Contains("offline quota is full (the first;", logged);
    }

    /// <summary>After an outage the upstream sends its whole backlog at once; while the connected receiver's quota (here
    /// 32, the device's) is full, the gateway leaves messages unacknowledged (MQTTnet acknowledges once the handler
    /// returns), so the upstream keeps them instead of the gateway dropping them.</summary>
    [ToolFact(Tool.MosquittoBroker)]
    public async Task A_backlog_from_upstream_after_an_outage_reaches_a_connected_receiver_whose_quota_it_exceeds()
    {
        const int count = 300;
        await using var upstream = await MosquittoUpstream.StartAsync();
        await using var link = new CuttableLink(upstream.Port);
        var settings = Gateway.Subscribe(Gateway.Settings(link.Address), "cmd/#");
        settings["EdgeBroker:MaxOfflineMessagesPerClient"] = "32";
        await using var gateway = await Gateway.StartAsync(settings);
        await gateway.WaitForStateAsync("connected");
        await using var actuator = await TestClient.ConnectAsync(gateway.Broker, "actuator", cleanStart: false);
        await actuator.SubscribeAsync("cmd/#");
        await using var cloud = await TestClient.ConnectAsync(Upstream(upstream), "cloud-app");

        link.Cut();
        await Eventually.WaitUntilAsync(async () => (await gateway.StatusAsync()).GetProperty("state").GetString() != "connected",
            () => "the uplink did not notice the outage");
        for (var i = 0; i < count; i++)
        {
            await cloud.PublishAsync("cmd/seq", i.ToString());
        }

        link.Restore();
        var received = await actuator.ReceivePayloadsAsync(count);

        Assert.Equal(Enumerable.Range(0, count).Select(i => i.ToString()), received);
        Assert.DoesNotContain(gateway.Broker.LoggedProblems, line => line.Contains("dropped a message from upstream", StringComparison.Ordinal));
    }

    [ToolFact(Tool.MosquittoBroker)]
    public async Task Forward_and_subscribe_rules_remap_topics_both_ways_at_QoS_0_and_1()
    {
        await using var upstream = await MosquittoUpstream.StartAsync();
        var settings = Gateway.Settings(upstream.Address);
        Gateway.Forward(settings, "sensors/#", localPrefix: "sensors/", remotePrefix: "site-7/sensors/");
        Gateway.Subscribe(settings, "site-7/cmd/#", localPrefix: "cmd/", remotePrefix: "site-7/cmd/");
        await using var gateway = await Gateway.StartAsync(settings);
        await gateway.WaitForStateAsync("connected");

        await using var cloud = await TestClient.ConnectAsync(Upstream(upstream), "cloud-app");
        await cloud.SubscribeAsync("site-7/sensors/#");
        await using var sensor = await TestClient.ConnectAsync(gateway.Broker, "sensor", MqttProtocolVersion.V500);
        await using var actuator = await TestClient.ConnectAsync(gateway.Broker, "actuator");
        await actuator.SubscribeAsync("cmd/#");

        await sensor.PublishAsync("sensors/t1", "q0", MqttQualityOfServiceLevel.AtMostOnce);
        var ack = await sensor.PublishAsync("sensors/t1", "q1");
        Assert.True(ack.IsSuccess, ack.ReasonCode.ToString());
        var up = new[] { await cloud.ReceiveAsync(), await cloud.ReceiveAsync() };
        Assert.Equal(new[] { "site-7/sensors/t1", "site-7/sensors/t1" }, up.Select(m => m.Topic));
        Assert.Equal(new[] { "q0", "q1" }, up.Select(Text));
        Assert.Equal(new[] { MqttQualityOfServiceLevel.AtMostOnce, MqttQualityOfServiceLevel.AtLeastOnce }, up.Select(m => m.QualityOfServiceLevel));

        // The upstream subscription exists once the uplink's SUBACK is in; probe until the first command comes down.
        await Eventually.WaitUntilAsync(async () =>
        {
            await cloud.PublishAsync("site-7/cmd/probe", "probe", MqttQualityOfServiceLevel.AtMostOnce);
            return (await actuator.ReceiveAllAsync()).Count > 0;
        }, () => "nothing came down the uplink");
        await cloud.PublishAsync("site-7/cmd/valve", "open", MqttQualityOfServiceLevel.AtLeastOnce);
        await cloud.PublishAsync("site-7/cmd/valve", "close", MqttQualityOfServiceLevel.AtMostOnce);
        var down = new[] { await actuator.ReceiveAsync(), await actuator.ReceiveAsync() };
        Assert.Equal(new[] { ("cmd/valve", "open"), ("cmd/valve", "close") }, down.Select(m => (m.Topic, Text(m))));
        Assert.Equal(MqttQualityOfServiceLevel.AtLeastOnce, down[0].QualityOfServiceLevel);
        await cloud.ExpectNothingAsync();
    }

    [ToolFact(Tool.MosquittoBroker)]
    public async Task A_thousand_QoS_1_messages_arrive_upstream_in_order()
    {
        const int Count = 1000;
        await using var upstream = await MosquittoUpstream.StartAsync();
        await using var gateway = await Gateway.StartAsync(Gateway.Forward(Gateway.Settings(upstream.Address), "data/#"));
        await gateway.WaitForStateAsync("connected");
        await using var cloud = await TestClient.ConnectAsync(Upstream(upstream), "cloud-app");
        await cloud.SubscribeAsync("data/#");
        await using var sensor = await TestClient.ConnectAsync(gateway.Broker, "sensor");

        for (var i = 0; i < Count; i++)
        {
            await sensor.PublishAsync("data/seq", i.ToString());
        }

        var received = await cloud.ReceivePayloadsAsync(Count);
        Assert.Equal(Enumerable.Range(0, Count).Select(i => i.ToString()), received);
    }

    static string Text(MqttApplicationMessage message) => Encoding.UTF8.GetString(message.Payload);

    /// <summary>The upstream mosquitto as a broker the test clients connect to.</summary>
    internal static RunningBroker Upstream(MosquittoUpstream upstream) => new ExternalBroker(upstream.Port);
}
