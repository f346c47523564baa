using System.Globalization;
using System.Text;
using EdgeBroker.Benchmarks.Cases;

namespace EdgeBroker.Benchmarks.Report;

/// <summary>The uplink cases side by side, with EdgeBroker's figures as ratios of the mosquitto bridge's.</summary>
public sealed class UplinkTable(IReadOnlyList<UplinkResult> results)
{
    public void Write(StringBuilder text)
    {
        if (results.Count == 0)
        {
            return;
        }

        var messages = results[0].Messages;
        text.AppendLine("## Uplink: forwarding to an upstream mosquitto");
        text.AppendLine();
        text.AppendLine(string.Format(CultureInfo.InvariantCulture, "{0:N0} QoS 1 messages per phase, one sensor (100 in flight) on the gateway, one persistent cloud subscriber on the upstream. " +
            "Drain: the upstream stopped (SIGTERM), the messages published, the upstream started; time until the last arrived. " +
            "kill -9: the same, the gateway killed once a tenth had arrived and started again on its data.", messages));
        text.AppendLine();
        text.AppendLine("| Bridge | Throughput (msg/s) | Gateway CPU (µs/msg) | Drain (s) | Arrived after outage | kill -9: lost | kill -9: duplicated | kill -9: out of order |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var result in results)
        {
            text.AppendLine(result.Error is { } error
                ? $"| {result.Case.Title} | failed: {MarkdownText.Cell(error)} | | | | | | |"
                : string.Create(CultureInfo.InvariantCulture,
                    $"| {result.Case.Title} | {result.Throughput:N0} | {result.GatewayCpuMicrosecondsPerMessage:N1} | {result.DrainSeconds:N2} | {result.DrainReceived:N0} (+{result.DrainDuplicates:N0} dup) | {result.KillLost:N0} | {result.KillDuplicates:N0} | {result.KillOutOfOrder:N0} |"));
        }

        var ours = results.FirstOrDefault(r => r.Case.Bridge == BridgeKind.EdgeBrokerUplink && r.Error is null);
        var theirs = results.FirstOrDefault(r => r.Case.Bridge == BridgeKind.MosquittoBridge && r.Error is null);
        if (ours is not null && theirs is not null)
        {
            text.AppendLine();
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"EdgeBroker uplink ÷ mosquitto bridge: throughput {ours.Throughput / theirs.Throughput:N2}× (goal ≥ 1.5×), " +
                $"gateway CPU per message {ours.GatewayCpuMicrosecondsPerMessage / theirs.GatewayCpuMicrosecondsPerMessage:N2}×, " +
                $"drain time {ours.DrainSeconds / theirs.DrainSeconds:N2}×; lost under kill -9: {ours.KillLost:N0} vs {theirs.KillLost:N0}."));
        }

        text.AppendLine();
    }
}
