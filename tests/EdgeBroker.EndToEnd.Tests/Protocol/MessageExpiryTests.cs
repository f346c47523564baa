using System.Collections.Concurrent;
using System.Diagnostics;
using EdgeBroker.EndToEnd.Tests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace EdgeBroker.EndToEnd.Tests.Protocol;

/// <summary>
/// MQTT 5 Message Expiry Interval (§3.3.2.3.3) for copies a connected client or a new subscriber would get: a retained
/// message and a message waiting in a connection's queue are deleted once the interval has passed [MQTT-3.3.2-5], and
/// what goes out carries what is left of it [MQTT-3.3.2-6]. The host used to send both, with an interval of 1 (the
/// offline store's expiry is in <c>OfflineDeliveryTests</c>). Host only: the relay speaks MQTT 3.1.1, which carries no
/// expiry interval.
/// </summary>
public sealed class MessageExpiryTests : IDisposable
{
    /// <summary>Past a 1-second interval, with room for the broker to see it so.</summary>
    static readonly TimeSpan PastOneSecond = TimeSpan.FromSeconds(1.5);

    readonly DirectoryInfo _dataDir = Directory.CreateTempSubdirectory("edgebroker-message-expiry-");

    static MqttApplicationMessage Message(string topic, string payload, uint expirySeconds, bool retain = false) =>
        new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithRetainFlag(retain)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).WithMessageExpiryInterval(expirySeconds).Build();

    [Theory]
    [MemberData(nameof(Engines.WithMqtt5), MemberType = typeof(Engines))]
    public async Task An_expired_retained_message_reaches_no_new_subscriber_and_a_live_one_carries_what_is_left(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using var publisher = await TestClient.ConnectAsync(broker, "retainer", MqttProtocolVersion.V500);
        await publisher.Client.PublishAsync(Message("door/front", "open", expirySeconds: 1, retain: true));
        await publisher.Client.PublishAsync(Message("door/back", "closed", expirySeconds: 100, retain: true));

        await Task.Delay(PastOneSecond);
        await using var mqtt5 = await TestClient.ConnectAsync(broker, "new-5", MqttProtocolVersion.V500);
        await mqtt5.SubscribeAsync("door/#");
        await using var mqtt311 = await TestClient.ConnectAsync(broker, "new-311");
        await mqtt311.SubscribeAsync("door/#");

        var message = await mqtt5.ReceiveAsync();
        Assert.Equal(("door/back", true), (message.Topic, message.Retain));
        Assert.InRange(message.MessageExpiryInterval, 95u, 99u);
        await mqtt5.ExpectNothingAsync();
        Assert.Equal("door/back", (await mqtt311.ReceiveAsync()).Topic);
        await mqtt311.ExpectNothingAsync();
    }

    [Fact]
    public async Task A_retained_message_expires_counted_from_its_publication_across_a_restart()
    {
        var sincePublished = Stopwatch.StartNew();
        await using (var broker = await StartHostAsync())
        {
            await using var publisher = await TestClient.ConnectAsync(broker, "retainer", MqttProtocolVersion.V500);
            await publisher.Client.PublishAsync(Message("door/front", "open", expirySeconds: 1, retain: true));
            await publisher.Client.PublishAsync(Message("door/back", "closed", expirySeconds: 100, retain: true));
            sincePublished.Restart();
        }

        // Stopped past the first one's lifetime: the restart must not give the messages their whole lifetime again, so
        // right after it one is gone and the other has at most 98 seconds left.
        await Task.Delay(TimeSpan.FromSeconds(2.1) - sincePublished.Elapsed);
        await using (var broker = await StartHostAsync())
        {
            await using var subscriber = await TestClient.ConnectAsync(broker, "after-restart", MqttProtocolVersion.V500);
            await subscriber.SubscribeAsync("door/#");

            var message = await subscriber.ReceiveAsync();
            Assert.Equal("door/back", message.Topic);
            Assert.InRange(message.MessageExpiryInterval, 90u, 98u);
            await subscriber.ExpectNothingAsync();
        }
    }

    [Theory]
    [MemberData(nameof(Engines.WithMqtt5), MemberType = typeof(Engines))]
    public async Task A_message_that_expires_while_it_waits_for_the_receive_maximum_is_dropped_and_the_next_carries_what_is_left(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        var held = new ConcurrentQueue<MqttApplicationMessageReceivedEventArgs>();
        using var receiver = new MqttClientFactory().CreateMqttClient();
        receiver.ApplicationMessageReceivedAsync += e =>
        {
            // Not acknowledged yet: its place in the window stays taken.
            e.AutoAcknowledge = false;
            held.Enqueue(e);
            return Task.CompletedTask;
        };
        await receiver.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(broker.Host, broker.Port).WithClientId("one-at-a-time")
            .WithProtocolVersion(MqttProtocolVersion.V500).WithReceiveMaximum(1).Build());
        await receiver.SubscribeAsync("queue/t", MqttQualityOfServiceLevel.AtLeastOnce);
        await using var publisher = await TestClient.ConnectAsync(broker, "queue-publisher", MqttProtocolVersion.V500);
        await publisher.PublishAsync("queue/t", "first");
        await publisher.Client.PublishAsync(Message("queue/t", "expires", expirySeconds: 1));
        await publisher.Client.PublishAsync(Message("queue/t", "lives", expirySeconds: 100));
        await Eventually.WaitUntilAsync(() => held.Count == 1, () => $"{held.Count} messages arrived, expected the first");

        await Task.Delay(PastOneSecond);
        Assert.True(held.TryDequeue(out var first));
        Assert.Equal("first", first.ApplicationMessage.ConvertPayloadToString());
        await first.AcknowledgeAsync(CancellationToken.None);

        await Eventually.WaitUntilAsync(() => !held.IsEmpty, () => "nothing followed the first message's PUBACK");
        Assert.True(held.TryDequeue(out var next));
        Assert.Equal("lives", next.ApplicationMessage.ConvertPayloadToString());
        Assert.InRange(next.ApplicationMessage.MessageExpiryInterval, 95u, 99u);
        await next.AcknowledgeAsync(CancellationToken.None);
        await Task.Delay(TestClient.SilenceWindow);
        Assert.Empty(held);
    }

    Task<RunningBroker> StartHostAsync() =>
        Engines.StartAsync(Engines.Host, new Dictionary<string, string?> { [HostEngine.DataDirKey] = _dataDir.FullName });

    public void Dispose() => _dataDir.Delete(recursive: true);
}
