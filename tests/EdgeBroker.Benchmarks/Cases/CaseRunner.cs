using EdgeBroker.Benchmarks.Brokers;
using EdgeBroker.Benchmarks.Load;
using EdgeBroker.Benchmarks.Measurement;

namespace EdgeBroker.Benchmarks.Cases;

/// <summary>
/// Runs one case from scratch: a fresh broker process (so no state, backlog or CPU time carries over from another
/// case), then the case's scenario — for load cases idle subscribers if the case wants them, the receivers, the
/// publishers, warm-up (at full speed, then at the fixed rate, then until the broker is quiet), the throughput phase
/// and the fixed-rate latency phase; stored-backlog cases are run by
/// <see cref="StoredBacklogRunner"/>, slow-consumer cases by <see cref="SlowConsumerRunner"/>, crash cases by
/// <see cref="CrashRunner"/>. Everything it started is stopped again, whatever happens.
/// </summary>
public sealed class CaseRunner(BenchmarkSettings settings, IReadOnlyDictionary<BrokerKind, IBrokerLauncher> launchers, TextWriter progress)
{
    const int WarmupPhase = 1;
    const int RateWarmupPhase = 2;
    const int ThroughputPhase = 3;
    const int LatencyPhase = 4;

    /// <summary>Publishers give up the throughput phase after this long, so a pathologically slow broker still lets
    /// the run finish (the report shows fewer messages sent than asked for).</summary>
    static readonly TimeSpan ThroughputTimeLimit = TimeSpan.FromSeconds(90);

    /// <summary>How long a failed case waits for its broker to finish dying, so the report names the cause (the
    /// broker's exit) rather than the symptom (a client's lost connection).</summary>
    static readonly TimeSpan BrokerExitGrace = TimeSpan.FromSeconds(1);

    public async Task<CaseResult> RunAsync(BenchmarkCase @case, CancellationToken cancellationToken)
    {
        BrokerProcess? broker = null;
        var result = new CaseResult(@case);
        try
        {
            broker = await BrokerProcess.StartAsync(launchers[@case.Broker], BrokerProfile.For(@case, settings), cancellationToken).ConfigureAwait(false);
            Report(@case, $"broker up on port {broker.Port} (pid {broker.ProcessId})");
            result = @case.Scenario switch
            {
                Scenario.StoredBacklog => await new StoredBacklogRunner(settings, broker, message => Report(@case, message)).RunAsync(@case, cancellationToken).ConfigureAwait(false),
                Scenario.SlowConsumer => await new SlowConsumerRunner(settings, broker, message => Report(@case, message)).RunAsync(@case, cancellationToken).ConfigureAwait(false),
                Scenario.Crash => await new CrashRunner(settings, broker, message => Report(@case, message)).RunAsync(@case, cancellationToken).ConfigureAwait(false),
                _ => await RunLoadAsync(@case, broker, cancellationToken).ConfigureAwait(false),
            };
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            var cause = broker?.ExitError(BrokerExitGrace) ?? e;
            Report(@case, "FAILED: " + cause.Message);
            result = result with { Error = cause is BenchmarkSetupException ? cause.Message : $"{cause.GetType().Name}: {cause.Message}" };
        }
        finally
        {
            if (broker is not null)
            {
                result = result with { BrokerProblemCount = broker.ProblemCount, BrokerProblemLines = broker.ProblemLines };
                await broker.DisposeAsync().ConfigureAwait(false);
            }
        }

        return result;
    }

    /// <summary>Idle subscribers if the case wants them, the receivers, the publishers, then warm-up, the throughput
    /// phase and the fixed-rate latency phase. The warm-up runs both kinds of load the case measures — full speed,
    /// then the fixed rate, whose code paths full speed does not warm (on the host the reactor's thread reads the
    /// packets itself at that rate, where at full speed it hands them to the thread pool) — and then waits until the
    /// broker is quiet (<see cref="QuietWait"/>), so the measured phases find its code compiled as a broker that has
    /// run for hours has it (docs/performance.md, "Measuring warm").</summary>
    async Task<CaseResult> RunLoadAsync(BenchmarkCase @case, BrokerProcess broker, CancellationToken cancellationToken)
    {
        IdleSubscribers? idle = null;
        var receivers = new List<LoadReceiver>();
        var publishers = new List<LoadPublisher>();
        try
        {
            if (@case.WithIdleSubscribers)
            {
                idle = await IdleSubscribers.ConnectAsync(broker.Port, settings.IdleConnections, settings.IdleSubscriptionsPerConnection,
                    cancellationToken).ConfigureAwait(false);
                Report(@case, $"{idle.Subscriptions:N0} idle subscriptions on {idle.Connections} connections");
            }

            // Receivers first: a P2P message to a client that is not connected yet would be queued or dropped, not
            // delivered, and a pub/sub message before the SUBACK would have no subscriber.
            for (var pair = 0; pair < settings.Pairs; pair++)
            {
                receivers.Add(await LoadReceiver.ConnectAsync(@case, pair, broker.Port, cancellationToken).ConfigureAwait(false));
            }

            for (var pair = 0; pair < settings.Pairs; pair++)
            {
                publishers.Add(await LoadPublisher.ConnectAsync(@case, pair, broker.Port, settings.PayloadSize, cancellationToken).ConfigureAwait(false));
            }

            var phases = new PhaseRunner(broker, publishers, receivers, settings.Window);
            ReportLate(@case, "warm-up", await phases.WarmUpAsync(WarmupPhase, settings.Warmup, ratePerPublisher: null, cancellationToken).ConfigureAwait(false));
            ReportLate(@case, "warm-up at the fixed rate",
                await phases.WarmUpAsync(RateWarmupPhase, settings.RateWarmup, LatencyRatePerPublisher, cancellationToken).ConfigureAwait(false));
            if (settings.MinimumBrokerAge - broker.Age is { Ticks: > 0 } untilOldEnough)
            {
                Report(@case, $"idle {untilOldEnough.TotalSeconds:N0} s, until the broker has run {settings.MinimumBrokerAge.TotalSeconds:N0} s");
                await Task.Delay(untilOldEnough, cancellationToken).ConfigureAwait(false);
            }

            Report(@case, "warm-up: " + await QuietWait.UntilQuietAsync(broker, cancellationToken).ConfigureAwait(false));

            var throughput = await phases.MeasureAsync(ThroughputPhase, Math.Max(1, settings.Messages / settings.Pairs),
                ratePerPublisher: null, recordLatency: false, ThroughputTimeLimit, cancellationToken).ConfigureAwait(false);
            Report(@case, $"throughput {throughput.DeliveredPerSecond:N0} msg/s ({throughput.Delivered:N0}/{throughput.Sent:N0} delivered)");
            ReportLate(@case, "throughput phase", await phases.WaitForDeliveryAsync(cancellationToken).ConfigureAwait(false));

            var trace = new TraceSwitch(settings.TraceSwitchFiles);
            trace.On();
            PhaseMeasurement latency;
            try
            {
                latency = await phases.MeasureAsync(LatencyPhase, LatencyMessagesPerPublisher(), LatencyRatePerPublisher, recordLatency: true,
                    settings.LatencyDuration + TimeSpan.FromSeconds(5), cancellationToken, recordStamps: settings.MessageLogDirectory is not null).ConfigureAwait(false);
            }
            finally
            {
                trace.Off();
            }

            Report(@case, $"latency p50 {latency.Latency.P50Microseconds:N0} µs, p99 {latency.Latency.P99Microseconds:N0} µs at {latency.SentPerSecond:N0} msg/s offered");
            if (settings.MessageLogDirectory is { } messageLog)
            {
                MessageLog.Write(messageLog, @case, broker, phases.LastTallies);
                Report(@case, $"message log written to {messageLog.FullName}");
            }

            var disconnected = receivers.Count(r => !r.IsConnected);
            return new CaseResult(@case)
            {
                Throughput = throughput,
                Latency = latency,
                IdleConnectionsAtEnd = idle?.ConnectedCount,
                Error = disconnected > 0 ? $"{disconnected} receiver(s) were disconnected by the end of the case" : null,
            };
        }
        finally
        {
            await Task.WhenAll(publishers.Select(p => p.DisposeAsync().AsTask())
                .Concat(receivers.Select(r => r.DisposeAsync().AsTask()))).ConfigureAwait(false);
            if (idle is not null)
            {
                await idle.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    double LatencyRatePerPublisher => (double)settings.LatencyRate / settings.Pairs;

    int LatencyMessagesPerPublisher() =>
        Math.Max(1, (int)Math.Round(settings.LatencyRate * settings.LatencyDuration.TotalSeconds / settings.Pairs));

    /// <summary>Says when a phase's messages took long to arrive after it, or never did (<see cref="PhaseRunner.WaitForDeliveryAsync"/>).</summary>
    void ReportLate(BenchmarkCase @case, string phase, string? late)
    {
        if (late is not null)
        {
            Report(@case, $"after the {phase}: {late}");
        }
    }

    void Report(BenchmarkCase @case, string message) => progress.WriteLine($"[{DateTime.Now:HH:mm:ss}] {@case.Id}: {message}");
}
