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

    /// <summary>The longest the next phase waits for the one before to be delivered.</summary>
    static readonly TimeSpan DrainLimit = TimeSpan.FromSeconds(30);

    static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(10);

    /// <summary>The receivers' tallies of the phase run last, and what each publisher sent in it: the next phase starts
    /// once those messages have arrived (<see cref="WaitForDeliveryAsync"/>).</summary>
    List<PhaseTally> _lastTallies = [];
    PublishStats[] _lastSent = [];

    /// <summary>The receivers' tallies of the phase run last.</summary>
    public IReadOnlyList<PhaseTally> LastTallies => _lastTallies;

    /// <summary>Unmeasured sending for <paramref name="duration"/>, at <paramref name="ratePerPublisher"/> msg/s or as
    /// fast as the window allows, then waits for its messages to be delivered (<see cref="WaitForDeliveryAsync"/>,
    /// whose report it returns).</summary>
    public async Task<string?> WarmUpAsync(int phase, TimeSpan duration, double? ratePerPublisher, CancellationToken cancellationToken)
    {
        if (duration <= TimeSpan.Zero)
        {
            return null;
        }

        var tallies = receivers.Select(receiver => new PhaseTally(phase, receiver.Pair, expected: 0, recordLatency: false)).ToList();
        for (var i = 0; i < receivers.Count; i++)
        {
            receivers[i].BeginPhase(tallies[i]);
        }

        var stats = await Task.WhenAll(publishers.Select(publisher =>
            publisher.RunAsync(phase, int.MaxValue, ratePerPublisher, duration, window, cancellationToken))).ConfigureAwait(false);
        broker.ThrowIfExited();
        (_lastTallies, _lastSent) = (tallies, stats);
        return await WaitForDeliveryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// One measured phase: each publisher sends <paramref name="messagesPerPublisher"/> messages, at
    /// <paramref name="ratePerPublisher"/> msg/s or as fast as the window allows.
    /// </summary>
    /// <param name="sendTimeLimit">Publishers stop after this long even if not done (a broker slower than any
    /// sensible figure must not hold up the whole run).</param>
    /// <param name="recordStamps">Whether the receivers keep every message's stamps too (<see cref="LastTallies"/>).</param>
    public async Task<PhaseMeasurement> MeasureAsync(int phase, int messagesPerPublisher, double? ratePerPublisher, bool recordLatency,
        TimeSpan sendTimeLimit, CancellationToken cancellationToken, bool recordStamps = false)
    {
        var tallies = receivers.Select(receiver => new PhaseTally(phase, receiver.Pair, messagesPerPublisher, recordLatency, recordStamps)).ToList();
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

        (_lastTallies, _lastSent) = (tallies, stats);
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
            Latency: recordLatency ? LatencyRecorder.Summarize(tallies.Select(t => t.Latencies!)) : LatencySummary.Empty,
            Shortfalls: Shortfalls(tallies, start));
    }

    /// <summary>The receivers that did not get every message of their share, and when what they got arrived.</summary>
    List<ReceiverShortfall> Shortfalls(List<PhaseTally> tallies, long start)
    {
        double? AfterStart(long timestamp) => timestamp == 0 ? null : Stopwatch.GetElapsedTime(start, timestamp).TotalMilliseconds;

        var shortfalls = new List<ReceiverShortfall>();
        for (var i = 0; i < receivers.Count; i++)
        {
            var tally = tallies[i];
            if (tally.Unique < tally.Expected)
            {
                shortfalls.Add(new ReceiverShortfall(tally.Pair, tally.Unique, tally.Expected, AfterStart(tally.FirstReceivedTimestamp),
                    AfterStart(tally.LastReceivedTimestamp), receivers[i].Stale, AfterStart(receivers[i].LastStaleTimestamp)));
            }
        }

        return shortfalls;
    }

    /// <summary>
    /// Waits until every receiver has got what its publisher sent in the phase run last, or until nothing has arrived
    /// at any receiver for <see cref="StallTimeout"/> (what is missing then is not coming: a broker dropped it), at most
    /// <see cref="DrainLimit"/> — so that one phase's backlog never runs into the next phase's measurement. Waiting
    /// for 300 ms of silence alone, as the harness did before, started the next phase while a receiver whose TCP
    /// window was shut still had tens of thousands of messages of the phase before on their way; behind them, and
    /// behind the broker's queue limit, the receiver's whole share of the new phase was dropped (docs/performance.md,
    /// "The QoS 0 phase that lost a whole receiver"). Returns, for the progress log, what arrived late or never, or
    /// null when everything was there within a second.
    /// </summary>
    public async Task<string?> WaitForDeliveryAsync(CancellationToken cancellationToken)
    {
        var sent = new Dictionary<int, int>();
        for (var i = 0; i < _lastSent.Length; i++)
        {
            sent[publishers[i].Pair] = _lastSent[i].Sent;
        }

        var waited = Stopwatch.StartNew();
        var last = receivers.Sum(r => r.TotalReceived);
        var sinceProgress = Stopwatch.StartNew();
        while (Missing(sent).Count > 0 && sinceProgress.Elapsed < StallTimeout && waited.Elapsed < DrainLimit)
        {
            await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
            broker.ThrowIfExited();
            var now = receivers.Sum(r => r.TotalReceived);
            if (now != last)
            {
                last = now;
                sinceProgress.Restart();
            }
        }

        var missing = Missing(sent);
        if (missing.Count == 0 && waited.Elapsed < TimeSpan.FromSeconds(1))
        {
            return null;
        }

        var never = missing.Count == 0 ? "everything arrived" : "never arrived: " + string.Join(", ", missing.Select(m =>
            $"receiver {m.Pair} {m.Count:N0}{SequencesOf(m.Pair, sent.GetValueOrDefault(m.Pair))}"));
        return $"the phase before took {waited.Elapsed.TotalMilliseconds:N0} ms more to be delivered; {never}";
    }

    /// <summary>Which of the first <paramref name="sent"/> messages of the phase run last receiver
    /// <paramref name="pair"/> never got, for the progress log (nothing for a warm-up, whose sequence numbers are not
    /// tracked).</summary>
    string SequencesOf(int pair, int sent) =>
        _lastTallies.First(t => t.Pair == pair).MissingSequences(sent) is { Length: > 0 } ranges ? $" (sequence {ranges})" : string.Empty;

    /// <summary>The receivers that have not got everything their publisher sent in the phase run last, and how many
    /// they miss.</summary>
    List<(int Pair, int Count)> Missing(Dictionary<int, int> sent)
    {
        var missing = new List<(int Pair, int Count)>();
        foreach (var tally in _lastTallies)
        {
            var expected = sent.GetValueOrDefault(tally.Pair);
            if (tally.Unique < expected)
            {
                missing.Add((tally.Pair, expected - tally.Unique));
            }
        }

        return missing;
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
