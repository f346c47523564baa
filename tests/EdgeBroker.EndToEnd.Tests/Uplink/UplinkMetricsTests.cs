using EdgeBroker.EndToEnd.Tests.Infrastructure;
using EdgeBroker.EndToEnd.Tests.Monitoring;
using EdgeBroker.EndToEnd.Tests.Tls;
using MQTTnet.Formatter;

namespace EdgeBroker.EndToEnd.Tests.Uplink;

/// <summary>A gateway's uplink counters on its <c>/metrics</c>, labelled with the uplink's name, moving as messages go
/// up to a real upstream EdgeBroker host.</summary>
public sealed class UplinkMetricsTests : IDisposable
{
    readonly TestCertificates _certificates = new();

    [Fact]
    public async Task Forwarded_messages_show_as_sent_and_acknowledged_with_an_empty_queue()
    {
        const int Count = 3;
        await using var upstream = await EdgeBrokerUpstream.StartAsync(_certificates);
        await using var cloud = await EdgeBrokerUpstreamTests.CloudSubscriberAsync(upstream);
        await using var gateway = await Gateway.StartAsync(Gateway.Forward(upstream.GatewaySettings(), "data/#"));
        await gateway.WaitForStateAsync("connected");
        using var http = new HttpClient { BaseAddress = gateway.Broker.HttpBaseAddress };

        await using (var sensor = await TestClient.ConnectAsync(gateway.Broker, "sensor", MqttProtocolVersion.V500))
        {
            for (var i = 0; i < Count; i++)
            {
                Assert.True((await sensor.PublishAsync("data/temperature", i.ToString())).IsSuccess);
            }
        }

        Assert.Equal(Count, (await EdgeBrokerUpstreamTests.ReceiveAsync(cloud, Count, TimeSpan.FromSeconds(20))).Count);
        var metrics = new Dictionary<string, double>();
        await Eventually.WaitUntilAsync(async () => (metrics = await MetricsScrapeTests.ScrapeAsync(http))
                .GetValueOrDefault("edgebroker_uplink_acknowledged_total{uplink=\"cloud\"}") == Count,
            () => "acknowledged: " + metrics.GetValueOrDefault("edgebroker_uplink_acknowledged_total{uplink=\"cloud\"}"));
        Assert.True(metrics["edgebroker_uplink_sent_total{uplink=\"cloud\"}"] >= Count);
        Assert.Equal(0, metrics["edgebroker_uplink_queued{uplink=\"cloud\"}"]);
        Assert.Equal(0, metrics["edgebroker_uplink_dropped_total{uplink=\"cloud\"}"]);
        Assert.Equal(0, metrics["edgebroker_uplink_refused_total{uplink=\"cloud\"}"]);
    }

    public void Dispose() => _certificates.Dispose();
}
