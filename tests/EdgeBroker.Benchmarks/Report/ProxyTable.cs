using System.Globalization;
using System.Text;
using EdgeBroker.Benchmarks.Cases;
using EdgeBroker.Benchmarks.Measurement;

namespace EdgeBroker.Benchmarks.Report;

/// <summary>The Proxy case: the gateway's and the cloud's resident memory with the devices of a group that is not
/// proxied and of one that is, and what a proxy session adds per device, measured in the same run.</summary>
sealed class ProxyTable(IReadOnlyList<ProxyMeasurement> measurements)
{
    static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public void Write(StringBuilder text)
    {
        if (measurements.Count == 0)
        {
            return;
        }

        text.AppendLine("## Proxy sessions").AppendLine();
        text.AppendLine("| Devices on the gateway | Proxy sessions | Gateway RSS before (MB) | Gateway RSS with the devices (MB) | Gateway bytes per device | vs without proxies | Cloud bytes per device |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        var plain = measurements.FirstOrDefault(m => !m.Proxied);
        foreach (var m in measurements)
        {
            text.AppendLine(Invariant,
                $"| {m.Devices:N0} of {(m.Proxied ? ProxyCase.ProxiedGroup + " (proxied)" : ProxyCase.PlainGroup + " (not proxied)")} | {m.ProxiesConnected:N0} " +
                $"| {ResidentMemory.Megabytes(m.GatewayBefore)} | {ResidentMemory.Megabytes(m.GatewaySettled)} | {m.GatewayBytesPerDevice:N0} " +
                $"| {MarkdownText.Ratio(m.GatewayBytesPerDevice, plain?.GatewayBytesPerDevice)} | {m.CloudBytesPerDevice:N0} |");
        }

        if (plain is not null && measurements.FirstOrDefault(m => m.Proxied) is { } proxied)
        {
            text.AppendLine().AppendLine(Invariant,
                $"A proxy session costs the gateway {proxied.GatewayBytesPerDevice - plain.GatewayBytesPerDevice:N0} bytes of RSS " +
                $"(bytes per proxied device minus bytes per device that is not proxied) and the cloud one connection.");
        }

        text.AppendLine().AppendLine(Invariant,
            $"A fresh cloud and gateway (host processes) per row: one device connected and gone, {IdleFootprint.Settle.TotalSeconds:0} s to settle, RSS before; " +
            $"the devices (raw TCP, MQTT 3.1.1, keep-alive off), for the proxied group until the cloud's presence events showed every proxy session, " +
            $"{IdleFootprint.Settle.TotalSeconds:0} s to settle, RSS with the devices. Bytes per device = RSS growth ÷ devices.");
        foreach (var m in measurements.Where(m => m.Error is not null))
        {
            text.AppendLine().AppendLine(Invariant, $"**{(m.Proxied ? "proxied" : "not proxied")}:** {MarkdownText.Cell(m.Error!)}.");
        }

        text.AppendLine();
    }
}
