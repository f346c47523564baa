using System.Buffers;
using System.Diagnostics;
using EdgeBroker.Benchmarks.Cases;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeBroker.Benchmarks.Load;

/// <summary>
/// A publisher of a crash case: sends numbered QoS 1 messages (the load generator's payload format, phase 1) with up to
/// <c>window</c> outstanding and remembers exactly which ones the broker acknowledged, until the broker dies under it.
/// What was acknowledged is what the broker promised to keep.
/// </summary>
public sealed class AcknowledgedPublisher : IAsyncDisposable
{
    public const int Phase = 1;

    readonly IMqttClient _client;
    readonly string _topic;
    readonly int _payloadSize;
    readonly bool[] _acknowledged;
    int _acknowledgedCount;

    AcknowledgedPublisher(IMqttClient client, int pair, string topic, int payloadSize, int count)
    {
        _client = client;
        Pair = pair;
        _topic = topic;
        _payloadSize = payloadSize;
        _acknowledged = new bool[count];
    }

    public int Pair { get; }

    /// <summary>Messages it is to send.</summary>
    public int Count => _acknowledged.Length;

    /// <summary>Messages acknowledged so far.</summary>
    public int AcknowledgedCount => Volatile.Read(ref _acknowledgedCount);

    public static async Task<AcknowledgedPublisher> ConnectAsync(BenchmarkCase @case, int pair, int port, int payloadSize, int count,
        CancellationToken cancellationToken)
    {
        var client = await LoadClientOptions.ConnectAsync(port, BenchmarkCase.PublisherClientId(pair), cancellationToken).ConfigureAwait(false);
        return new AcknowledgedPublisher(client, pair, @case.PublishTopic(pair), payloadSize, count);
    }

    /// <summary>Whether message <paramref name="sequence"/> was acknowledged. Read after <see cref="RunAsync"/> ended.</summary>
    public bool WasAcknowledged(int sequence) => _acknowledged[sequence];

    /// <summary>Sends every message once, until all are sent or the connection is gone; returns when none is in flight.</summary>
    public async Task RunAsync(int window)
    {
        using var slots = new SemaphoreSlim(window, window);
        for (var sequence = 0; sequence < _acknowledged.Length; sequence++)
        {
            await slots.WaitAsync().ConfigureAwait(false);
            if (!_client.IsConnected)
            {
                slots.Release();
                break;
            }

            _ = PublishOneAsync(sequence, slots);
        }

        for (var i = 0; i < window; i++)
        {
            await slots.WaitAsync().ConfigureAwait(false);
        }
    }

    public ValueTask DisposeAsync() => new(LoadClientOptions.CloseAsync(_client));

    async Task PublishOneAsync(int sequence, SemaphoreSlim slots)
    {
        try
        {
            var payload = new byte[_payloadSize];
            new BenchPayload(Stopwatch.GetTimestamp(), Phase, Pair, sequence).WriteTo(payload);
            var result = await _client.PublishAsync(new MqttApplicationMessage
            {
                Topic = _topic,
                Payload = new ReadOnlySequence<byte>(payload),
                QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce,
            }, CancellationToken.None).ConfigureAwait(false);
            if (result.IsSuccess)
            {
                _acknowledged[sequence] = true;
                Interlocked.Increment(ref _acknowledgedCount);
            }
        }
        catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException or ObjectDisposedException
                                      or InvalidOperationException)
        {
            // The broker died with this message in flight: it was never acknowledged, so losing it is allowed.
        }
        finally
        {
            slots.Release();
        }
    }
}
