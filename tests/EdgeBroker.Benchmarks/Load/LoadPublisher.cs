using System.Buffers;
using System.Diagnostics;
using EdgeBroker.Benchmarks.Cases;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeBroker.Benchmarks.Load;

/// <summary>What one publisher did in one phase.</summary>
public readonly record struct PublishStats(int Sent, int Failed, string? FirstError, long LastSendTimestamp);

/// <summary>
/// Publisher i of a case: sends numbered, timestamped messages to its receiver's topic with up to <c>window</c>
/// publishes outstanding. MQTTnet's PublishAsync completes on the PUBACK for QoS 1 and once the packet is written for
/// QoS 0, so the window is what keeps QoS 1 from degenerating into one round trip per message; QoS 0 uses the same
/// window so the two levels differ only in the protocol.
/// </summary>
public sealed class LoadPublisher : IAsyncDisposable
{
    readonly IMqttClient _client;
    readonly string _topic;
    readonly MqttQualityOfServiceLevel _qos;
    readonly int _payloadSize;

    LoadPublisher(IMqttClient client, int pair, string topic, int qos, int payloadSize)
    {
        _client = client;
        Pair = pair;
        _topic = topic;
        _qos = (MqttQualityOfServiceLevel)qos;
        _payloadSize = payloadSize;
    }

    public int Pair { get; }

    public static async Task<LoadPublisher> ConnectAsync(BenchmarkCase @case, int pair, int port, int payloadSize, CancellationToken cancellationToken)
    {
        var client = await LoadClientOptions.ConnectAsync(port, BenchmarkCase.PublisherClientId(pair), cancellationToken).ConfigureAwait(false);
        return new LoadPublisher(client, pair, @case.PublishTopic(pair), @case.Qos, payloadSize);
    }

    /// <summary>
    /// Sends up to <paramref name="count"/> messages stamped with <paramref name="phase"/> and sequence numbers from 0.
    /// </summary>
    /// <param name="ratePerSecond">Messages per second to offer, or null to send as fast as the window allows.</param>
    /// <param name="timeLimit">Stop sending after this long even if fewer than <paramref name="count"/> were sent.</param>
    /// <param name="window">Publishes allowed outstanding at once.</param>
    public async Task<PublishStats> RunAsync(int phase, int count, double? ratePerSecond, TimeSpan? timeLimit, int window,
        CancellationToken cancellationToken)
    {
        using var slots = new SemaphoreSlim(window, window);
        var failures = new FailureLog();
        var start = Stopwatch.GetTimestamp();
        var deadline = timeLimit is { } limit ? start + (long)(limit.TotalSeconds * Stopwatch.Frequency) : long.MaxValue;
        var ticksPerMessage = ratePerSecond is { } rate ? Stopwatch.Frequency / rate : 0;
        long lastSend = 0;
        var sent = 0;
        try
        {
            for (; sent < count && !cancellationToken.IsCancellationRequested; sent++)
            {
                if (ticksPerMessage > 0)
                {
                    await WaitUntilDueAsync(start + (long)(sent * ticksPerMessage), cancellationToken).ConfigureAwait(false);
                }

                await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
                var now = Stopwatch.GetTimestamp();
                if (now >= deadline || !_client.IsConnected)
                {
                    slots.Release();
                    failures.NoteIf(!_client.IsConnected, "the publisher's connection closed");
                    break;
                }

                lastSend = now;
                _ = PublishOneAsync(phase, sent, slots, failures);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The phase was stopped (time-out); report what was sent.
        }

        // Wait for the outstanding publishes: taking every slot back means none is left in flight. A publish MQTTnet
        // never completes is bounded by its communication time-out, so this cannot hang forever.
        for (var i = 0; i < window; i++)
        {
            await slots.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        }

        return new PublishStats(sent, failures.Count, failures.First, lastSend);
    }

    public ValueTask DisposeAsync() => new(LoadClientOptions.CloseAsync(_client));

    async Task PublishOneAsync(int phase, int sequence, SemaphoreSlim slots, FailureLog failures)
    {
        try
        {
            // A fresh buffer per message: with several publishes outstanding, a shared one could be overwritten
            // before MQTTnet has serialized it.
            var payload = new byte[_payloadSize];
            new BenchPayload(Stopwatch.GetTimestamp(), phase, Pair, sequence).WriteTo(payload);
            var message = new MqttApplicationMessage
            {
                Topic = _topic,
                Payload = new ReadOnlySequence<byte>(payload),
                QualityOfServiceLevel = _qos,
            };
            var result = await _client.PublishAsync(message, CancellationToken.None).ConfigureAwait(false);
            failures.NoteIf(!result.IsSuccess, $"PUBLISH answered {result.ReasonCode} {result.ReasonString}");
        }
        catch (Exception e)
        {
            failures.Note(e.GetType().Name + ": " + e.Message);
        }
        finally
        {
            slots.Release();
        }
    }

    /// <summary>Sleeps until the message's due time. Task.Delay has about a millisecond of granularity, so messages
    /// whose time has come are sent back to back; the offered rate holds on average without burning a core
    /// spinning (this machine has only two).</summary>
    static async Task WaitUntilDueAsync(long dueTimestamp, CancellationToken cancellationToken)
    {
        var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), dueTimestamp);
        if (wait > TimeSpan.Zero)
        {
            // Round up: Task.Delay truncates to whole milliseconds, and a 0 ms delay returns at once, which would
            // turn the wait into a busy loop.
            await Task.Delay((int)Math.Ceiling(wait.TotalMilliseconds), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Failed publishes, counted from concurrent completions; the first message is kept for the report.</summary>
    sealed class FailureLog
    {
        int _count;
        string? _first;

        public int Count => Volatile.Read(ref _count);

        public string? First => Volatile.Read(ref _first);

        public void Note(string error)
        {
            Interlocked.Increment(ref _count);
            Interlocked.CompareExchange(ref _first, error, null);
        }

        public void NoteIf(bool failed, string error)
        {
            if (failed)
            {
                Note(error);
            }
        }
    }
}
