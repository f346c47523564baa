using EdgeBroker.EndToEnd.Tests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace EdgeBroker.EndToEnd.Tests.P2P;

/// <summary>
/// Only {parent}/p2p/{clientId} — exactly three levels, non-empty parent not starting with '$', non-empty client ID —
/// is a P2P address. Near-misses are ordinary topics for subscribers; $-topics are the broker's and refused.
/// </summary>
public sealed class P2PAddressingTests
{
    [Theory]
    [MemberData(nameof(NearMisses))]
    public async Task Near_misses_are_ordinary_topics(string engine, string topic)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using var x = await TestClient.ConnectAsync(broker, "x");
        await using var subscriber = await TestClient.ConnectAsync(broker, "subscriber");
        await subscriber.SubscribeAsync("#");
        await using var sender = await TestClient.ConnectAsync(broker, "sender");

        await sender.PublishAsync(topic, "ordinary");

        var message = await subscriber.ReceiveAsync();
        Assert.Equal(topic, message.Topic);
        await x.ExpectNothingAsync();
    }

    public static TheoryData<string, string> NearMisses()
    {
        var data = new TheoryData<string, string>();
        foreach (var engine in Engines.Names)
        {
            foreach (var topic in new[] { "a/b/p2p/x", "a/p2p/", "a/p2p/x/y", "p2p/x", "/p2p/x", "a/P2P/x" })
            {
                data.Add(engine, topic);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Engines.WithMqtt5), MemberType = typeof(Engines))]
    public async Task Sys_p2p_is_refused_and_reaches_nobody(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using var x = await TestClient.ConnectAsync(broker, "x");
        await using var sysWatcher = await TestClient.ConnectAsync(broker, "watcher");
        // Not $SYS/#: that also carries the broker's own presence events (the sender's connect).
        await sysWatcher.SubscribeAsync("$SYS/p2p/#");
        await using var sender = await TestClient.ConnectAsync(broker, "sender", MqttProtocolVersion.V500);

        var result = await sender.Client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic("$SYS/p2p/x").WithPayload("forged").WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, result.ReasonCode);
        await x.ExpectNothingAsync();
        await sysWatcher.ExpectNothingAsync();
    }

    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task Any_parent_topic_and_client_id_characters_work(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        const string receiverId = "GID_ünïcode-grp@@@dev.01_A";
        await using var receiver = await TestClient.ConnectAsync(broker, receiverId);
        await using var sender = await TestClient.ConnectAsync(broker, "sender");

        await sender.PublishAsync("parent_Topic-1/p2p/" + receiverId, "ok");

        Assert.Equal("ok", (await receiver.ReceiveAsync()).ConvertPayloadToString());
    }
}
