using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Threading.Channels;
using EdgeBroker.Benchmarks.Brokers;
using EdgeBroker.Benchmarks.Measurement;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeBroker.Benchmarks.Cases;

/// <summary>What one federation case measured: round-trip latencies and each broker's CPU per round trip.</summary>
public sealed record FederationResult(FederationCase Case, int RoundTrips)
{
    public LatencySummary Latency { get; init; } = LatencySummary.Empty;

    /// <summary>CPU per round trip, µs, by broker: the cloud first, then each tier down to the sensor's gateway, then the
    /// application's gateway when it has one.</summary>
    public IReadOnlyList<double> CpuMicrosecondsPerRoundTrip { get; init; } = [];

    public string? Error { get; init; }
}

/// <summary>
/// One federation case: a cloud broker and <c>Tiers</c> gateway tiers below it, each tier a separate process bridged or
/// uplinked to the one above; a sensor on the lowest gateway sends a QoS 1 request to an application on the cloud (or,
/// gateway to gateway, on a second gateway under the cloud), which answers the sensor at once; one request in flight at a time, <c>RoundTrips</c> of them after a warm-up. EdgeBroker
/// addresses both by client ID (<c>plant/p2p/…</c>, routes learned from the gateways' announcements); mosquitto by a
/// topic per device (<c>inbox/{clientId}</c>, each subscribed to its own, the bridges forwarding <c>inbox/#</c> both ways).
/// </summary>
public sealed class FederationRunner(string mosquitto, string edgeBrokerDll, int roundTrips, TextWriter progress)
{
    const int WarmUp = 100;
    static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public async Task<FederationResult> RunAsync(FederationCase @case)
    {
        var brokers = new List<BridgeProcess>();
        try
        {
            return await MeasureAsync(@case, brokers);
        }
        catch (Exception e) when (e is BenchmarkSetupException or IOException or MQTTnet.Exceptions.MqttCommunicationException or TimeoutException)
        {
            return new FederationResult(@case, roundTrips) { Error = e.Message };
        }
        finally
        {
            foreach (var broker in brokers)
            {
                await broker.DisposeAsync();
            }
        }
    }

    async Task<FederationResult> MeasureAsync(FederationCase @case, List<BridgeProcess> brokers)
    {
        progress.WriteLine($"[{DateTime.Now:HH:mm:ss}] {@case.Id}: {roundTrips:N0} round trips through {@case.Tiers} tier(s)");
        brokers.Add(await StartAsync(@case.Design, upstreamPort: null, "cloud"));
        for (var tier = 1; tier <= @case.Tiers; tier++)
        {
            brokers.Add(await StartAsync(@case.Design, brokers[^1].Port, "gateway-" + tier));
        }

        var sensorPort = brokers[^1].Port;
        if (@case.AppOnGateway)
        {
            brokers.Add(await StartAsync(@case.Design, brokers[0].Port, "gateway-app"));
        }

        var p2p = @case.Design != FederationDesign.MosquittoTopicPerDevice;
        using var app = await ConnectAsync(brokers[@case.AppOnGateway ? ^1 : 0].Port, "app", p2p ? null : InboxOf("app"));
        app.ApplicationMessageReceivedAsync += e => app.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(AddressOf("sensor", p2p)).WithPayload(e.ApplicationMessage.Payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        var answers = Channel.CreateUnbounded<string>();
        using var sensor = await ConnectAsync(sensorPort, "sensor", p2p ? null : InboxOf("sensor"));
        sensor.ApplicationMessageReceivedAsync += e =>
        {
            answers.Writer.TryWrite(Encoding.ASCII.GetString(e.ApplicationMessage.Payload));
            return Task.CompletedTask;
        };

        await WaitForPathAsync(sensor, answers.Reader, AddressOf("app", p2p));
        for (var i = 0; i < WarmUp; i++)
        {
            await RoundTripAsync(sensor, answers.Reader, AddressOf("app", p2p), "w" + i);
        }

        var latencies = new LatencyRecorder(roundTrips);
        var cpuBefore = brokers.Select(broker => CpuSampler.ProcessCpuSeconds(broker.ProcessId)).ToList();
        for (var i = 0; i < roundTrips; i++)
        {
            var sent = Stopwatch.GetTimestamp();
            await RoundTripAsync(sensor, answers.Reader, AddressOf("app", p2p), i.ToString(CultureInfo.InvariantCulture));
            latencies.Record(sent, Stopwatch.GetTimestamp());
        }

        var cpu = brokers.Select((broker, i) => (CpuSampler.ProcessCpuSeconds(broker.ProcessId) - cpuBefore[i]) * 1e6 / roundTrips).ToList();
        return new FederationResult(@case, roundTrips) { Latency = LatencyRecorder.Summarize([latencies]), CpuMicrosecondsPerRoundTrip = cpu };
    }

    /// <summary>A broker of the case's design; below the cloud, bridged (mosquitto) or federated (EdgeBroker) to
    /// <paramref name="upstreamPort"/> as <paramref name="name"/>.</summary>
    Task<BridgeProcess> StartAsync(FederationDesign design, int? upstreamPort, string name)
    {
        if (design == FederationDesign.EdgeBrokerRetainedRoutes && upstreamPort is null)
        {
            // The cloud of retained routes: a plain mosquitto, no bridge.
            return BridgeProcess.StartMosquittoAsync(mosquitto, _ => ["set_tcp_nodelay true"], "bench-fed-");
        }

        if (design == FederationDesign.MosquittoTopicPerDevice)
        {
            // Without TCP_NODELAY a request/response over a bridge waits for delayed ACKs (about 40 ms a hop).
            return BridgeProcess.StartMosquittoAsync(mosquitto, _ => upstreamPort is { } port
                ?
                [
                    "set_tcp_nodelay true",
                    "connection " + name,
                    "address 127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture),
                    "topic inbox/# both 1",
                    "cleansession false",
                    "clientid " + name,
                    "restart_timeout 1",
                ]
                : ["set_tcp_nodelay true"], "bench-fed-");
        }

        string[] routes = design == FederationDesign.EdgeBrokerRetainedRoutes ? ["--uplink-p2p-routes", "retained"] : [];
        return BridgeProcess.StartEdgeBrokerAsync(edgeBrokerDll, _ => upstreamPort is { } port
            ? ["--uplink", "mqtt://127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture), "--uplink-client-id", name, "--uplink-p2p", .. routes]
            : []);
    }

    static string InboxOf(string clientId) => "inbox/" + clientId;

    static string AddressOf(string clientId, bool p2p) => p2p ? "plant/p2p/" + clientId : InboxOf(clientId);

    static async Task<IMqttClient> ConnectAsync(int port, string clientId, string? subscription)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId(clientId)
            .WithTimeout(Timeout).Build());
        if (subscription is not null)
        {
            await client.SubscribeAsync(subscription, MqttQualityOfServiceLevel.AtLeastOnce);
        }

        return client;
    }

    /// <summary>Sends probes until one comes back: the bridges' subscriptions or the federation's routes are in place.</summary>
    static async Task WaitForPathAsync(IMqttClient sensor, ChannelReader<string> answers, string appAddress)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            await Publish(sensor, appAddress, "probe");
            using var wait = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
            try
            {
                await answers.ReadAsync(wait.Token);
                await Task.Delay(500);
                while (answers.TryRead(out _))
                {
                }

                return;
            }
            catch (OperationCanceledException)
            {
            }
        }

        throw new BenchmarkSetupException("no probe came back from the cloud application within 30 s");
    }

    static async Task RoundTripAsync(IMqttClient sensor, ChannelReader<string> answers, string appAddress, string payload)
    {
        await Publish(sensor, appAddress, payload);
        using var wait = new CancellationTokenSource(Timeout);
        string answer;
        try
        {
            answer = await answers.ReadAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no answer to request {payload} within {Timeout.TotalSeconds} s");
        }

        if (answer != payload)
        {
            throw new BenchmarkSetupException($"answer {answer} arrived for request {payload}");
        }
    }

    static Task Publish(IMqttClient client, string topic, string payload) => client.PublishAsync(new MqttApplicationMessageBuilder()
        .WithTopic(topic).WithPayload(payload).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
}
