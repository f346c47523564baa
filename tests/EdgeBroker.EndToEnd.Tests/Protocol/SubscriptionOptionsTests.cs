using EdgeBroker.EndToEnd.Tests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace EdgeBroker.EndToEnd.Tests.Protocol;

/// <summary>MQTT 5 subscription options and identifiers (§3.8.3.1, §3.8.2.1.2) on the host: Subscription Identifier,
/// No Local, Retain As Published, Retain Handling 0/1/2, each with the MQTTnet client.</summary>
public sealed class SubscriptionOptionsTests
{
    static Task<TestClient> ConnectAsync(RunningBroker broker, string clientId, bool cleanStart = true, uint sessionExpiry = 0) =>
        TestClient.ConnectAsync(broker, clientId, MqttProtocolVersion.V500, cleanStart, sessionExpiry);

    static async Task SubscribeAsync(TestClient client, string filter, uint identifier = 0, bool noLocal = false,
        bool retainAsPublished = false, MqttRetainHandling retainHandling = MqttRetainHandling.SendAtSubscribe)
    {
        var options = new MqttClientSubscribeOptionsBuilder().WithTopicFilter(f => f
            .WithTopic(filter)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.ExactlyOnce)
            .WithNoLocal(noLocal)
            .WithRetainAsPublished(retainAsPublished)
            .WithRetainHandling(retainHandling));
        if (identifier > 0)
        {
            options.WithSubscriptionIdentifier(identifier);
        }

        var result = await client.Client.SubscribeAsync(options.Build());
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS2, result.Items.Single().ResultCode);
    }

    [Fact]
    public async Task Each_message_carries_the_identifiers_of_the_subscriptions_it_matched()
    {
        await using var broker = await Engines.StartAsync(Engines.Host);
        await using var a = await ConnectAsync(broker, "a");
        await SubscribeAsync(a, "ids/topic", identifier: 456789);
        await using var b = await ConnectAsync(broker, "b");
        await SubscribeAsync(b, "ids/topic", identifier: 2);
        await SubscribeAsync(b, "ids/topic/#", identifier: 3);
        await SubscribeAsync(b, "ids/+");

        await b.PublishAsync("ids/topic", "identified");

        Assert.Equal([456789u], (await a.ReceiveAsync()).SubscriptionIdentifiers);
        var received = await b.ReceiveAsync();
        Assert.Equal([2u, 3u], received.SubscriptionIdentifiers.Order());
        await b.ExpectNothingAsync();
    }

    [Fact]
    public async Task No_local_keeps_a_clients_own_messages_from_it()
    {
        await using var broker = await Engines.StartAsync(Engines.Host);
        await using var a = await ConnectAsync(broker, "a");
        await using var b = await ConnectAsync(broker, "b");
        await SubscribeAsync(a, "nolocal/topic", noLocal: true);
        await SubscribeAsync(b, "nolocal/topic", noLocal: true);

        await a.PublishAsync("nolocal/topic", "from a");

        Assert.Equal("from a", (await b.ReceiveAsync()).ConvertPayloadToString());
        await a.ExpectNothingAsync();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Retain_as_published_keeps_the_publishers_retain_flag(bool retainAsPublished)
    {
        await using var broker = await Engines.StartAsync(Engines.Host);
        await using var subscriber = await ConnectAsync(broker, "subscriber");
        await SubscribeAsync(subscriber, "rap/topic", retainAsPublished: retainAsPublished);

        await subscriber.PublishAsync("rap/topic", "not retained");
        await subscriber.PublishAsync("rap/topic", "retained", retain: true);

        Assert.False((await subscriber.ReceiveAsync()).Retain);
        Assert.Equal(retainAsPublished, (await subscriber.ReceiveAsync()).Retain);
    }

    [Fact]
    public async Task Retain_handling_0_sends_retained_messages_at_every_subscribe_1_only_for_a_new_subscription_2_never()
    {
        await using var broker = await Engines.StartAsync(Engines.Host);
        await using var publisher = await ConnectAsync(broker, "publisher");
        for (var qos = 0; qos <= 2; qos++)
        {
            await publisher.PublishAsync("rh/" + qos, "qos " + qos, (MqttQualityOfServiceLevel)qos, retain: true);
        }

        await using var client = await ConnectAsync(broker, "client", cleanStart: false, sessionExpiry: 3600);
        await SubscribeAsync(client, "rh/+", retainHandling: MqttRetainHandling.SendAtSubscribeIfNewSubscriptionOnly);
        Assert.Equal([0, 1, 2], (await client.ReceiveAllAsync()).Select(m => (int)m.QualityOfServiceLevel).Order());
        await SubscribeAsync(client, "rh/+", retainHandling: MqttRetainHandling.SendAtSubscribeIfNewSubscriptionOnly);
        Assert.Empty(await client.ReceiveAllAsync());

        await SubscribeAsync(client, "rh/#", retainHandling: MqttRetainHandling.DoNotSendOnSubscribe);
        Assert.Empty(await client.ReceiveAllAsync());

        await SubscribeAsync(client, "rh/+", retainHandling: MqttRetainHandling.SendAtSubscribe);
        Assert.Equal(3, (await client.ReceiveAllAsync()).Count);
        await SubscribeAsync(client, "rh/+", retainHandling: MqttRetainHandling.SendAtSubscribe);
        Assert.Equal(3, (await client.ReceiveAllAsync()).Count);
    }

    [Fact]
    public async Task Retain_handling_1_counts_a_persistent_sessions_kept_subscription_as_existing()
    {
        await using var broker = await Engines.StartAsync(Engines.Host);
        await using var publisher = await ConnectAsync(broker, "publisher");
        await publisher.PublishAsync("kept/state", "retained", retain: true);
        var first = await ConnectAsync(broker, "client", cleanStart: false, sessionExpiry: 3600);
        await SubscribeAsync(first, "kept/#", retainHandling: MqttRetainHandling.SendAtSubscribeIfNewSubscriptionOnly);
        Assert.Single(await first.ReceiveAllAsync());
        await first.DisposeAsync();

        await using var back = await ConnectAsync(broker, "client", cleanStart: false, sessionExpiry: 3600);
        Assert.True(back.ConnectResult.IsSessionPresent);
        await SubscribeAsync(back, "kept/#", retainHandling: MqttRetainHandling.SendAtSubscribeIfNewSubscriptionOnly);

        await back.ExpectNothingAsync();
    }
}
