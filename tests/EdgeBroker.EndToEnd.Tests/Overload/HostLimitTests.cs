using EdgeBroker.EndToEnd.Tests.Infrastructure;
using MQTTnet;

namespace EdgeBroker.EndToEnd.Tests.Overload;

/// <summary>
/// The host's bounds on what clients make it keep (docs/overload.md, "What clients can make the host keep"). Each
/// refusal concerns only the client or message beyond the bound, says so in MQTT's terms, is logged once (per client or
/// address a minute), and leaves everyone else served. The device has its own limits
/// (<see cref="DeviceLimits.DeviceLimitTests"/>); these are the host's settings.
/// </summary>
public sealed class HostLimitTests
{
    [Fact]
    public async Task Subscriptions_beyond_the_per_client_limit_are_refused_the_rest_granted_and_served()
    {
        await using var broker = await Engines.StartAsync(Engines.Host, new Dictionary<string, string?> { ["EdgeBroker:MaxSubscriptionsPerClient"] = "3" });
        await using var mqtt311 = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, await mqtt311.ConnectAsync("many-311"));

        Assert.Equal([1, 1, 1, 0x80, 0x80], await mqtt311.SubscribeAsync([("a/1", 1), ("a/2", 1), ("a/3", 1), ("a/4", 1), ("a/5", 1)]));
        Assert.Equal(0x80, await mqtt311.SubscribeAsync("a/6"));

        // A filter the client holds is replaced, not added.
        Assert.Equal(0, await mqtt311.SubscribeAsync("a/2", qos: 0));

        await using var mqtt5 = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, await mqtt5.ConnectAsync("many-5", protocolLevel: 5));
        Assert.Equal([1, 1, 1, 0x97], await mqtt5.SubscribeAsync([("b/1", 1), ("b/2", 1), ("b/3", 1), ("b/4", 1)]));

        // The granted subscriptions work; another client is not held to anyone else's count.
        await using var other = await TestClient.ConnectAsync(broker, "other");
        await other.SubscribeAsync("a/1");
        await using var publisher = await TestClient.ConnectAsync(broker, "publisher");
        await publisher.PublishAsync("a/1", "one");
        Assert.Equal("a/1", (await mqtt311.ReadPublishAsync()).Topic);
        Assert.Equal("one", (await other.ReceiveAsync()).ConvertPayloadToString());

        // Once per client a minute: the first refusal of each, not the second of many-311.
        Assert.Single(broker.LoggedProblems, line => line.Contains("Refused SUBSCRIBE from many-311") && line.Contains("MaxSubscriptionsPerClient"));
        Assert.Single(broker.LoggedProblems, line => line.Contains("Refused SUBSCRIBE from many-5"));
    }
}
