using System.CommandLine;
using EdgeBroker.Benchmarks.Cases;
using EdgeBroker.Benchmarks.Stores;

namespace EdgeBroker.Benchmarks.Cli;

/// <summary>
/// The harness's flags. Numeric flags are nullable with no System.CommandLine default, so a flag given next to
/// --quick overrides the quick value instead of being indistinguishable from the default.
/// </summary>
public sealed class BenchmarkCommandLine
{
    static readonly BenchmarkSettings Defaults = new();

    readonly Option<int?> _pairs = new("--pairs") { Description = $"Publisher→receiver pairs per case (default {Defaults.Pairs})." };
    readonly Option<int?> _messages = new("--messages") { Description = $"Messages per case in the throughput phase, all pairs together (default {Defaults.Messages:N0}; --quick: {Defaults.AsQuick().Messages:N0})." };
    readonly Option<double?> _duration = new("--duration") { Description = $"Seconds of the fixed-rate latency phase per case (default {Defaults.LatencyDuration.TotalSeconds}; --quick: {Defaults.AsQuick().LatencyDuration.TotalSeconds})." };
    readonly Option<double?> _warmup = new("--warmup") { Description = $"Seconds of unmeasured full-speed sending before the throughput phase (default {Defaults.Warmup.TotalSeconds}; --quick: {Defaults.AsQuick().Warmup.TotalSeconds})." };
    readonly Option<double?> _rateWarmup = new("--rate-warmup") { Description = $"Seconds of unmeasured sending at the fixed rate after the full-speed warm-up; 0 for none (default {Defaults.RateWarmup.TotalSeconds}; --quick: {Defaults.AsQuick().RateWarmup.TotalSeconds})." };
    readonly Option<double?> _brokerAge = new("--broker-age") { Description = $"Seconds a load case's broker must have run before its measured phases start, waited idle after the warm-ups; 60 or more lets a .NET broker's once-a-second timers reach their final JIT tier (default {Defaults.MinimumBrokerAge.TotalSeconds})." };
    readonly Option<int?> _rate = new("--rate") { Description = $"Offered rate of the latency phase in msg/s, all pairs together (default {Defaults.LatencyRate:N0})." };
    readonly Option<int?> _rounds = new("--rounds") { Description = $"Times the load cases run, forward then backward in turn, each round's ratios taken within it; the report adds the median of every figure and target ratio over the rounds (default {Defaults.Rounds})." };
    readonly Option<int?> _window = new("--window") { Description = $"Outstanding publishes per publisher, both QoS levels and both brokers (default {Defaults.Window})." };
    readonly Option<int?> _idleConnections = new("--idle-connections") { Description = $"Connections holding the idle subscriptions (default {Defaults.IdleConnections})." };
    readonly Option<int?> _idleSubscriptions = new("--idle-subscriptions") { Description = $"Subscriptions per idle connection (default {Defaults.IdleSubscriptionsPerConnection})." };
    readonly Option<int?> _backlog = new("--backlog") { Description = $"Messages stored for the away receiver in the stored-backlog cases, all publishers together (default {Defaults.BacklogMessages:N0}, also with --quick)." };
    readonly Option<int?> _backlogWarmup = new("--backlog-warmup") { Description = $"Messages of an unmeasured store-and-drain round before each stored-backlog case, all publishers together; 0 for none (default {Defaults.BacklogWarmupMessages:N0})." };
    readonly Option<int?> _backlogWarmupRounds = new("--backlog-warmup-rounds") { Description = $"Unmeasured store-and-drain rounds before each stored-backlog case, each followed by a wait until the broker is quiet (default {Defaults.BacklogWarmupRounds})." };
    readonly Option<int?> _roundTrips = new("--round-trips") { Description = $"Measured round trips of each federation case, one in flight (default {Defaults.RoundTrips:N0})." };
    readonly Option<int?> _storeIterations = new("--store-iterations") { Description = $"Measured BenchmarkDotNet iterations per store operation (default {Defaults.StoreIterations}; --quick: {Defaults.AsQuick().StoreIterations})." };
    readonly Option<string?> _cases = new("--cases") { Description = "Comma-separated case IDs to run (default: all). IDs: " + string.Join(", ", KnownCaseIds) + "." };
    readonly Option<bool> _quick = new("--quick") { Description = "Fast smoke run (about a minute for all cases); numbers are indicative only." };
    readonly Option<FileInfo?> _out = new("--out") { Description = "Also write the Markdown report to this file." };
    readonly Option<FileInfo?> _edgeBroker = new("--edgebroker-dll") { Description = "EdgeBroker.Host.dll to benchmark (default: host/EdgeBroker.Host/bin/Release/net10.0/ in this repository)." };
    readonly Option<int?> _robustnessIdleClients = new("--robustness-idle-clients") { Description = $"Idle clients the robustness case connects to each broker (default {Defaults.RobustnessIdleClients:N0}; 10,000 needs ulimit -n above 10,100)." };
    readonly Option<string?> _idleClients = new("--idle-clients") { Description = $"Comma-separated numbers of idle clients for the idle case (default {string.Join(',', Defaults.IdleClientCounts)}; 10,000 needs ulimit -n above 10,100)." };
    readonly Option<DirectoryInfo?> _messageLog = new("--message-log") { Description = "Write every message of each load case's fixed-rate phase (send and receive stamps, CLOCK_MONOTONIC ns), the load clients' and the broker's sockets and both processes' threads to CSV files in this directory (tests/EdgeBroker.Benchmarks/tail/)." };
    readonly Option<FileInfo[]?> _traceSwitch = new("--trace-switch") { Description = "Write 1 to this file when a load case's fixed-rate phase starts and 0 when it ends (an ftrace instance's tracing_on; may be given more than once; tests/EdgeBroker.Benchmarks/tail/)." };
    readonly Option<string?> _mosquitto = new("--mosquitto") { Description = "mosquitto executable (default: found on PATH)." };

    public BenchmarkCommandLine()
    {
        Root = new RootCommand("EdgeBroker benchmark: P2P and pub/sub throughput, latency and broker CPU against mosquitto, durable delivery, store rates.")
        {
            _pairs, _messages, _duration, _warmup, _rateWarmup, _brokerAge, _rate, _rounds, _window, _idleConnections, _idleSubscriptions, _backlog, _backlogWarmup,
            _backlogWarmupRounds, _roundTrips, _storeIterations, _cases, _quick, _out,
            _edgeBroker, _mosquitto, _robustnessIdleClients, _idleClients, _messageLog, _traceSwitch,
        };
        Root.Validators.Add(result =>
        {
            foreach (var problem in Problems(result))
            {
                result.AddError(problem);
            }
        });
    }

    public RootCommand Root { get; }

    /// <summary>The settings the flags describe (quick values first, then every flag that was given).</summary>
    public BenchmarkSettings ToSettings(ParseResult result)
    {
        var settings = result.GetValue(_quick) ? Defaults.AsQuick() : Defaults;
        return settings with
        {
            Pairs = result.GetValue(_pairs) ?? settings.Pairs,
            Messages = result.GetValue(_messages) ?? settings.Messages,
            LatencyDuration = result.GetValue(_duration) is { } duration ? TimeSpan.FromSeconds(duration) : settings.LatencyDuration,
            Warmup = result.GetValue(_warmup) is { } warmup ? TimeSpan.FromSeconds(warmup) : settings.Warmup,
            RateWarmup = result.GetValue(_rateWarmup) is { } rateWarmup ? TimeSpan.FromSeconds(rateWarmup) : settings.RateWarmup,
            MinimumBrokerAge = result.GetValue(_brokerAge) is { } brokerAge ? TimeSpan.FromSeconds(brokerAge) : settings.MinimumBrokerAge,
            LatencyRate = result.GetValue(_rate) ?? settings.LatencyRate,
            Rounds = result.GetValue(_rounds) ?? settings.Rounds,
            Window = result.GetValue(_window) ?? settings.Window,
            IdleConnections = result.GetValue(_idleConnections) ?? settings.IdleConnections,
            IdleSubscriptionsPerConnection = result.GetValue(_idleSubscriptions) ?? settings.IdleSubscriptionsPerConnection,
            BacklogMessages = result.GetValue(_backlog) ?? settings.BacklogMessages,
            BacklogWarmupMessages = result.GetValue(_backlogWarmup) ?? settings.BacklogWarmupMessages,
            BacklogWarmupRounds = result.GetValue(_backlogWarmupRounds) ?? settings.BacklogWarmupRounds,
            RoundTrips = result.GetValue(_roundTrips) ?? settings.RoundTrips,
            StoreIterations = result.GetValue(_storeIterations) ?? settings.StoreIterations,
            CaseIds = SplitCases(result.GetValue(_cases)),
            OutputFile = result.GetValue(_out),
            EdgeBrokerDll = result.GetValue(_edgeBroker),
            MosquittoPath = result.GetValue(_mosquitto),
            RobustnessIdleClients = result.GetValue(_robustnessIdleClients) ?? settings.RobustnessIdleClients,
            IdleClientCounts = SplitCounts(result.GetValue(_idleClients)) ?? settings.IdleClientCounts,
            MessageLogDirectory = result.GetValue(_messageLog),
            TraceSwitchFiles = result.GetValue(_traceSwitch) ?? [],
        };
    }

    IEnumerable<string> Problems(System.CommandLine.Parsing.CommandResult result)
    {
        foreach (var (option, value) in new (Option<int?>, int?)[]
                 {
                     (_pairs, result.GetValue(_pairs)), (_messages, result.GetValue(_messages)), (_rate, result.GetValue(_rate)), (_rounds, result.GetValue(_rounds)),
                     (_window, result.GetValue(_window)), (_backlog, result.GetValue(_backlog)), (_roundTrips, result.GetValue(_roundTrips)), (_storeIterations, result.GetValue(_storeIterations)),
                     (_robustnessIdleClients, result.GetValue(_robustnessIdleClients)),
                 })
        {
            if (value is < 1)
            {
                yield return $"{option.Name} must be at least 1 (is {value}).";
            }
        }

        foreach (var (option, value) in new (Option<int?>, int?)[]
                 {
                     (_idleConnections, result.GetValue(_idleConnections)), (_idleSubscriptions, result.GetValue(_idleSubscriptions)),
                     (_backlogWarmup, result.GetValue(_backlogWarmup)), (_backlogWarmupRounds, result.GetValue(_backlogWarmupRounds)),
                 })
        {
            if (value is < 0)
            {
                yield return $"{option.Name} must not be negative (is {value}).";
            }
        }

        if (result.GetValue(_idleClients) is { } idleClients && SplitCounts(idleClients) is var counts && (counts is not { Length: > 0 } || counts.Any(c => c < 1)))
        {
            yield return $"--idle-clients must be positive whole numbers separated by commas (is '{idleClients}').";
        }

        if (result.GetValue(_duration) is <= 0)
        {
            yield return "--duration must be more than 0 seconds.";
        }

        if (result.GetValue(_warmup) is < 0)
        {
            yield return "--warmup must not be negative.";
        }

        if (result.GetValue(_rateWarmup) is < 0)
        {
            yield return "--rate-warmup must not be negative.";
        }

        if (result.GetValue(_brokerAge) is < 0)
        {
            yield return "--broker-age must not be negative.";
        }

        foreach (var id in SplitCases(result.GetValue(_cases)))
        {
            if (CaseCatalog.Find(id) is null && StoreCaseCatalog.Find(id) is null && UplinkCaseCatalog.Find(id) is null
                && FederationCaseCatalog.Find(id) is null
                && !string.Equals(id, RobustnessCase.Id, StringComparison.OrdinalIgnoreCase) && !string.Equals(id, IdleCase.Id, StringComparison.OrdinalIgnoreCase)
                && !string.Equals(id, ProxyCase.Id, StringComparison.OrdinalIgnoreCase))
            {
                yield return $"Unknown case '{id}'. Known cases: {string.Join(", ", KnownCaseIds)}.";
            }
        }
    }

    static IEnumerable<string> KnownCaseIds =>
        CaseCatalog.All.Select(c => c.Id).Concat(StoreCaseCatalog.All.Select(c => c.Id)).Concat(UplinkCaseCatalog.All.Select(c => c.Id))
            .Concat(FederationCaseCatalog.All.Select(c => c.Id)).Append(RobustnessCase.Id).Append(IdleCase.Id).Append(ProxyCase.Id);

    /// <summary>The numbers of a comma-separated list; null when there is no list, an empty array when a number is not one.</summary>
    static int[]? SplitCounts(string? counts)
    {
        if (counts is null)
        {
            return null;
        }

        var parts = counts.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var numbers = new int[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], System.Globalization.NumberStyles.AllowThousands, System.Globalization.CultureInfo.InvariantCulture, out numbers[i]))
            {
                return [];
            }
        }

        return numbers;
    }

    static string[] SplitCases(string? cases) =>
        cases?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
}
