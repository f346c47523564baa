using EdgeBroker.EndToEnd.Tests.Infrastructure;
using MQTTnet.Protocol;

namespace EdgeBroker.EndToEnd.Tests.Security;

/// <summary>A client that keeps publishing where it may not writes one warning a minute, not one per PUBLISH (on the
/// device the log is the serial console or flash); another client's refusal is still logged at once.</summary>
public sealed class RefusalLogTests
{
    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task Each_clients_refusals_are_logged_once_a_minute(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using var listener = await TestClient.ConnectAsync(broker, "listener");
        await listener.SubscribeAsync("done/#");
        await using var flooder = await TestClient.ConnectAsync(broker, "flooder");
        await using var other = await TestClient.ConnectAsync(broker, "other");

        for (var i = 0; i < 50; i++)
        {
            await flooder.PublishAsync("$SYS/forged", "x", MqttQualityOfServiceLevel.AtMostOnce);
        }

        await other.PublishAsync("$SYS/forged", "x", MqttQualityOfServiceLevel.AtMostOnce);
        // Each connection's packets are handled in order: once these arrive, the refusals before them were decided.
        await flooder.PublishAsync("done/flooder", "x");
        await other.PublishAsync("done/other", "x");
        await listener.ReceiveAsync();
        await listener.ReceiveAsync();

        var refusals = broker.LoggedProblems.Where(line => line.Contains("$SYS/forged", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, refusals.Count);
        Assert.Single(refusals, line => line.Contains("flooder", StringComparison.Ordinal));
        Assert.Single(refusals, line => line.Contains("other", StringComparison.Ordinal));
        Assert.All(refusals, line => Assert.Contains("further refusals within a minute are counted, not logged", line));
    }
}
