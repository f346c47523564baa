using EdgeBroker.EndToEnd.Tests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace EdgeBroker.EndToEnd.Tests.P2P;

/// <summary>What happens to a P2P message whose receiver is not connected.</summary>
public sealed class P2POfflineTests
{
    const string Receiver = "GID_sensors@@@sleepy";
    const string Topic = "app/p2p/" + Receiver;
    const string StateTopic = "app/state";

    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task Every_qos_to_an_away_persistent_session_is_delivered_on_reconnect_in_order_qos0_as_for_a_subscription(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        await LeaveSubscribedToStateAsync(broker);
        await using var sender = await TestClient.ConnectAsync(broker, "sender");

        await sender.PublishAsync(Topic, "p2p-qos0", MqttQualityOfServiceLevel.AtMostOnce);
        await sender.PublishAsync(StateTopic, "subscribed-qos0", MqttQualityOfServiceLevel.AtMostOnce);
        await sender.PublishAsync(Topic, "kept-1", MqttQualityOfServiceLevel.AtLeastOnce);
        await sender.PublishAsync(Topic, "kept-2", MqttQualityOfServiceLevel.ExactlyOnce);

        await using var back = await TestClient.ConnectAsync(broker, Receiver, cleanStart: false);
        Assert.True(back.ConnectResult.IsSessionPresent);
        Assert.Equal(["p2p-qos0", "subscribed-qos0", "kept-1", "kept-2"], await back.ReceivePayloadsAsync(4));
        await back.ExpectNothingAsync();
        Assert.Equal(0, broker.Counters!.P2PDroppedOffline);
    }

    [Theory]
    [MemberData(nameof(Engines.WithTunableOffline), MemberType = typeof(Engines))]
    public async Task Qos0_by_P2P_and_by_subscription_share_the_away_sessions_quota(string engine)
    {
        await using var broker = await Engines.StartAsync(engine, new Dictionary<string, string?> { ["EdgeBroker:MaxOfflineMessagesPerClient"] = "2" });
        await LeaveSubscribedToStateAsync(broker);
        await using var sender = await TestClient.ConnectAsync(broker, "sender");

        await sender.PublishAsync(StateTopic, "subscribed-1", MqttQualityOfServiceLevel.AtMostOnce);
        await sender.PublishAsync(Topic, "p2p-2", MqttQualityOfServiceLevel.AtMostOnce);
        await sender.PublishAsync(Topic, "p2p-3, over the quota", MqttQualityOfServiceLevel.AtMostOnce);
        await sender.PublishAsync(StateTopic, "subscribed-4, over the quota", MqttQualityOfServiceLevel.AtMostOnce);
        await Eventually.WaitUntilAsync(() => broker.Counters!.QuotaDropped == 2, () => $"2 dropped over the quota, {broker.Counters!.QuotaDropped} so far");

        await using var back = await TestClient.ConnectAsync(broker, Receiver, cleanStart: false);
        Assert.Equal(["subscribed-1", "p2p-2"], await back.ReceivePayloadsAsync(2));
        await back.ExpectNothingAsync();
        Assert.Equal((1, 1), (broker.Counters!.P2PQueued, broker.Counters.PubSubQueued));
    }

    /// <summary>The receiver connects with a persistent session, subscribes to <see cref="StateTopic"/> at QoS 0 and
    /// leaves.</summary>
    static async Task LeaveSubscribedToStateAsync(RunningBroker broker)
    {
        await using var first = await TestClient.ConnectAsync(broker, Receiver, cleanStart: false);
        await first.SubscribeAsync(StateTopic, MqttQualityOfServiceLevel.AtMostOnce);
    }

    [Theory]
    [MemberData(nameof(Engines.WithMqtt5), MemberType = typeof(Engines))]
    public async Task Mqtt5_session_expiry_makes_the_session_persistent(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        var first = await TestClient.ConnectAsync(broker, Receiver, MqttProtocolVersion.V500, cleanStart: true, sessionExpiry: 300);
        await first.DisposeAsync();
        await using var sender = await TestClient.ConnectAsync(broker, "sender", MqttProtocolVersion.V500);

        var result = await sender.Client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(Topic).WithPayload("waiting").WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        Assert.Equal(MqttClientPublishReasonCode.Success, result.ReasonCode);

        await using var back = await TestClient.ConnectAsync(broker, Receiver, MqttProtocolVersion.V500, cleanStart: false, sessionExpiry: 300);
        Assert.Equal("waiting", (await back.ReceiveAsync()).ConvertPayloadToString());
    }

    [Theory]
    [MemberData(nameof(Engines.WithMqtt5), MemberType = typeof(Engines))]
    public async Task No_session_means_dropped_and_an_mqtt5_publisher_hears_no_matching_subscribers(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using var sender = await TestClient.ConnectAsync(broker, "sender", MqttProtocolVersion.V500);

        var result = await sender.Client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic("app/p2p/GID_x@@@nobody").WithPayload("lost").WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

        Assert.Equal(MqttClientPublishReasonCode.NoMatchingSubscribers, result.ReasonCode);

        // A client that connects afterwards with that ID does not get it: nothing was kept.
        await using var late = await TestClient.ConnectAsync(broker, "GID_x@@@nobody", cleanStart: false);
        await late.ExpectNothingAsync();
    }

    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task A_clean_session_client_gets_nothing_old(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        var first = await TestClient.ConnectAsync(broker, Receiver, cleanStart: false);
        await first.DisposeAsync();
        await using var sender = await TestClient.ConnectAsync(broker, "sender");
        await sender.PublishAsync(Topic, "old");

        await using var clean = await TestClient.ConnectAsync(broker, Receiver, cleanStart: true);
        Assert.False(clean.ConnectResult.IsSessionPresent);
        await clean.ExpectNothingAsync();
    }

    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task Queued_messages_come_before_new_ones(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        var first = await TestClient.ConnectAsync(broker, Receiver, cleanStart: false);
        await first.DisposeAsync();
        await using var sender = await TestClient.ConnectAsync(broker, "sender");

        // 30: within every engine's default offline quota (the firmware keeps 32 per client).
        for (var i = 0; i < 30; i++)
        {
            await sender.PublishAsync(Topic, "old-" + i);
        }

        await using var back = await TestClient.ConnectAsync(broker, Receiver, cleanStart: false);
        await sender.PublishAsync(Topic, "new");

        var expected = Enumerable.Range(0, 30).Select(i => "old-" + i).Append("new").ToList();
        Assert.Equal(expected, await back.ReceivePayloadsAsync(expected.Count));
    }
}
