namespace EdgeBroker.Benchmarks.Measurement;

/// <summary>CPU time used during one measured phase, split into the broker, the harness (load clients) and
/// everything else on the machine, over <paramref name="WallSeconds"/> of wall-clock time.</summary>
public readonly record struct CpuUsage(double BrokerSeconds, double HarnessSeconds, double OtherSeconds, double WallSeconds)
{
    /// <summary>Share (0–1) of the whole machine's CPU capacity that other processes used: above a few percent, the
    /// run competed with something else and its numbers are less trustworthy.</summary>
    public double OtherShareOfMachine => WallSeconds > 0 ? OtherSeconds / (WallSeconds * Environment.ProcessorCount) : 0;

    /// <summary>Broker CPU microseconds per message, over <paramref name="messages"/> messages (NaN for none).</summary>
    public double BrokerMicrosecondsPer(int messages) => messages > 0 ? BrokerSeconds * 1e6 / messages : double.NaN;

    /// <summary>Harness CPU microseconds per message, over <paramref name="messages"/> messages (NaN for none).</summary>
    public double HarnessMicrosecondsPer(int messages) => messages > 0 ? HarnessSeconds * 1e6 / messages : double.NaN;
}

/// <summary>Takes a CPU reading when a phase starts and gives the difference when it ends.</summary>
public sealed class CpuWindow
{
    /// <summary>Null when no broker runs (the in-process store cases): everything but the harness is others'.</summary>
    readonly int? _brokerProcessId;
    readonly double _brokerStart;
    readonly double _harnessStart;
    readonly double _machineStart;
    readonly long _wallStart;

    CpuWindow(int? brokerProcessId)
    {
        _brokerProcessId = brokerProcessId;
        _brokerStart = BrokerCpuSeconds();
        _harnessStart = CpuSampler.OwnCpuSeconds();
        _machineStart = CpuSampler.MachineBusySeconds();
        _wallStart = System.Diagnostics.Stopwatch.GetTimestamp();
    }

    public static CpuWindow Start(int brokerProcessId) => new(brokerProcessId);

    /// <summary>A window over the harness alone, when no broker process runs.</summary>
    public static CpuWindow StartWithoutBroker() => new(null);

    public CpuUsage Stop()
    {
        var broker = BrokerCpuSeconds() - _brokerStart;
        var harness = CpuSampler.OwnCpuSeconds() - _harnessStart;
        var machine = CpuSampler.MachineBusySeconds() - _machineStart;
        var wall = System.Diagnostics.Stopwatch.GetElapsedTime(_wallStart).TotalSeconds;
        return new CpuUsage(broker, harness, Math.Max(0, machine - broker - harness), wall);
    }

    double BrokerCpuSeconds() => _brokerProcessId is { } id ? CpuSampler.ProcessCpuSeconds(id) : 0;
}
