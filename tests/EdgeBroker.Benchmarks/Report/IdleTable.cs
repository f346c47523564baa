using System.Globalization;
using System.Text;
using EdgeBroker.Benchmarks.Brokers;
using EdgeBroker.Benchmarks.Cases;
using EdgeBroker.Benchmarks.Measurement;

namespace EdgeBroker.Benchmarks.Report;

/// <summary>The Idle case: per number of idle clients, each broker's idle resident memory and bytes per idle connection
/// (on arrival and settled), its start-up time to listening, and what it does while nothing happens (CPU time and
/// context switches a second), against mosquitto with the same number of clients in the same run.</summary>
sealed class IdleTable(IReadOnlyList<IdleMeasurement> measurements)
{
    static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public void Write(StringBuilder text)
    {
        if (measurements.Count == 0)
        {
            return;
        }

        text.AppendLine("## Idle connections").AppendLine();
        text.AppendLine("| Broker | Idle clients | Idle RSS (MB) | RSS with the clients, settled (MB) | Bytes per idle connection, settled | its readings' range | vs mosquitto | Bytes per idle connection on arrival | vs mosquitto | Idle RSS vs mosquitto | Start-up to listening (ms) | vs mosquitto | Idle CPU (ms/s) | vs mosquitto | Context switches/s | vs mosquitto |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var m in measurements)
        {
            var mosquitto = measurements.FirstOrDefault(o => o.Broker == BrokerKind.Mosquitto && o.Wanted == m.Wanted);
            text.AppendLine(Invariant,
                $"| {m.BrokerName} | {m.Clients:N0} | {ResidentMemory.Megabytes(m.Before)} | {ResidentMemory.Megabytes(m.Settled.Median)} | {m.BytesPerConnection:N0} " +
                $"| {m.BytesPerConnectionRange.Lowest:N0}–{m.BytesPerConnectionRange.Highest:N0} | {MarkdownText.Ratio(m.BytesPerConnection, mosquitto?.BytesPerConnection)} | {m.BytesPerConnectionOnArrival:N0} " +
                $"| {MarkdownText.Ratio(m.BytesPerConnectionOnArrival, mosquitto?.BytesPerConnectionOnArrival)} | {MarkdownText.Ratio(m.Before, mosquitto?.Before)} " +
                $"| {m.StartedIn.TotalMilliseconds:N0} | {MarkdownText.Ratio(m.StartedIn.TotalMilliseconds, mosquitto?.StartedIn.TotalMilliseconds)} " +
                $"| {m.Activity?.CpuMsPerSecond:N2} | {MarkdownText.Ratio(m.Activity?.CpuMsPerSecond ?? double.NaN, mosquitto?.Activity?.CpuMsPerSecond)} " +
                $"| {m.Activity?.SwitchesPerSecond:N1} | {MarkdownText.Ratio(m.Activity?.SwitchesPerSecond ?? double.NaN, mosquitto?.Activity?.SwitchesPerSecond)} |");
        }

        text.AppendLine();
        text.AppendLine(Invariant,
            $"Each broker fresh per row, with no per-address connection limit: one client connected and gone, {IdleFootprint.Settle.TotalSeconds:0} s to settle, " +
            $"RSS (VmRSS from /proc, the median of {SettledResident.Readings} readings {SettledResident.Interval.TotalSeconds:0} s apart) = idle RSS; then the idle clients " +
            $"(raw TCP, MQTT 3.1.1 CONNECT/CONNACK, keep-alive off), RSS on arrival of the last CONNACK and, from {IdleFootprint.SettleWithClients.TotalSeconds:0} s later, " +
            $"the median of {SettledResident.Readings} readings (settled; the range: their lowest and highest). Bytes per idle connection = RSS growth ÷ clients. " +
            $"Start-up: from starting the broker's process to its first accepted TCP connection (probed every 2 ms). " +
            $"Idle CPU and context switches: once the broker has run {IdleFootprint.ActivityAge.TotalSeconds:0} s (past the host's JIT recompiling its " +
            $"once-a-second code), over {IdleFootprint.ActivityWindow.TotalSeconds:0} s with the idle clients connected, summed over its threads " +
            $"(/proc/PID/task/*/schedstat and status; a thread that ended in the window is left out): what the broker costs a gateway's battery and other software while nothing happens.");
        foreach (var m in measurements.Where(m => m.Error is not null))
        {
            text.AppendLine().AppendLine(Invariant, $"**{m.BrokerName}, {m.Wanted:N0} clients:** {MarkdownText.Cell(m.Error!)}.");
        }

        text.AppendLine();
    }
}
