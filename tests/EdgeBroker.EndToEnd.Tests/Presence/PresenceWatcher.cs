using EdgeBroker.EndToEnd.Tests.Infrastructure;
using MQTTnet.Protocol;

namespace EdgeBroker.EndToEnd.Tests.Presence;

/// <summary>An application listening to presence events: an MQTT client subscribed to a <c>$SYS/presence/…</c> filter.</summary>
public sealed class PresenceWatcher : IAsyncDisposable
{
    readonly TestClient _client;

    PresenceWatcher(TestClient client)
    {
        _client = client;
    }

    public static async Task<PresenceWatcher> StartAsync(RunningBroker broker, string filter = "$SYS/presence/#")
    {
        var client = await TestClient.ConnectAsync(broker, "presence-watcher-" + Guid.NewGuid().ToString("N"));
        await client.SubscribeAsync(filter, MqttQualityOfServiceLevel.AtLeastOnce);
        return new PresenceWatcher(client);
    }

    public async Task<PresenceEvent> NextAsync()
    {
        var message = await _client.ReceiveAsync();
        Assert.Equal(MqttQualityOfServiceLevel.AtLeastOnce, message.QualityOfServiceLevel);
        return PresenceEvent.From(message);
    }

    public async Task<List<PresenceEvent>> NextAsync(int count)
    {
        var events = new List<PresenceEvent>();
        for (var i = 0; i < count; i++)
        {
            events.Add(await NextAsync());
        }

        return events;
    }

    public Task ExpectNothingAsync() => _client.ExpectNothingAsync();

    public ValueTask DisposeAsync() => _client.DisposeAsync();
}
