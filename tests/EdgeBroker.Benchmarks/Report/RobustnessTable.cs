using System.Globalization;
using System.Text;
using EdgeBroker.Benchmarks.Brokers;
using EdgeBroker.Benchmarks.Cases;
using EdgeBroker.Benchmarks.Measurement;

namespace EdgeBroker.Benchmarks.Report;

/// <summary>The Robustness case: resident memory before and after the malformed-input mix, idle memory and bytes per
/// idle connection, each broker against mosquitto in the same run.</summary>
sealed class RobustnessTable(IReadOnlyList<RobustnessMeasurement> measurements)
{
    static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public void Write(StringBuilder text)
    {
        if (measurements.Count == 0)
        {
            return;
        }

        var mosquitto = measurements.FirstOrDefault(m => m.Broker == BrokerKind.Mosquitto);
        text.AppendLine("## Robustness").AppendLine();
        text.AppendLine("| Broker | RSS before the malformed mix (MB) | RSS after it (MB) | Growth (MB) | Idle RSS (MB) | Idle clients | Bytes per idle connection | Per connection vs mosquitto | Idle RSS vs mosquitto |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var m in measurements)
        {
            text.AppendLine(Invariant,
                $"| {m.BrokerName} | {ResidentMemory.Megabytes(m.MixBefore)} | {ResidentMemory.Megabytes(m.MixAfter)} | {ResidentMemory.Megabytes(m.MixAfter - m.MixBefore)} | {ResidentMemory.Megabytes(m.Idle.Before)} " +
                $"| {m.Idle.Clients:N0} | {m.Idle.BytesPerConnection:N0} | {MarkdownText.Ratio(m.Idle.BytesPerConnection, mosquitto?.Idle.BytesPerConnection)} " +
                $"| {MarkdownText.Ratio(m.Idle.Before, mosquitto?.Idle.Before)} |");
        }

        text.AppendLine();
        text.AppendLine(Invariant,
            $"Malformed mix: {RobustnessCase.MixConnections} raw TCP connections, {RobustnessCase.MixBatch} at a time, each sending one of the issue #12 inputs " +
            $"(random bytes, oversized and cut-short remaining lengths and CONNECTs, bad protocol levels and names, PUBLISH before CONNECT, " +
            $"oversized SUBSCRIBE, bad topics, reserved type, second CONNECT) and closing after 2 s; RSS (VmRSS from /proc) after a warm-up round, " +
            $"then 10 s after the mix. Idle: a fresh broker, one client connected and gone, RSS from {IdleFootprint.Settle.TotalSeconds:0} s later " +
            $"and from {IdleFootprint.SettleWithClients.TotalSeconds:0} s after the idle clients connected (raw TCP, CONNECT/CONNACK, keep-alive off), each the median of {SettledResident.Readings} readings {SettledResident.Interval.TotalSeconds:0} s apart; bytes per idle connection = RSS growth ÷ clients. The emulator admits at most {EmulatorLauncher.MaxClients:N0} clients (its max_clients limit). " +
            $"Brokers run with no per-address connection limit (all clients come from 127.0.0.1).");
        foreach (var m in measurements.Where(m => m.Idle.Error is not null))
        {
            text.AppendLine().AppendLine(Invariant, $"**{m.BrokerName}:** {MarkdownText.Cell(m.Idle.Error!)}.");
        }

        text.AppendLine();
    }
}
