using EdgeBroker.EndToEnd.Tests.Infrastructure;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeBroker.EndToEnd.Tests.Offline;

/// <summary>What a persistent session and the broker's store keep across a broker restart on the same data.</summary>
public sealed class RestartTests : IDisposable
{
    readonly DirectoryInfo _dataDir = Directory.CreateTempSubdirectory("edgebroker-restart-");

    Dictionary<string, string?> Settings => new() { [HostEngine.DataDirKey] = _dataDir.FullName };

    [Theory]
    [MemberData(nameof(Engines.Durable), MemberType = typeof(Engines))]
    public async Task Sessions_subscriptions_and_qos1_messages_survive_and_qos0_does_not(string engine)
    {
        await using (var broker = await Engines.StartAsync(engine, Settings))
        {
            var device = await TestClient.ConnectAsync(broker, "GID_x@@@dev", cleanStart: false);
            await device.SubscribeAsync("alerts/#");
            await device.DisposeAsync();
            await using var sender = await TestClient.ConnectAsync(broker, "sender");
            await sender.PublishAsync("app/p2p/GID_x@@@dev", "p2p kept");
            await sender.PublishAsync("alerts/fire", "subscription kept");
            await sender.PublishAsync("alerts/noise", "qos0 not kept", MqttQualityOfServiceLevel.AtMostOnce);
        }

        await using (var broker = await Engines.StartAsync(engine, Settings))
        {
            await using var device = await TestClient.ConnectAsync(broker, "GID_x@@@dev", cleanStart: false);
            Assert.True(device.ConnectResult.IsSessionPresent);
            Assert.Equal(["p2p kept", "subscription kept"], await device.ReceivePayloadsAsync(2));

            // The subscription came back too: no SUBSCRIBE after the restart.
            await using var sender = await TestClient.ConnectAsync(broker, "sender");
            await sender.PublishAsync("alerts/flood", "after restart");
            Assert.Equal("after restart", (await device.ReceiveAsync()).ConvertPayloadToString());
            await device.ExpectNothingAsync();
        }
    }

    [Theory]
    [MemberData(nameof(Engines.Durable), MemberType = typeof(Engines))]
    public async Task Retained_messages_survive(string engine)
    {
        await using (var broker = await Engines.StartAsync(engine, Settings))
        {
            await using var publisher = await TestClient.ConnectAsync(broker, "publisher");
            await publisher.PublishAsync("status/gateway", "online", retain: true);
            await publisher.PublishAsync("status/old", "gone soon", retain: true);
            await publisher.PublishAsync("status/old", "", retain: true);
        }

        await using (var broker = await Engines.StartAsync(engine, Settings))
        {
            await using var subscriber = await TestClient.ConnectAsync(broker, "subscriber");
            await subscriber.SubscribeAsync("status/#");
            var message = await subscriber.ReceiveAsync();
            Assert.Equal("status/gateway", message.Topic);
            Assert.True(message.Retain);
            await subscriber.ExpectNothingAsync();
        }
    }

    [Theory]
    [MemberData(nameof(Engines.Durable), MemberType = typeof(Engines))]
    public async Task A_clean_session_leaves_nothing_behind_for_the_next_start(string engine)
    {
        await using (var broker = await Engines.StartAsync(engine, Settings))
        {
            var device = await TestClient.ConnectAsync(broker, "GID_x@@@dev", cleanStart: false);
            await device.SubscribeAsync("alerts/#");
            await device.DisposeAsync();
            var clean = await TestClient.ConnectAsync(broker, "GID_x@@@dev", cleanStart: true);
            await clean.DisposeAsync();
        }

        await using (var broker = await Engines.StartAsync(engine, Settings))
        {
            await using var device = await TestClient.ConnectAsync(broker, "GID_x@@@dev", cleanStart: false);
            Assert.False(device.ConnectResult.IsSessionPresent);
        }
    }

    public void Dispose() => _dataDir.Delete(recursive: true);
}
