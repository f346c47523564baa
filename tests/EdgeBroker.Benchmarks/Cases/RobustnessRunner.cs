using EdgeBroker.Benchmarks.Brokers;
using EdgeBroker.Benchmarks.Load;
using EdgeBroker.EndToEnd.Tests.Infrastructure;
using EdgeBroker.EndToEnd.Tests.Protocol;

namespace EdgeBroker.Benchmarks.Cases;

/// <summary>
/// Runs the Robustness case on one broker, as the end-to-end test does but for the report: the malformed mix of
/// <see cref="MalformedMix"/> (the same code, linked from the test project) with the resident memory read from /proc
/// before and after, then the idle clients' cost on a fresh broker (<see cref="IdleFootprint"/>).
/// </summary>
public sealed class RobustnessRunner(BenchmarkSettings settings, Action<string> report)
{
    /// <summary>Time for the broker to give memory back after the mix.</summary>
    static readonly TimeSpan Settle = TimeSpan.FromSeconds(10);

    public async Task<RobustnessMeasurement> RunAsync(IBrokerLauncher launcher, CancellationToken cancellationToken)
    {
        long mixBefore, mixAfter;
        await using (var broker = await BrokerProcess.StartAsync(launcher, BrokerProfile.ManyClients, cancellationToken).ConfigureAwait(false))
        {
            // A warm-up round, so code run for the first time is not counted as memory the mix left behind.
            await MalformedMix.RunAsync("127.0.0.1", broker.Port, 2 * MalformedInputs.All.Count, RobustnessCase.MixBatch, seed: 1).ConfigureAwait(false);
            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
            mixBefore = ProcessMemory.Of(broker.ProcessId).Resident;
            await MalformedMix.RunAsync("127.0.0.1", broker.Port, RobustnessCase.MixConnections, RobustnessCase.MixBatch, seed: 2).ConfigureAwait(false);
            await Task.Delay(Settle, cancellationToken).ConfigureAwait(false);
            broker.ThrowIfExited();
            mixAfter = ProcessMemory.Of(broker.ProcessId).Resident;
            report($"{launcher.Name}: malformed mix {Megabytes(mixBefore)} → {Megabytes(mixAfter)}");
        }

        var wanted = launcher.Kind == BrokerKind.Emulator ? Math.Min(settings.RobustnessIdleClients, EmulatorLauncher.MaxClients) : settings.RobustnessIdleClients;
        var idle = await IdleFootprint.MeasureAsync(launcher, wanted, readActivity: false, cancellationToken).ConfigureAwait(false);
        report($"{launcher.Name}: idle {Megabytes(idle.Before)}, {idle.Clients:N0} idle clients {Megabytes(idle.Settled.Median)} ({idle.BytesPerConnection:N0} bytes each)");
        return new RobustnessMeasurement(launcher.Kind, launcher.Name, mixBefore, mixAfter, idle);
    }

    static string Megabytes(long bytes) => $"{bytes / 1048576.0:N1} MB";
}
