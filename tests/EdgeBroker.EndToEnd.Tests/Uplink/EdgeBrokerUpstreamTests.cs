using EdgeBroker.EndToEnd.Tests.Infrastructure;
using EdgeBroker.EndToEnd.Tests.Tls;
using System.Buffers;
using MQTTnet.Formatter;

namespace EdgeBroker.EndToEnd.Tests.Uplink;

/// <summary>A host gateway bridged to another EdgeBroker host over TLS with Signature authentication.</summary>
public sealed class EdgeBrokerUpstreamTests : IDisposable
{
    readonly TestCertificates _certificates = new();

    [Fact]
    public async Task After_an_outage_ten_thousand_QoS_1_messages_arrive_in_order_and_none_twice()
    {
        const int Count = 10_000;
        await using var upstream = await EdgeBrokerUpstream.StartAsync(_certificates);
        await using (var first = await CloudSubscriberAsync(upstream))
        {
        }

        await using var gateway = await Gateway.StartAsync(Gateway.Forward(upstream.GatewaySettings(), "data/#"));
        await gateway.WaitForStateAsync("connected");
        await upstream.StopAsync();
        await gateway.WaitForStateAsync("backing-off");

        await using (var sensor = await TestClient.ConnectAsync(gateway.Broker, "sensor", MqttProtocolVersion.V500))
        {
            for (var start = 0; start < Count; start += 100)
            {
                var window = Enumerable.Range(start, 100).Select(i => sensor.PublishAsync("data/seq", i.ToString())).ToList();
                Assert.All(await Task.WhenAll(window), ack => Assert.True(ack.IsSuccess, ack.ReasonCode.ToString()));
            }
        }

        Assert.Equal(Count, (await gateway.StatusAsync()).GetProperty("queued").GetInt32());
        await upstream.RestartAsync();
        await using var cloud = await CloudSubscriberAsync(upstream);

        var received = await ReceiveAsync(cloud, Count, TimeSpan.FromSeconds(60));
        Assert.Equal(Enumerable.Range(0, Count).Select(i => i.ToString()), received);
        await Eventually.WaitUntilAsync(async () => (await gateway.StatusAsync()).GetProperty("queued").GetInt32() == 0,
            () => "the queue did not drain");
        await cloud.ExpectNothingAsync();
    }

    [Fact]
    public async Task The_uplink_keeps_to_the_upstreams_receive_maximum()
    {
        const int Count = 40;
        await using var upstream = await EdgeBrokerUpstream.StartAsync(_certificates,
            settings: new Dictionary<string, string?> { ["EdgeBroker:Connections:ReceiveMaximum"] = "2" });
        await using var cloud = await CloudSubscriberAsync(upstream);
        await using var gateway = await Gateway.StartAsync(Gateway.Forward(upstream.GatewaySettings(), "data/#"));
        await gateway.WaitForStateAsync("connected");

        await using (var sensor = await TestClient.ConnectAsync(gateway.Broker, "sensor", MqttProtocolVersion.V500))
        {
            var acks = await Task.WhenAll(Enumerable.Range(0, Count).Select(i => sensor.PublishAsync("data/seq", i.ToString())));
            Assert.All(acks, ack => Assert.True(ack.IsSuccess, ack.ReasonCode.ToString()));
        }

        // Its window of 16 would break the upstream's Receive Maximum of 2 (DISCONNECT 0x93, again after every reconnect).
        Assert.Equal(Enumerable.Range(0, Count).Select(i => i.ToString()), await ReceiveAsync(cloud, Count, TimeSpan.FromSeconds(30)));
        Assert.DoesNotContain(upstream.Broker.LoggedProblems, problem => problem.Contains("Receive Maximum", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_upstream_that_stops_is_reported_with_the_reason_its_DISCONNECT_gave()
    {
        await using var upstream = await EdgeBrokerUpstream.StartAsync(_certificates);
        await using var gateway = await Gateway.StartAsync(Gateway.Forward(upstream.GatewaySettings(), "data/#"));
        await gateway.WaitForStateAsync("connected");
        var uplink = gateway.Broker.Core!.UplinkAt(0);
        var reportState = uplink.StateChanged;
        var firstError = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        uplink.StateChanged = (changed, status) =>
        {
            if (status.State == Core.Uplink.UplinkState.BackingOff)
            {
                firstError.TrySetResult(status.LastError);
            }

            reportState(changed, status);
        };

        await upstream.StopAsync();

        Assert.Equal("the upstream disconnected: ServerShuttingDown (0x8b)", await firstError.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    /// <summary>A cloud application with a persistent session on the upstream, subscribed to data/#.</summary>
    internal static async Task<TestClient> CloudSubscriberAsync(EdgeBrokerUpstream upstream)
    {
        var cloud = await TestClient.ConnectAsync(upstream.Broker, "cloud-app", MqttProtocolVersion.V500, cleanStart: false, sessionExpiry: 3600);
        await cloud.SubscribeAsync("data/#");
        return cloud;
    }

    /// <summary>Payloads in arrival order, waiting up to <paramref name="timeout"/> for all of them.</summary>
    internal static async Task<List<string>> ReceiveAsync(TestClient client, int count, TimeSpan timeout)
    {
        var received = new List<string>();
        var deadline = DateTime.UtcNow + timeout;
        while (received.Count < count && DateTime.UtcNow < deadline)
        {
            received.AddRange((await client.ReceiveAllAsync()).Select(m => System.Text.Encoding.UTF8.GetString(m.Payload.ToArray())));
        }

        return received;
    }

    public void Dispose() => _certificates.Dispose();
}
