using EdgeBroker.Benchmarks.Brokers;
using EdgeBroker.Benchmarks.Load;
using EdgeBroker.EndToEnd.Tests.Infrastructure;
using EdgeBroker.EndToEnd.Tests.Protocol;

namespace EdgeBroker.Benchmarks.Cases;

/// <summary>
/// Runs the Robustness case on one broker, as the end-to-end test does but for the report: the malformed mix of
/// <see cref="MalformedMix"/> (the same code, linked from the test project) with the resident memory read from /proc
/// before and after, then, on a fresh broker, idle clients connected and the resident memory they add.
/// </summary>
public sealed class RobustnessRunner(BenchmarkSettings settings, Action<string> report)
{
    /// <summary>Time for the broker to give memory back after the mix, and to settle after idle clients arrive.</summary>
    static readonly TimeSpan Settle = TimeSpan.FromSeconds(10);

    /// <summary>Idle clients connecting at once: the emulator's listen backlog is the device's (4).</summary>
    static int ConnectBatch(BrokerKind broker) => broker == BrokerKind.Emulator ? 4 : 100;

    public async Task<RobustnessMeasurement> RunAsync(IBrokerLauncher launcher, CancellationToken cancellationToken)
    {
        long mixBefore, mixAfter;
        await using (var broker = await BrokerProcess.StartAsync(launcher, RobustnessCase.Profile, cancellationToken).ConfigureAwait(false))
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
        await using (var broker = await BrokerProcess.StartAsync(launcher, RobustnessCase.Profile, cancellationToken).ConfigureAwait(false))
        {
            await (await IdleConnections.OpenAsync(broker.Port, 1, 1, cancellationToken).ConfigureAwait(false)).DisposeAsync().ConfigureAwait(false);
            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
            var idleBefore = ProcessMemory.Of(broker.ProcessId).Resident;
            await using var idle = await IdleConnections.OpenAsync(broker.Port, wanted, ConnectBatch(launcher.Kind), cancellationToken).ConfigureAwait(false);
            await Task.Delay(Settle, cancellationToken).ConfigureAwait(false);
            broker.ThrowIfExited();
            var idleAfter = ProcessMemory.Of(broker.ProcessId).Resident;
            var measurement = new RobustnessMeasurement(launcher.Kind, launcher.Name, mixBefore, mixAfter, idleBefore, idleAfter, idle.Accepted, idle.Refused)
            {
                Error = idle.Refused > 0 ? $"{idle.Refused:N0} of {wanted:N0} idle clients were refused" : null,
            };
            report($"{launcher.Name}: idle {Megabytes(idleBefore)}, {idle.Accepted:N0} idle clients {Megabytes(idleAfter)} ({measurement.BytesPerIdleConnection:N0} bytes each)");
            return measurement;
        }
    }

    static string Megabytes(long bytes) => $"{bytes / 1048576.0:N1} MB";
}
