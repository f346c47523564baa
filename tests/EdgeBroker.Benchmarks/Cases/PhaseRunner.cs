using System.Diagnostics;
using EdgeBroker.Benchmarks.Brokers;
using EdgeBroker.Benchmarks.Load;
using EdgeBroker.Benchmarks.Measurement;

namespace EdgeBroker.Benchmarks.Cases;

/// <summary>
/// Runs the phases of one case over already-connected clients: every publisher sends, the receivers count, and the
/// phase ends when every sent message has arrived or deliveries stall. Each phase stamps its own number into the
/// payloads, so late messages of an earlier phase are never counted in a later one.
/// </summary>
public sealed class PhaseRunner(BrokerProcess broker, IReadOnlyList<LoadPublisher> publishers, IReadOnlyList<LoadReceiver> receivers, int window)
{
    /// <summary>After the publishers finish, a phase with messages still missing ends once nothing has arrived for
    /// this long: the missing messages are counted as lost.</summary>
    static readonly TimeSpan StallTimeout = TimeSpan.FromSeconds(2);

    /// <summary>How long receivers must be silent before the next phase starts.</summary>
    static readonly TimeSpan QuietPeriod = TimeSpan.FromMilliseconds(300);

    static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(10);

    /// <summary>Unmeasured sending at full speed for <paramref name="duration"/>, then waits for the queues to drain.</summary>
    public async Task WarmUpAsync(int phase, TimeSpan duration, CancellationToken cancellationToken)
    {
        if (duration <= TimeSpan.Zero)
        {
            return;
        }

        foreach (var receiver in receivers)
        {
            receiver.BeginPhase(new PhaseTally(phase, receiver.Pair, expected: 0, recordLatency: false));
        }

        await Task.WhenAll(publishers.Select(publisher =>
            publisher.RunAsync(phase, int.MaxValue, ratePerSecond: null, duration, window, cancellationToken))).ConfigureAwait(false);
        broker.ThrowIfExited();
        await WaitForQuietAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// One measured phase: each publisher sends <paramref name="messagesPerPublisher"/> messages, at
    /// <paramref name="ratePerPublisher"/> msg/s or as fast as the window allows.
    /// </summary>
    /// <param name="sendTimeLimit">Publishers stop after this long even if not done (a broker slower than any
    /// sensible figure must not hold up the whole run).</param>
    public async Task<PhaseMeasurement> MeasureAsync(int phase, int messagesPerPublisher, double? ratePerPublisher, bool recordLatency,
        TimeSpan sendTimeLimit, CancellationToken cancellationToken)
    {
        var tallies = receivers.Select(receiver => new PhaseTally(phase, receiver.Pair, messagesPerPublisher, recordLatency)).ToList();
        for (var i = 0; i < receivers.Count; i++)
        {
            receivers[i].BeginPhase(tallies[i]);
        }

        using var stopSending = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stopSending.CancelAfter(sendTimeLimit);

        var cpu = CpuWindow.Start(broker.ProcessId);
        var start = Stopwatch.GetTimestamp();
        var sending = Task.WhenAll(publishers.Select(publisher =>
            publisher.RunAsync(phase, messagesPerPublisher, ratePerPublisher, sendTimeLimit, window, stopSending.Token)));

        var completed = await WaitForDeliveriesAsync(tallies, sending, cancellationToken).ConfigureAwait(false);
        var cpuUsage = cpu.Stop();
        var stats = await sending.ConfigureAwait(false);
        broker.ThrowIfExited();

        var sent = stats.Sum(s => s.Sent);
        var delivered = tallies.Sum(t => t.Unique);
        var lastDelivery = tallies.Max(t => t.LastReceivedTimestamp);
        var lastSend = stats.Max(s => s.LastSendTimestamp);
        return new PhaseMeasurement(
            Expected: messagesPerPublisher * publishers.Count,
            Sent: sent,
            Delivered: delivered,
            Duplicates: tallies.Sum(t => t.Duplicates),
            Misrouted: tallies.Sum(t => t.Misrouted),
            OutOfRange: tallies.Sum(t => t.OutOfRange),
            PublishFailures: stats.Sum(s => s.Failed),
            FirstPublishError: stats.Select(s => s.FirstError).FirstOrDefault(e => e is not null),
            ElapsedSeconds: lastDelivery > start ? Stopwatch.GetElapsedTime(start, lastDelivery).TotalSeconds : 0,
            SendSeconds: lastSend > start ? Stopwatch.GetElapsedTime(start, lastSend).TotalSeconds : 0,
            Completed: completed,
            Cpu: cpuUsage,
            Latency: recordLatency ? LatencyRecorder.Summarize(tallies.Select(t => t.Latencies!)) : LatencySummary.Empty);
    }

    /// <summary>Waits until the receivers have been silent for <see cref="QuietPeriod"/> (at most 10 s), so one
    /// phase's backlog does not run into the next phase's measurement.</summary>
    public async Task WaitForQuietAsync(CancellationToken cancellationToken)
    {
        var limit = Stopwatch.StartNew();
        var last = receivers.Sum(r => r.TotalReceived);
        var quietSince = Stopwatch.StartNew();
        while (quietSince.Elapsed < QuietPeriod && limit.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
            var now = receivers.Sum(r => r.TotalReceived);
            if (now != last)
            {
                last = now;
                quietSince.Restart();
            }
        }
    }

    /// <summary>True when every sent message arrived; false when deliveries stalled after sending ended.</summary>
    async Task<bool> WaitForDeliveriesAsync(List<PhaseTally> tallies, Task<PublishStats[]> sending, CancellationToken cancellationToken)
    {
        var expected = tallies.Sum(t => t.Expected);
        var lastDelivered = -1;
        var sinceProgress = Stopwatch.StartNew();
        while (true)
        {
            await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
            broker.ThrowIfExited();

            var delivered = tallies.Sum(t => t.Unique);
            if (delivered != lastDelivered)
            {
                lastDelivered = delivered;
                sinceProgress.Restart();
            }

            if (delivered >= expected)
            {
                return true;
            }

            if (!sending.IsCompleted)
            {
                continue;
            }

            // Sending is over (possibly cut short): every message actually sent must arrive.
            if (sending.IsCompletedSuccessfully && delivered >= sending.Result.Sum(s => s.Sent))
            {
                return true;
            }

            if (sinceProgress.Elapsed > StallTimeout || !sending.IsCompletedSuccessfully)
            {
                return false;
            }
        }
    }
}
