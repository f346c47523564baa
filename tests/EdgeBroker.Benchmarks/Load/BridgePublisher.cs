using System.Globalization;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeBroker.Benchmarks.Load;

/// <summary>The sensor of an uplink case: publishes sequence numbers to <c>data/seq</c> at QoS 1 on the gateway, 100
/// in flight at a time (MQTTnet sends them in order), each acknowledged before the case goes on.</summary>
public static class BridgePublisher
{
    const int Window = 100;

    public static async Task PublishAsync(int port, int first, int count)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId("bench-sensor")
            .WithTimeout(TimeSpan.FromSeconds(30)).Build());
        for (var start = first; start < first + count; start += Window)
        {
            var window = Enumerable.Range(start, Math.Min(Window, first + count - start)).Select(i => client.PublishAsync(
                new MqttApplicationMessageBuilder().WithTopic("data/seq").WithPayload(i.ToString(CultureInfo.InvariantCulture))
                    .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build()));
            await Task.WhenAll(window);
        }

        await client.DisconnectAsync();
    }

    /// <summary>Publishes probes until <paramref name="receiver"/> sees one: the whole path, bridge subscription
    /// included, is up.</summary>
    public static async Task WaitForPathAsync(int port, BridgeReceiver receiver)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId("bench-probe").Build());
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!receiver.ProbeSeen)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new BenchmarkSetupException("the bridge did not carry a probe to the upstream within 30 s");
            }

            await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("data/probe").WithPayload("probe")
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
            await Task.Delay(200);
        }

        await client.DisconnectAsync();
        await Task.Delay(500);
        receiver.Reset();
    }
}
