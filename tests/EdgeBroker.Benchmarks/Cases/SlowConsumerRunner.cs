using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using EdgeBroker.Benchmarks.Brokers;
using EdgeBroker.Benchmarks.Load;
using EdgeBroker.Benchmarks.Measurement;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeBroker.Benchmarks.Cases;

/// <summary>
/// Runs a slow-consumer case on a started broker: a healthy publisher→subscriber pair pings at a fixed rate (its
/// latency measured quietly first); then a raw-socket subscriber with a 4 KB receive buffer subscribes and never reads
/// while <see cref="Flooders"/> publishers send it QoS 0 messages at full speed. The broker's resident memory is sampled
/// throughout, and the healthy pair keeps pinging. The control cases (<see cref="BenchmarkCase.ConsumerReads"/>) flood
/// a subscriber that reads everything instead.
/// </summary>
public sealed class SlowConsumerRunner(BenchmarkSettings settings, BrokerProcess broker, Action<string> report)
{
    const int Flooders = 4;
    const int PayloadBytes = 1024;
    const int PingsPerSecond = 100;
    const string SlowTopic = "bench/slow";
    const string HealthyTopic = "bench/healthy";

    static readonly TimeSpan QuietPhase = TimeSpan.FromSeconds(3);

    public async Task<CaseResult> RunAsync(BenchmarkCase @case, CancellationToken cancellationToken)
    {
        var floodTime = settings.Quick ? TimeSpan.FromSeconds(3) : TimeSpan.FromSeconds(10);
        var pings = new HealthyPair(PingsPerSecond * (int)(QuietPhase + floodTime).TotalSeconds * 2);
        var flooders = new List<IMqttClient>();
        using var slow = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096, NoDelay = true };
        using var stopReading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var reading = Task.CompletedTask;
        try
        {
            await pings.ConnectAsync(broker.Port, cancellationToken).ConfigureAwait(false);
            var quiet = await pings.RunAsync(QuietPhase, cancellationToken).ConfigureAwait(false);
            report($"healthy pair quiet: p50 {quiet.P50Microseconds:N0} µs, p99 {quiet.P99Microseconds:N0} µs");

            await ConnectSlowSubscriberAsync(slow, broker.Port, cancellationToken).ConfigureAwait(false);
            if (@case.ConsumerReads)
            {
                reading = ReadAllAsync(slow, stopReading.Token);
            }
            for (var i = 0; i < Flooders; i++)
            {
                flooders.Add(await LoadClientOptions.ConnectAsync(broker.Port, $"flood-{i}", cancellationToken).ConfigureAwait(false));
            }

            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
            var rssBefore = ResidentMemory.Of(broker.ProcessId);
            long floodMessages;
            long rssHalfway;
            LatencySummary duringFlood;
            int healthyLost;
            long rssAfter;
            long rssPeak;
            await using (var memory = ResidentMemory.StartSampling(broker.ProcessId, TimeSpan.FromMilliseconds(50)))
            {
                var floodClock = Stopwatch.StartNew();
                var floods = flooders.Select(client => FloodAsync(client, floodTime, cancellationToken)).ToList();
                var pinging = pings.RunAsync(floodTime, cancellationToken);
                await Task.Delay(floodTime / 2, cancellationToken).ConfigureAwait(false);
                rssHalfway = ResidentMemory.Of(broker.ProcessId);
                floodMessages = (await Task.WhenAll(floods).ConfigureAwait(false)).Sum();
                duringFlood = await pinging.ConfigureAwait(false);
                healthyLost = pings.LostInLastRun;
                rssAfter = ResidentMemory.Of(broker.ProcessId);
                rssPeak = Math.Max(memory.PeakBytes, rssAfter);
                report($"flood of {floodMessages:N0} messages in {floodClock.Elapsed.TotalSeconds:N1} s; broker RSS {ResidentMemory.Megabytes(rssBefore)} → half-way " +
                       $"{ResidentMemory.Megabytes(rssHalfway)} → end {ResidentMemory.Megabytes(rssAfter)} MB (peak {ResidentMemory.Megabytes(rssPeak)}); " +
                       $"healthy p99 {duringFlood.P99Microseconds:N0} µs, {healthyLost} lost");
            }

            var measurement = new SlowConsumerMeasurement(floodTime.TotalSeconds, floodMessages, PayloadBytes, rssBefore, rssHalfway, rssPeak, rssAfter,
                quiet, duringFlood, healthyLost, !@case.ConsumerReads && IsClosedByPeer(slow));
            return new CaseResult(@case) { SlowConsumer = measurement };
        }
        finally
        {
            await stopReading.CancelAsync().ConfigureAwait(false);
            await reading.ConfigureAwait(false);
            await Task.WhenAll(flooders.Select(LoadClientOptions.CloseAsync)).ConfigureAwait(false);
            await pings.DisposeAsync().ConfigureAwait(false);
        }
    }

    static async Task<long> FloodAsync(IMqttClient client, TimeSpan duration, CancellationToken cancellationToken)
    {
        var message = new MqttApplicationMessageBuilder().WithTopic(SlowTopic).WithPayload(new byte[PayloadBytes])
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtMostOnce).Build();
        var clock = Stopwatch.StartNew();
        long sent = 0;
        while (clock.Elapsed < duration && client.IsConnected)
        {
            await client.PublishAsync(message, cancellationToken).ConfigureAwait(false);
            sent++;
        }

        return sent;
    }

    /// <summary>CONNECT (MQTT 3.1.1, clean session) and SUBSCRIBE to the flooded topic at QoS 0 by hand, reading only
    /// CONNACK and SUBACK: from then on the socket is never read.</summary>
    static async Task ConnectSlowSubscriberAsync(Socket socket, int port, CancellationToken cancellationToken)
    {
        await socket.ConnectAsync("127.0.0.1", port, cancellationToken).ConfigureAwait(false);
        byte[] connect = [0x10, 16, 0, 4, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 4, 0x02, 0x01, 0x2C, 0, 4, (byte)'s', (byte)'l', (byte)'o', (byte)'w'];
        await socket.SendAsync(connect, cancellationToken).ConfigureAwait(false);
        await ReceiveExactlyAsync(socket, 4, cancellationToken).ConfigureAwait(false);
        var topic = Encoding.ASCII.GetBytes(SlowTopic);
        var subscribe = new List<byte> { 0x82, (byte)(2 + 2 + topic.Length + 1), 0, 1, 0, (byte)topic.Length };
        subscribe.AddRange(topic);
        subscribe.Add(0);
        await socket.SendAsync(subscribe.ToArray(), cancellationToken).ConfigureAwait(false);
        await ReceiveExactlyAsync(socket, 5, cancellationToken).ConfigureAwait(false);
    }

    static async Task ReceiveExactlyAsync(Socket socket, int count, CancellationToken cancellationToken)
    {
        var buffer = new byte[count];
        for (var received = 0; received < count;)
        {
            var read = await socket.ReceiveAsync(buffer.AsMemory(received), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw new InvalidOperationException("the broker closed the slow subscriber's connection before its SUBACK");
            }

            received += read;
        }
    }

    /// <summary>The control subscriber: reads and discards everything until cancelled or closed.</summary>
    static async Task ReadAllAsync(Socket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[65536];
        try
        {
            while (await socket.ReceiveAsync(buffer, cancellationToken).ConfigureAwait(false) > 0)
            {
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException)
        {
        }
    }

    /// <summary>Reads what the broker still has for the slow subscriber, for up to 5 s: an end of stream means the broker
    /// closed it.</summary>
    static bool IsClosedByPeer(Socket socket)
    {
        var buffer = new byte[65536];
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(5))
        {
            if (!socket.Poll(TimeSpan.FromMilliseconds(500), SelectMode.SelectRead))
            {
                return false;
            }

            try
            {
                if (socket.Receive(buffer) == 0)
                {
                    return true;
                }
            }
            catch (SocketException)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A publisher and a subscriber that exchange timestamped QoS 0 pings at a fixed rate.</summary>
    sealed class HealthyPair(int capacity) : IAsyncDisposable
    {
        IMqttClient? _publisher;
        IMqttClient? _subscriber;
        LatencyRecorder _latencies = new(capacity);
        int _received;

        public int LostInLastRun { get; private set; }

        public async Task ConnectAsync(int port, CancellationToken cancellationToken)
        {
            _subscriber = await LoadClientOptions.ConnectAsync(port, "healthy-sub", cancellationToken).ConfigureAwait(false);
            _subscriber.ApplicationMessageReceivedAsync += e =>
            {
                var sent = BinaryPrimitives.ReadInt64LittleEndian(e.ApplicationMessage.Payload.FirstSpan);
                _latencies.Record(sent, Stopwatch.GetTimestamp());
                Interlocked.Increment(ref _received);
                return Task.CompletedTask;
            };
            await _subscriber.SubscribeAsync(HealthyTopic, MqttQualityOfServiceLevel.AtMostOnce, cancellationToken).ConfigureAwait(false);
            _publisher = await LoadClientOptions.ConnectAsync(port, "healthy-pub", cancellationToken).ConfigureAwait(false);
        }

        /// <summary>Pings for <paramref name="duration"/>, waits a second for the last ones, and returns their latency.</summary>
        public async Task<LatencySummary> RunAsync(TimeSpan duration, CancellationToken cancellationToken)
        {
            _latencies = new LatencyRecorder(capacity);
            Interlocked.Exchange(ref _received, 0);
            var payload = new byte[64];
            var clock = Stopwatch.StartNew();
            var sent = 0;
            while (clock.Elapsed < duration)
            {
                BinaryPrimitives.WriteInt64LittleEndian(payload, Stopwatch.GetTimestamp());
                await _publisher!.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(HealthyTopic).WithPayload(payload.ToArray())
                    .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtMostOnce).Build(), cancellationToken).ConfigureAwait(false);
                sent++;
                var next = TimeSpan.FromSeconds(sent / (double)PingsPerSecond) - clock.Elapsed;
                if (next > TimeSpan.Zero)
                {
                    await Task.Delay(next, cancellationToken).ConfigureAwait(false);
                }
            }

            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
            LostInLastRun = Math.Max(0, sent - Volatile.Read(ref _received));
            return LatencyRecorder.Summarize([_latencies]);
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var client in new[] { _publisher, _subscriber })
            {
                if (client is not null)
                {
                    await LoadClientOptions.CloseAsync(client).ConfigureAwait(false);
                }
            }
        }
    }
}
