using MQTTnet;
using EdgeBroker.EndToEnd.Tests.Infrastructure;
using MQTTnet.Protocol;

namespace EdgeBroker.EndToEnd.Tests.Program;

/// <summary>
/// SIGTERM — what systemd sends to stop the service, what Ctrl+C amounts to — stops the broker in order: what the store
/// holds is there after the restart, and the clients the broker disconnects to stop do not publish their wills, since
/// they did not fail. The subscribers are disconnected by the same stop, so a spurious will is looked for where it
/// would outlive the broker: queued for an away persistent session and kept as a retained message, both read back after
/// the restart.
/// </summary>
public sealed class GracefulStopTests : IDisposable
{
    const string Watcher = "GID_ops@@@watcher";
    const string Sensor = "GID_sensors@@@boiler";
    const string WillTopic = "status/boiler";

    readonly DirectoryInfo _dataDir = Directory.CreateTempSubdirectory("edgebroker-stop-");
    readonly int _port = FreePorts.Next();

    [Theory]
    [MemberData(nameof(Engines.Durable), MemberType = typeof(Engines))]
    public async Task Sigterm_keeps_stored_messages_and_publishes_no_wills(string engine)
    {
        await using (var broker = await BrokerProcess.StartAsync(engine, _port, _dataDir.FullName))
        {
            // An away persistent session that a will on status/# would be queued for.
            await using (var watcher = await TestClient.ConnectAsync(broker, Watcher, cleanStart: false))
            {
                await watcher.SubscribeAsync("status/#");
            }

            // A connected client with a retained QoS 1 will, still connected when the broker stops.
            await using var sensor = await TestClient.ConnectAsync(broker, Sensor, configure: options => options
                .WithWillTopic(WillTopic).WithWillPayload("lost").WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .WithWillRetain());
            var stored = await sensor.PublishAsync("status/boiler/temperature", "21.5");
            Assert.True(stored.IsSuccess, $"the QoS 1 message for the away watcher was refused: {stored.ReasonCode}");

            Assert.Equal(0, await broker.StopAsync());
            Assert.Contains("MQTT listener stopped", broker.Output);
        }

        await using (var broker = await BrokerProcess.StartAsync(engine, _port, _dataDir.FullName))
        {
            await using var watcher = await TestClient.ConnectAsync(broker, Watcher, cleanStart: false);
            var kept = await watcher.ReceiveAsync();
            Assert.Equal("status/boiler/temperature", kept.Topic);
            Assert.Equal("21.5", kept.ConvertPayloadToString());
            await watcher.ExpectNothingAsync();

            await using var newcomer = await TestClient.ConnectAsync(broker, "GID_ops@@@newcomer");
            await newcomer.SubscribeAsync(WillTopic);
            await newcomer.ExpectNothingAsync();
        }
    }

    public void Dispose() => _dataDir.Delete(recursive: true);
}
