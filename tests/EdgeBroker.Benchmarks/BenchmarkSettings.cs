namespace EdgeBroker.Benchmarks;

/// <summary>Everything one benchmark run is configured with, after the command line has been parsed.</summary>
public sealed record BenchmarkSettings
{
    /// <summary>Publisher → receiver pairs per case.</summary>
    public int Pairs { get; init; } = 8;

    /// <summary>Messages (all pairs together) sent in each case's throughput phase.</summary>
    public int Messages { get; init; } = 200_000;

    /// <summary>Length of each case's fixed-rate latency phase.</summary>
    public TimeSpan LatencyDuration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Unmeasured full-speed sending before the throughput phase, so both brokers (and the .NET JIT on both
    /// sides) are in steady state when measuring starts.</summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Unmeasured sending at <see cref="LatencyRate"/> after <see cref="Warmup"/>: the code a broker runs at
    /// a steady rate is not all the code it runs at full speed, and a JIT compiles it optimized only after it has run
    /// for a while (docs/performance.md, "Measuring warm").</summary>
    public TimeSpan RateWarmup { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a load case's broker must have run before its measured phases start (0: as soon as the
    /// warm-ups and the quiet wait allow), the rest spent idle with the clients connected. A load warms what runs per
    /// message, not what runs per second: a .NET broker's timers (its once-a-second tick, Kestrel's heartbeat) reach
    /// their final JIT tier about 60 s after start, two rounds of 30 calls, and before that their recompiling lands in
    /// whichever phase is running (docs/performance.md, "The JIT in the measured phase and at start-up"). The same
    /// wait for every broker.</summary>
    public TimeSpan MinimumBrokerAge { get; init; } = TimeSpan.Zero;

    /// <summary>How many times the load cases run (the other cases run once, in the first round): every ratio is taken
    /// within one round, and the report adds each figure's and each target ratio's median over the rounds. On two
    /// shared cores one broker's p99 and CPU per message at the fixed rate move 2–4× between runs minutes apart, more
    /// than the targets' margins (docs/performance.md, "Rounds: the targets judged on medians").</summary>
    public int Rounds { get; init; } = 1;

    /// <summary>Offered rate (all pairs together) of the latency phase.</summary>
    public int LatencyRate { get; init; } = 8_000;

    /// <summary>Publishes each publisher may have outstanding at once. QoS 1 needs it because MQTTnet's PublishAsync
    /// awaits the PUBACK; QoS 0 uses the same window so both QoS levels run the same client code.</summary>
    public int Window { get; init; } = 16;

    /// <summary>Connections holding the idle subscriptions in the idle-subscriber cases.</summary>
    public int IdleConnections { get; init; } = 100;

    /// <summary>Subscriptions per idle connection (100 x 100 = 10,000 by default).</summary>
    public int IdleSubscriptionsPerConnection { get; init; } = 100;

    /// <summary>Messages published to the away receiver of a stored-backlog case (all publishers together).</summary>
    public int BacklogMessages { get; init; } = 10_000;

    /// <summary>Messages of an unmeasured store-and-drain round before a stored-backlog case measures (all publishers
    /// together; 0: none), so the broker starts the measured round warm, as the load cases do after
    /// <see cref="Warmup"/>: a fresh .NET broker otherwise compiles its storing and draining code during the
    /// measurement, which no C broker does.</summary>
    public int BacklogWarmupMessages { get; init; } = 50_000;

    /// <summary>How many such rounds run, each followed by a wait until the broker is quiet. One is not enough for a
    /// JIT: .NET starts its optimizing recompilation only once no new code has been compiled for 100 ms, which a
    /// first round never allows. After two rounds the host's draining code was still being recompiled optimized
    /// during the measured drain in most runs (58–64 of its methods, against 0–1 after three: docs/performance.md,
    /// "Durable QoS 1", sixth round), so three run.</summary>
    public int BacklogWarmupRounds { get; init; } = 3;

    /// <summary>Measured round trips of a federation case (one in flight).</summary>
    public int RoundTrips { get; init; } = 2_000;

    /// <summary>Measured BenchmarkDotNet iterations per store operation in the store cases (each iteration is
    /// <see cref="Stores.StoreBenchmarks.MessagesPerIteration"/> messages).</summary>
    public int StoreIterations { get; init; } = 30;

    /// <summary>Unmeasured BenchmarkDotNet iterations before them (JIT, SQLite page cache, file system).</summary>
    public int StoreWarmupIterations { get; init; } = 5;

    /// <summary>Payload size in bytes; the first bytes carry the timestamp and sequence number.</summary>
    public int PayloadSize { get; init; } = 64;

    /// <summary>Idle clients the Robustness case connects to each broker (10,000 needs <c>ulimit -n</c> above 10,100).</summary>
    public int RobustnessIdleClients { get; init; } = 2_000;

    /// <summary>Idle clients per row of the Idle case, each number against every broker.</summary>
    public IReadOnlyList<int> IdleClientCounts { get; init; } = [2_000, 10_000];

    /// <summary>Case IDs to run, in order; empty runs every case.</summary>
    public IReadOnlyList<string> CaseIds { get; init; } = [];

    /// <summary>Markdown report file, or null for stdout only.</summary>
    public FileInfo? OutputFile { get; init; }

    /// <summary>EdgeBroker.Host.dll to run; null finds the Release build in the repository.</summary>
    public FileInfo? EdgeBrokerDll { get; init; }

    /// <summary>mosquitto executable; null looks on PATH.</summary>
    public string? MosquittoPath { get; init; }

    /// <summary>Where the opt-in per-message log of every load case's fixed-rate phase goes (<c>--message-log</c>,
    /// <see cref="Measurement.MessageLog"/>), or null for none.</summary>
    public DirectoryInfo? MessageLogDirectory { get; init; }

    /// <summary>Files written <c>1</c> when a load case's fixed-rate phase starts and <c>0</c> when it ends
    /// (<c>--trace-switch</c>, <see cref="Measurement.TraceSwitch"/>); empty for none.</summary>
    public IReadOnlyList<FileInfo> TraceSwitchFiles { get; init; } = [];

    /// <summary>True when --quick shortened the phases (printed in the report so quick numbers are not mistaken for
    /// full ones).</summary>
    public bool Quick { get; init; }

    /// <summary>The shortened settings of a smoke run (about a minute for all cases). The stored backlog keeps its
    /// size: 10,000 messages is what the storage issue asks about, and it takes seconds.</summary>
    public BenchmarkSettings AsQuick() => this with
    {
        Quick = true,
        Messages = 10_000,
        LatencyDuration = TimeSpan.FromSeconds(1.5),
        Warmup = TimeSpan.FromSeconds(0.5),
        RateWarmup = TimeSpan.FromSeconds(1),
        StoreIterations = 5,
        StoreWarmupIterations = 1,
    };
}
