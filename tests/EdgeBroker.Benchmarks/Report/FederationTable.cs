using System.Globalization;
using System.Text;
using EdgeBroker.Benchmarks.Cases;

namespace EdgeBroker.Benchmarks.Report;

/// <summary>The federation cases: round-trip latency and CPU per round trip on each broker, EdgeBroker as ratios of
/// mosquitto's topic-per-device bridges with the same path (tiers, and whether the application is on a gateway).</summary>
public sealed class FederationTable(IReadOnlyList<FederationResult> results)
{
    public void Write(StringBuilder text)
    {
        if (results.Count == 0)
        {
            return;
        }

        text.AppendLine("## P2P across gateways: round trip sensor → cloud application → sensor");
        text.AppendLine();
        text.AppendLine(string.Format(CultureInfo.InvariantCulture, "{0:N0} round trips per case, one in flight, QoS 1 both ways, after 100 to warm up; " +
            "every broker a separate process on this machine. CPU per round trip: the cloud, then each gateway tier down to the sensor's, " +
            "then (gateway to gateway) the application's gateway.", results[0].RoundTrips));
        text.AppendLine();
        text.AppendLine("| Case | p50 (µs) | p99 (µs) | max (µs) | CPU per round trip (µs): cloud, tiers, application's gateway |");
        text.AppendLine("|---|---:|---:|---:|---|");
        foreach (var result in results)
        {
            text.AppendLine(result.Error is { } error
                ? $"| {result.Case.Title} | failed: {MarkdownText.Cell(error)} | | | |"
                : string.Create(CultureInfo.InvariantCulture,
                    $"| {result.Case.Title} | {result.Latency.P50Microseconds:N0} | {result.Latency.P99Microseconds:N0} | {result.Latency.MaxMicroseconds:N0} | {string.Join(", ", result.CpuMicrosecondsPerRoundTrip.Select(cpu => cpu.ToString("N0", CultureInfo.InvariantCulture)))} |"));
        }

        text.AppendLine();
        foreach (var (tiers, appOnGateway) in results.Select(r => (r.Case.Tiers, r.Case.AppOnGateway)).Distinct())
        {
            FederationResult? Find(FederationDesign design) => results.FirstOrDefault(r =>
                r.Case.Tiers == tiers && r.Case.AppOnGateway == appOnGateway && r.Case.Design == design && r.Error is null);
            var path = appOnGateway ? "gateway to gateway" : $"{tiers} tier(s)";
            var theirs = Find(FederationDesign.MosquittoTopicPerDevice);
            foreach (var (design, name) in new[] { (FederationDesign.EdgeBrokerP2P, "EdgeBroker"), (FederationDesign.EdgeBrokerRetainedRoutes, "EdgeBroker through mosquitto") })
            {
                if (Find(design) is { } ours && theirs is not null)
                {
                    text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                        $"- {path}, {name} ÷ mosquitto: p50 {ours.Latency.P50Microseconds / theirs.Latency.P50Microseconds:N2}×, " +
                        $"p99 {ours.Latency.P99Microseconds / theirs.Latency.P99Microseconds:N2}×, " +
                        $"CPU per round trip (all brokers) {ours.CpuMicrosecondsPerRoundTrip.Sum() / theirs.CpuMicrosecondsPerRoundTrip.Sum():N2}×."));
                }
            }
        }

        text.AppendLine();
    }
}
