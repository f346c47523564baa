using System.Diagnostics;
using EdgeBroker.Benchmarks.Brokers;
using EdgeBroker.Benchmarks.Cases;
using EdgeBroker.Benchmarks.Report;
using EdgeBroker.Benchmarks.Stores;

namespace EdgeBroker.Benchmarks;

/// <summary>
/// One run of the harness: checks that every broker the chosen cases need is there (before spending minutes on the
/// others), runs the broker cases one after another (the load cases <see cref="BenchmarkSettings.Rounds"/> times), then
/// the in-process store cases, and prints and saves the report.
/// </summary>
public sealed class BenchmarkRun(BenchmarkSettings settings, TextWriter output, TextWriter progress)
{
    public async Task<int> ExecuteAsync(CancellationToken cancellationToken)
    {
        var cases = CaseCatalog.Select(settings.CaseIds);
        var storeCases = StoreCaseCatalog.Select(settings.CaseIds);
        var uplinkCases = UplinkCaseCatalog.Select(settings.CaseIds);
        var federationCases = FederationCaseCatalog.Select(settings.CaseIds);
        var robustness = RobustnessCase.IsSelected(settings.CaseIds);
        var idle = IdleCase.IsSelected(settings.CaseIds);
        var proxy = ProxyCase.IsSelected(settings.CaseIds);
        var edgeBroker = new EdgeBrokerLauncher(settings.EdgeBrokerDll);
        var mosquitto = new MosquittoLauncher(settings.MosquittoPath);
        var launchers = new Dictionary<BrokerKind, IBrokerLauncher>
        {
            [BrokerKind.EdgeBroker] = edgeBroker,
            [BrokerKind.Mosquitto] = mosquitto,
            [BrokerKind.Emulator] = new EmulatorLauncher(),
            [BrokerKind.Aedes] = new AedesLauncher(),
            [BrokerKind.MqttNetServer] = new MqttNetServerLauncher(),
        };

        var needed = cases.Select(c => c.Broker)
            .Concat(uplinkCases.Count > 0 || federationCases.Count > 0 ? [BrokerKind.EdgeBroker, BrokerKind.Mosquitto] : [])
            .Concat(robustness ? RobustnessCase.Brokers : [])
            .Concat(idle ? IdleCase.Brokers : [])
            .Concat(proxy ? [BrokerKind.EdgeBroker] : [])
            .Distinct().Select(kind => launchers[kind]).ToList();
        foreach (var launcher in needed)
        {
            launcher.EnsureAvailable();
        }

        foreach (var warning in edgeBroker.Warnings)
        {
            progress.WriteLine("warning: " + warning);
        }

        var started = DateTimeOffset.Now;
        var clock = Stopwatch.StartNew();
        var loadBefore = MachineDescription.LoadAverage();
        var ids = cases.Select(c => c.Id).Concat(storeCases.Select(c => c.Id)).Concat(uplinkCases.Select(c => c.Id))
            .Concat(federationCases.Select(c => c.Id))
            .Concat(robustness ? [RobustnessCase.Id] : []).Concat(idle ? [IdleCase.Id] : [])
            .Concat(proxy ? [ProxyCase.Id] : []).ToList();
        progress.WriteLine($"Running {ids.Count} case(s){(settings.Quick ? " in quick mode" : string.Empty)}: {string.Join(", ", ids)}");

        var runner = new CaseRunner(settings, launchers, progress);
        var loadCases = cases.Where(c => c.Scenario == Scenario.Load).ToList();
        var roundCount = loadCases.Count > 0 ? settings.Rounds : 1;
        if (roundCount > 1)
        {
            progress.WriteLine($"[{DateTime.Now:HH:mm:ss}] round 1 of {roundCount}");
        }

        var results = new List<CaseResult>();
        foreach (var @case in cases)
        {
            results.Add(await runner.RunAsync(@case, cancellationToken).ConfigureAwait(false));
        }

        // Later rounds repeat the load cases only, backward and forward in turn, so that a machine whose speed drifts
        // over the run does not favour the same broker in every round; each round's rows go back in catalog order.
        var laterRounds = new List<IReadOnlyList<CaseResult>>();
        for (var round = 2; round <= roundCount; round++)
        {
            progress.WriteLine($"[{DateTime.Now:HH:mm:ss}] round {round} of {roundCount}");
            var roundResults = new List<CaseResult>();
            foreach (var @case in round % 2 == 0 ? Enumerable.Reverse(loadCases) : loadCases)
            {
                roundResults.Add(await runner.RunAsync(@case, cancellationToken).ConfigureAwait(false));
            }

            laterRounds.Add(roundResults.OrderBy(r => loadCases.IndexOf(r.Case)).ToList());
        }

        var storeRunner = new StoreRunner(settings, progress);
        var storeResults = new List<StoreResult>();
        foreach (var @case in storeCases)
        {
            progress.WriteLine($"[{DateTime.Now:HH:mm:ss}] {@case.Id}: BenchmarkDotNet, {settings.StoreIterations} iterations of {StoreBenchmarks.MessagesPerIteration} messages per operation");
            storeResults.Add(await storeRunner.RunAsync(@case, cancellationToken).ConfigureAwait(false));
        }

        // Only when uplink cases run: the runner needs mosquitto and the host, which a run of other brokers never looked for.
        var uplinkResults = new List<UplinkResult>();
        if (uplinkCases.Count > 0)
        {
            var uplinkRunner = new UplinkRunner(mosquitto.Executable, edgeBroker.Dll.FullName, settings.BacklogMessages, progress);
            foreach (var @case in uplinkCases)
            {
                uplinkResults.Add(await uplinkRunner.RunAsync(@case).ConfigureAwait(false));
            }
        }

        var federationResults = new List<FederationResult>();
        if (federationCases.Count > 0)
        {
            var federationRunner = new FederationRunner(mosquitto.Executable, edgeBroker.Dll.FullName, settings.RoundTrips, progress);
            foreach (var @case in federationCases)
            {
                federationResults.Add(await federationRunner.RunAsync(@case).ConfigureAwait(false));
            }
        }

        var robustnessResults = new List<RobustnessMeasurement>();
        if (robustness)
        {
            var robustnessRunner = new RobustnessRunner(settings, line => progress.WriteLine($"[{DateTime.Now:HH:mm:ss}] {RobustnessCase.Id}: {line}"));
            foreach (var kind in RobustnessCase.Brokers)
            {
                robustnessResults.Add(await robustnessRunner.RunAsync(launchers[kind], cancellationToken).ConfigureAwait(false));
            }
        }

        var idleResults = new List<IdleMeasurement>();
        if (idle)
        {
            foreach (var clients in settings.IdleClientCounts)
            {
                foreach (var kind in IdleCase.Brokers)
                {
                    var measured = await IdleFootprint.MeasureAsync(launchers[kind], clients, readActivity: true, cancellationToken).ConfigureAwait(false);
                    progress.WriteLine($"[{DateTime.Now:HH:mm:ss}] {IdleCase.Id}: {measured.BrokerName}, {measured.Clients:N0} idle clients: " +
                                       $"{measured.BytesPerConnection:N0} bytes each ({measured.BytesPerConnectionOnArrival:N0} on arrival), " +
                                       $"{measured.Activity?.CpuMsPerSecond:N2} ms of CPU and {measured.Activity?.SwitchesPerSecond:N1} context switches a second");
                    idleResults.Add(measured);
                }
            }
        }

        var proxyResults = new List<ProxyMeasurement>();
        if (proxy)
        {
            foreach (var proxied in new[] { false, true })
            {
                var measured = await ProxyFootprint.MeasureAsync(edgeBroker.Dll.FullName, proxied, ProxyCase.Devices, cancellationToken).ConfigureAwait(false);
                progress.WriteLine($"[{DateTime.Now:HH:mm:ss}] {ProxyCase.Id}: {measured.Devices:N0} devices, {measured.ProxiesConnected:N0} proxy sessions: " +
                                   $"gateway {measured.GatewayBytesPerDevice:N0} bytes per device, cloud {measured.CloudBytesPerDevice:N0}");
                proxyResults.Add(measured);
            }
        }

        var run = new RunInfo(started, clock.Elapsed, MachineDescription.Describe(), needed.Select(l => l.Description).ToList(),
            loadBefore, MachineDescription.LoadAverage(), edgeBroker.Warnings)
        {
            BrokerSettings = cases
                .Select(c => (Case: c, Profile: BrokerProfile.For(c, settings)))
                .Where(c => c.Profile != BrokerProfile.Shipped)
                .Select(c => $"{c.Case.Id}: {launchers[c.Case.Broker].Describe(c.Profile)}")
                .ToList(),
            StoreLocation = MachineDescription.FileSystemOf(Path.GetTempPath()),
        };
        var chart = new LatencyChart(results, settings.LatencyRate).Render();
        var chartFile = settings.OutputFile is { } reportFile && chart is not null ? LatencyChartFile(reportFile) : null;
        var report = new MarkdownReport(settings, run, results, storeResults, robustnessResults)
        {
            UplinkResults = uplinkResults,
            FederationResults = federationResults,
            LaterRounds = laterRounds,
            LatencyChartFileName = chartFile?.Name,
            IdleResults = idleResults,
            ProxyResults = proxyResults,
        }.Render();
        output.WriteLine(report);
        if (settings.OutputFile is { } file)
        {
            if (file.DirectoryName is { } directory)
            {
                Directory.CreateDirectory(directory);
            }

            await File.WriteAllTextAsync(file.FullName, report, cancellationToken).ConfigureAwait(false);
            progress.WriteLine($"Report written to {file.FullName}");
            if (chartFile is not null)
            {
                await File.WriteAllTextAsync(chartFile.FullName, chart, cancellationToken).ConfigureAwait(false);
                progress.WriteLine($"Latency chart written to {chartFile.FullName}");
            }
        }

        // Failing cases make the run fail, so a script cannot mistake a half-run for a result.
        return results.Concat(laterRounds.SelectMany(r => r)).All(r => r.Succeeded) && storeResults.All(r => r.Succeeded) && uplinkResults.All(r => r.Error is null)
            && federationResults.All(r => r.Error is null)
            && robustnessResults.All(r => r.Idle.Error is null) && idleResults.All(r => r.Error is null) ? 0 : 1;
    }

    /// <summary>The chart beside the report: bench.md → bench-latency.svg.</summary>
    static FileInfo LatencyChartFile(FileInfo report) =>
        new(Path.Combine(report.DirectoryName ?? ".", Path.GetFileNameWithoutExtension(report.Name) + "-latency.svg"));
}
