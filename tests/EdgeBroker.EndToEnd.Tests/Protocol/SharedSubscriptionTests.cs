using EdgeBroker.EndToEnd.Tests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace EdgeBroker.EndToEnd.Tests.Protocol;

/// <summary>Shared subscriptions <c>$share/{group}/{filter}</c> (MQTT 5 §4.8.2), decided by the core on both engines: each
/// message goes to one member of the group, in turn among the connected ones; a member that leaves stops receiving and
/// what it did not acknowledge goes to another; retained and P2P messages never go through a share.</summary>
public sealed class SharedSubscriptionTests
{
    const string Share = "$share/workers/jobs/#";

    static async Task<TestClient> MemberAsync(RunningBroker broker, string clientId, MqttProtocolVersion protocol = MqttProtocolVersion.V311)
    {
        var member = await TestClient.ConnectAsync(broker, clientId, protocol);
        await member.SubscribeAsync(Share);
        return member;
    }

    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task Each_message_goes_to_one_member_in_turn(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using var a = await MemberAsync(broker, "member-a");
        await using var b = await MemberAsync(broker, "member-b");
        await using var plain = await TestClient.ConnectAsync(broker, "plain");
        await plain.SubscribeAsync("jobs/#");
        await using var publisher = await TestClient.ConnectAsync(broker, "publisher");

        for (var i = 0; i < 6; i++)
        {
            await publisher.PublishAsync("jobs/" + i, i.ToString());
        }

        Assert.Equal(["0", "2", "4"], await a.ReceivePayloadsAsync(3));
        Assert.Equal(["1", "3", "5"], await b.ReceivePayloadsAsync(3));
        Assert.Equal(6, (await plain.ReceivePayloadsAsync(6)).Count);
        await a.ExpectNothingAsync();
        await b.ExpectNothingAsync();
    }

    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task A_member_that_disconnects_stops_receiving(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        var leaving = await TestClient.ConnectAsync(broker, "leaving", cleanStart: false);
        await leaving.SubscribeAsync(Share);
        await using var staying = await MemberAsync(broker, "staying");
        await leaving.DisposeAsync();
        await using var publisher = await TestClient.ConnectAsync(broker, "publisher");

        for (var i = 0; i < 4; i++)
        {
            await publisher.PublishAsync("jobs/x", i.ToString());
        }

        Assert.Equal(["0", "1", "2", "3"], await staying.ReceivePayloadsAsync(4));

        // Its persistent session kept the membership, not the messages the others took.
        await using var back = await TestClient.ConnectAsync(broker, "leaving", cleanStart: false);
        Assert.True(back.ConnectResult.IsSessionPresent);
        await back.ExpectNothingAsync();
        await publisher.PublishAsync("jobs/x", "4");
        await publisher.PublishAsync("jobs/x", "5");
        var received = (await back.ReceiveAllAsync()).Count + (await staying.ReceiveAllAsync()).Count;
        Assert.Equal(2, received);
    }

    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task Qos1_messages_a_member_did_not_acknowledge_go_to_another_member(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        var silent = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, await silent.ConnectAsync("silent"));
        Assert.Equal(1, await silent.SubscribeAsync(Share, qos: 1));
        await using var publisher = await TestClient.ConnectAsync(broker, "publisher");
        await publisher.PublishAsync("jobs/1", "first");
        var taken = await silent.ReadPublishAsync();
        Assert.Equal("first", taken.Payload);
        var worker = await MemberAsync(broker, "worker");

        silent.Abort(); // never acknowledged it

        Assert.Equal("first", (await worker.ReceiveAsync()).ConvertPayloadToString());
        await publisher.PublishAsync("jobs/2", "second");
        Assert.Equal("second", (await worker.ReceiveAsync()).ConvertPayloadToString());

        // The worker acknowledged both (the MQTTnet client does): nothing of its is handed on when it leaves.
        await using var spare = await MemberAsync(broker, "spare");
        await Task.Delay(TestClient.SilenceWindow);
        await worker.DisposeAsync();
        await spare.ExpectNothingAsync();
    }

    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task Retained_messages_are_not_sent_on_a_shared_subscription(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using var publisher = await TestClient.ConnectAsync(broker, "publisher");
        await publisher.PublishAsync("jobs/state", "retained", retain: true);

        await using var member = await MemberAsync(broker, "member");
        await member.ExpectNothingAsync();

        await using var plain = await TestClient.ConnectAsync(broker, "plain");
        await plain.SubscribeAsync("jobs/#");
        Assert.Equal("retained", (await plain.ReceiveAsync()).ConvertPayloadToString());
    }

    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task P2P_messages_are_never_delivered_through_a_share(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using var member = await TestClient.ConnectAsync(broker, "GID_x@@@member");
        await member.SubscribeAsync("$share/all/#");
        await member.SubscribeAsync("$share/p2p/app/p2p/+");
        await using var target = await TestClient.ConnectAsync(broker, "GID_x@@@target");
        await using var publisher = await TestClient.ConnectAsync(broker, "GID_x@@@publisher");

        await publisher.PublishAsync("app/p2p/GID_x@@@target", "for the target only");

        Assert.Equal("for the target only", (await target.ReceiveAsync()).ConvertPayloadToString());
        await member.ExpectNothingAsync();
    }

    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task An_mqtt311_share_without_a_name_or_filter_fails_0x80_and_the_connection_stays(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using var client = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, await client.ConnectAsync("v311"));

        Assert.Equal([0x80, 0x80, 1], await client.SubscribeAsync([("$share//jobs", 1), ("$share/nofilter", 1), (Share, 1)]));
        Assert.Equal(0x80, await client.SubscribeAsync("$share/g/"));
    }

    [Fact]
    public async Task Mqtt5_clients_are_told_shared_subscriptions_are_available_and_a_bad_share_name_is_refused_0x8F()
    {
        await using var broker = await Engines.StartAsync(Engines.Host);
        await using var client = await TestClient.ConnectAsync(broker, "v5", MqttProtocolVersion.V500);
        Assert.True(client.ConnectResult.SharedSubscriptionAvailable);

        var result = await client.Client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter("$share/good/jobs/#", MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter("$share/bad+name/jobs/#")
            .WithTopicFilter("$share/nofilter")
            .Build());

        Assert.Equal(
            [MqttClientSubscribeResultCode.GrantedQoS1, MqttClientSubscribeResultCode.TopicFilterInvalid, MqttClientSubscribeResultCode.TopicFilterInvalid],
            result.Items.Select(item => item.ResultCode));
    }

    [Fact]
    public async Task No_local_on_a_shared_subscription_closes_the_connection_with_0x82()
    {
        await using var broker = await Engines.StartAsync(Engines.Host);
        await using var client = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, await client.ConnectAsync("v5", protocolLevel: 5));

        // SUBSCRIBE, packet id 1, no properties, "$share/g/jobs" with options QoS 1 + No Local.
        await client.SendAsync(0x82, [0, 1, 0, 0, 13, .. "$share/g/jobs"u8.ToArray(), 0x05]);

        var (type, _, body) = await client.ReadPacketAsync();
        Assert.Equal(14, type);
        Assert.Equal(0x82, body[0]);
        Assert.True(await client.IsClosedByBrokerAsync(TimeSpan.FromSeconds(3)));
    }

    [Fact]
    public async Task Mqtt5_members_share_with_mqtt311_members_and_unsubscribing_leaves_the_group()
    {
        await using var broker = await Engines.StartAsync(Engines.Host);
        await using var v5 = await MemberAsync(broker, "v5", MqttProtocolVersion.V500);
        await using var v311 = await MemberAsync(broker, "v311");
        await using var publisher = await TestClient.ConnectAsync(broker, "publisher", MqttProtocolVersion.V500);

        await publisher.PublishAsync("jobs/a", "a");
        await publisher.PublishAsync("jobs/b", "b");
        Assert.Equal("a", (await v5.ReceiveAsync()).ConvertPayloadToString());
        Assert.Equal("b", (await v311.ReceiveAsync()).ConvertPayloadToString());

        var unsubscribed = await v5.Client.UnsubscribeAsync(Share);
        Assert.Equal(MqttClientUnsubscribeResultCode.Success, unsubscribed.Items.Single().ResultCode);
        await publisher.PublishAsync("jobs/c", "c");
        await publisher.PublishAsync("jobs/d", "d");
        Assert.Equal(["c", "d"], await v311.ReceivePayloadsAsync(2));
        await v5.ExpectNothingAsync();
    }
}
