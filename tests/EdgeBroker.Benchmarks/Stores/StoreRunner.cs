using System.Diagnostics;
using System.Reflection;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using EdgeBroker.Benchmarks.Measurement;

namespace EdgeBroker.Benchmarks.Stores;

/// <summary>
/// Runs one store case with BenchmarkDotNet: in this process (no generated project to build, no second copy of the
/// solution compiled on a busy two-core machine), a monitoring job — one invocation per iteration, because every
/// iteration needs a fresh store from its setup, and a fixed number of warm-up and measured iterations — then turns
/// its statistics into messages per second.
/// </summary>
public sealed class StoreRunner(BenchmarkSettings settings, TextWriter progress)
{
    public async Task<StoreResult> RunAsync(StoreCase @case, CancellationToken cancellationToken)
    {
        if (IsDebugBuild(@case.Benchmarks.Assembly))
        {
            // BenchmarkDotNet only warns in process; a Debug figure would silently measure unoptimized code.
            return new StoreResult(@case) { Error = "the harness is a Debug build, which would measure unoptimized code: run it with -c Release" };
        }

        var artifacts = Directory.CreateTempSubdirectory("edgebroker-bdn-");
        try
        {
            var job = Job.Default
                .WithToolchain(InProcessEmitToolchain.Instance)
                .WithStrategy(RunStrategy.Monitoring)
                .WithLaunchCount(1)
                .WithWarmupCount(settings.StoreWarmupIterations)
                .WithIterationCount(settings.StoreIterations)
                .WithInvocationCount(1)
                .WithUnrollFactor(1);
            var config = ManualConfig.CreateEmpty()
                .AddJob(job)
                .AddLogger(new ProgressLogger(progress))
                .AddColumnProvider(DefaultColumnProviders.Instance)
                .WithArtifactsPath(artifacts.FullName)
                .WithOptions(ConfigOptions.DisableLogFile);

            var cpu = CpuWindow.StartWithoutBroker();

            // BenchmarkDotNet runs synchronously; on Ctrl+C the harness stops waiting and exits, which ends it.
            var summary = await Task.Run(() => BenchmarkRunner.Run(@case.Benchmarks, config), cancellationToken)
                .WaitAsync(cancellationToken).ConfigureAwait(false);
            var usage = cpu.Stop();

            if (summary.HasCriticalValidationErrors)
            {
                return new StoreResult(@case) { Error = "BenchmarkDotNet refused to run: " + string.Join(" ", summary.ValidationErrors.Select(e => e.Message)) };
            }

            var operations = new List<StoreOperationResult>();
            var failed = new List<string>();
            foreach (var report in summary.Reports)
            {
                var name = report.BenchmarkCase.Descriptor.WorkloadMethod.Name;
                if (report is { Success: true, ResultStatistics: { } statistics })
                {
                    operations.Add(new StoreOperationResult(name, statistics.Mean, statistics.StandardDeviation, statistics.N));
                }
                else
                {
                    failed.Add(name);
                }
            }

            return new StoreResult(@case)
            {
                Operations = operations,
                Cpu = usage,
                Error = failed.Count > 0 ? $"no result for {string.Join(", ", failed)} (BenchmarkDotNet's output above the report says why)" : null,
            };
        }
        finally
        {
            artifacts.Delete(recursive: true);
        }
    }

    /// <summary>Whether <paramref name="assembly"/> was compiled without optimization. A Release build of the
    /// harness builds the stores it references in Release too.</summary>
    static bool IsDebugBuild(Assembly assembly) => assembly.GetCustomAttribute<DebuggableAttribute>()?.IsJITOptimizerDisabled == true;
}
