using EdgeBroker.Benchmarks.Brokers;
using EdgeBroker.Benchmarks.Load;

namespace EdgeBroker.Benchmarks.Cases;

/// <summary>
/// A crash case: the receiver registers its persistent session and leaves; the publishers send it the backlog at
/// QoS 1; once half of it is acknowledged the broker is killed with SIGKILL and started again on the same data; the
/// receiver comes back and everything acknowledged must reach it. Counts what was acknowledged and what was lost.
/// mosquitto with <c>persistence true</c> writes its database every <c>autosave_interval</c> (1,800 s by default) and
/// at a clean exit, so a kill takes back what it acknowledged since; EdgeBroker acknowledges only committed messages.
/// </summary>
public sealed class CrashRunner(BenchmarkSettings settings, BrokerProcess broker, Action<string> report)
{
    /// <summary>Delivery after the restart ends once nothing new has arrived for this long.</summary>
    static readonly TimeSpan StallTimeout = TimeSpan.FromSeconds(5);

    /// <summary>How often the acknowledged count is looked at before the kill.</summary>
    static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(5);

    public async Task<CaseResult> RunAsync(BenchmarkCase @case, CancellationToken cancellationToken)
    {
        BacklogReceiver? receiver = null;
        BrokerProcess? restarted = null;
        var publishers = new List<AcknowledgedPublisher>();
        try
        {
            receiver = await BacklogReceiver.RegisterAsync(@case, broker.Port, cancellationToken).ConfigureAwait(false);
            var share = settings.BacklogMessages / settings.Pairs;
            for (var pair = 0; pair < settings.Pairs; pair++)
            {
                publishers.Add(await AcknowledgedPublisher.ConnectAsync(@case, pair, broker.Port, settings.PayloadSize, share, cancellationToken)
                    .ConfigureAwait(false));
            }

            var publishing = Task.WhenAll(publishers.Select(publisher => publisher.RunAsync(settings.Window)));
            var killAt = share * settings.Pairs / 2;
            while (publishers.Sum(p => p.AcknowledgedCount) < killAt && !publishing.IsCompleted)
            {
                await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
            }

            restarted = await broker.KillAndRestartAsync(cancellationToken).ConfigureAwait(false);
            await publishing.ConfigureAwait(false);
            var acknowledged = publishers.Sum(p => p.AcknowledgedCount);
            report($"killed with SIGKILL after {acknowledged:N0} acknowledged messages; restarted as pid {restarted.ProcessId}");

            var tally = new BacklogTally(AcknowledgedPublisher.Phase, Enumerable.Repeat(share, settings.Pairs).ToList());
            var sessionPresent = await receiver.ReconnectAsync(tally, cancellationToken).ConfigureAwait(false);
            var completed = await DeliveryWait.UntilAsync(() => AllArrived(tally, publishers, acknowledged), tally, restarted, StallTimeout, cancellationToken)
                .ConfigureAwait(false);
            var lost = publishers.Sum(p => Missing(p, tally));
            var unacknowledged = publishers.Sum(p => Unacknowledged(p, tally));
            var measurement = new CrashMeasurement(acknowledged, lost, sessionPresent, tally.Duplicates, unacknowledged, completed);
            report($"after the restart: {lost:N0} of {acknowledged:N0} acknowledged messages lost (session present: {sessionPresent})");
            return new CaseResult(@case) { Crash = measurement };
        }
        finally
        {
            await Task.WhenAll(publishers.Select(p => p.DisposeAsync().AsTask())).ConfigureAwait(false);
            if (receiver is not null)
            {
                await receiver.DisposeAsync().ConfigureAwait(false);
            }

            if (restarted is not null)
            {
                await restarted.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    static bool AllArrived(BacklogTally tally, List<AcknowledgedPublisher> publishers, int acknowledged) =>
        tally.Unique >= acknowledged && publishers.TrueForAll(p => Missing(p, tally) == 0);

    /// <summary>Messages of <paramref name="publisher"/> acknowledged but not received.</summary>
    static int Missing(AcknowledgedPublisher publisher, BacklogTally tally) =>
        Enumerable.Range(0, publisher.Count).Count(sequence => publisher.WasAcknowledged(sequence) && !tally.Saw(publisher.Pair, sequence));

    /// <summary>Messages of <paramref name="publisher"/> received although never acknowledged (in flight at the kill).</summary>
    static int Unacknowledged(AcknowledgedPublisher publisher, BacklogTally tally) =>
        Enumerable.Range(0, publisher.Count).Count(sequence => !publisher.WasAcknowledged(sequence) && tally.Saw(publisher.Pair, sequence));
}
