using System.Diagnostics;
using EdgeBroker.Benchmarks.Brokers;
using EdgeBroker.Benchmarks.Load;
using EdgeBroker.Benchmarks.Measurement;

namespace EdgeBroker.Benchmarks.Cases;

/// <summary>
/// A stored-backlog case on a running broker: the receiver registers its persistent session and leaves; every
/// publisher sends its share of the backlog to it (each publish completes on its PUBACK, so everything is stored when
/// the last one returns); the publishers leave; the receiver comes back, and the time from its CONNACK to the last
/// message received and acknowledged is measured, with every message checked (none missing, none twice, each sender's
/// order kept). Before that, <see cref="BenchmarkSettings.BacklogWarmupRounds"/> unmeasured rounds of the same
/// (<see cref="BenchmarkSettings.BacklogWarmupMessages"/> each, at most the backlog) store and drain a smaller backlog,
/// each followed by a wait until the broker is quiet (<see cref="QuietWait"/>), so the measured round finds the broker
/// warm: its storing and draining code compiled optimized, as in a broker that has run for hours. Between the measured
/// store and drain the broker is left until it is quiet again, once the publishers have left.
/// </summary>
public sealed class StoredBacklogRunner(BenchmarkSettings settings, BrokerProcess broker, Action<string> report)
{
    const int BacklogPhase = 1;

    /// <summary>Warm-up round r (from 0) stamps phase <c>FirstWarmupPhase + r</c>, so a late message of one round is
    /// never counted in the next.</summary>
    const int FirstWarmupPhase = 2;

    /// <summary>Publishers give up after this long, so a broker that stops acknowledging cannot hold up the run.</summary>
    static readonly TimeSpan StoreTimeLimit = TimeSpan.FromSeconds(120);

    /// <summary>Delivery ends once nothing new has arrived for this long: what is still missing then is reported
    /// missing. Longer than EdgeBroker's batch interval (5 s), should batching ever be on.</summary>
    static readonly TimeSpan StallTimeout = TimeSpan.FromSeconds(10);

    public async Task<CaseResult> RunAsync(BenchmarkCase @case, CancellationToken cancellationToken)
    {
        BacklogReceiver? receiver = null;
        var publishers = new List<LoadPublisher>();
        try
        {
            receiver = await BacklogReceiver.RegisterAsync(@case, broker.Port, cancellationToken).ConfigureAwait(false);
            for (var pair = 0; pair < settings.Pairs; pair++)
            {
                publishers.Add(await LoadPublisher.ConnectAsync(@case, pair, broker.Port, settings.PayloadSize, cancellationToken).ConfigureAwait(false));
            }

            if (Math.Min(settings.BacklogWarmupMessages, settings.BacklogMessages) is var warmup and > 0)
            {
                for (var round = 0; round < settings.BacklogWarmupRounds; round++)
                {
                    await WarmUpAsync(FirstWarmupPhase + round, receiver, publishers, SharesPerSender(warmup), cancellationToken).ConfigureAwait(false);
                }
            }

            var shares = SharesPerSender(settings.BacklogMessages);
            var storeCpu = CpuWindow.Start(broker.ProcessId);
            var storeStart = Stopwatch.GetTimestamp();
            var stats = await Task.WhenAll(publishers.Select(publisher =>
                publisher.RunAsync(BacklogPhase, shares[publisher.Pair], ratePerSecond: null, StoreTimeLimit, settings.Window, cancellationToken))).ConfigureAwait(false);
            var storeSeconds = Stopwatch.GetElapsedTime(storeStart).TotalSeconds;
            var storeUsage = storeCpu.Stop();
            broker.ThrowIfExited();
            var sent = stats.Sum(s => s.Sent);
            report($"{sent:N0} messages stored in {storeSeconds:N2} s ({sent / storeSeconds:N0} msg/s)");

            // The publishers leave before the receiver comes back, and the broker is left until it is quiet, so the
            // delivery is measured on its own: the warm-up rounds keep their publishers, so this is the first time the
            // broker ends sessions, and its handling of that (compiled now, its presence events' code tiered up) ran
            // into the measured drain — up to a fifth of a drain's samples on the JIT's thread (docs/performance.md,
            // "Sixth round").
            await Task.WhenAll(publishers.Select(p => p.DisposeAsync().AsTask())).ConfigureAwait(false);
            publishers.Clear();
            var quiet = await QuietWait.UntilQuietAsync(broker, cancellationToken).ConfigureAwait(false);
            report($"publishers left; {quiet}");

            var tally = new BacklogTally(BacklogPhase, stats.Select(s => s.Sent).ToList());
            var deliverCpu = CpuWindow.Start(broker.ProcessId);
            var sessionPresent = await receiver.ReconnectAsync(tally, cancellationToken).ConfigureAwait(false);
            var completed = await DeliveryWait.UntilAsync(() => receiver.CompletedTimestamp != 0, tally, broker, StallTimeout, cancellationToken)
                .ConfigureAwait(false);
            var deliverUsage = deliverCpu.Stop();
            broker.ThrowIfExited();

            var end = completed ? receiver.CompletedTimestamp : tally.LastUniqueTimestamp;
            var connAck = receiver.ConnAckTimestamp;
            var measurement = new StoredBacklogMeasurement(
                Expected: shares.Sum(),
                Sent: sent,
                PublishFailures: stats.Sum(s => s.Failed),
                FirstPublishError: stats.Select(s => s.FirstError).FirstOrDefault(e => e is not null),
                StoreSeconds: storeSeconds,
                SessionPresent: sessionPresent,
                Delivered: tally.Unique,
                Duplicates: tally.Duplicates,
                OutOfOrder: tally.OutOfOrder,
                Unplaced: tally.Unplaced,
                ReceivedWhileAway: receiver.ReceivedWhileAway,
                DeliverSeconds: connAck > 0 && end > connAck ? Stopwatch.GetElapsedTime(connAck, end).TotalSeconds : 0,
                Completed: completed,
                StoreCpu: storeUsage,
                DeliverCpu: deliverUsage);
            report($"{measurement.Delivered:N0}/{sent:N0} delivered in {measurement.DeliverSeconds * 1000:N0} ms after the CONNACK" +
                   (completed ? string.Empty : $" (stalled: {measurement.Missing:N0} missing)"));

            return new CaseResult(@case)
            {
                Backlog = measurement,
                Error = sessionPresent ? null : "the reconnecting receiver's CONNACK said session present = 0: the broker did not keep its session",
            };
        }
        finally
        {
            await Task.WhenAll(publishers.Select(p => p.DisposeAsync().AsTask())).ConfigureAwait(false);
            if (receiver is not null)
            {
                await receiver.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>One unmeasured round: <paramref name="shares"/> stored for the away receiver, which comes back, takes
    /// them all (or stalls) and leaves again with its session kept; then the broker is left until it is quiet.</summary>
    async Task WarmUpAsync(int phase, BacklogReceiver receiver, List<LoadPublisher> publishers, int[] shares, CancellationToken cancellationToken)
    {
        var stats = await Task.WhenAll(publishers.Select(publisher =>
            publisher.RunAsync(phase, shares[publisher.Pair], ratePerSecond: null, StoreTimeLimit, settings.Window, cancellationToken))).ConfigureAwait(false);
        var tally = new BacklogTally(phase, stats.Select(s => s.Sent).ToList());
        await receiver.ReconnectAsync(tally, cancellationToken).ConfigureAwait(false);
        await DeliveryWait.UntilAsync(() => receiver.CompletedTimestamp != 0, tally, broker, StallTimeout, cancellationToken).ConfigureAwait(false);
        await receiver.LeaveAsync(cancellationToken).ConfigureAwait(false);
        broker.ThrowIfExited();
        var quiet = await QuietWait.UntilQuietAsync(broker, cancellationToken).ConfigureAwait(false);
        report($"warm-up: {tally.Unique:N0} of {stats.Sum(s => s.Sent):N0} stored and delivered (not measured); {quiet}");
    }

    /// <summary><paramref name="messages"/> split over the publishers as evenly as it goes.</summary>
    int[] SharesPerSender(int messages) =>
        Enumerable.Range(0, settings.Pairs)
            .Select(pair => messages / settings.Pairs + (pair < messages % settings.Pairs ? 1 : 0))
            .ToArray();
}
