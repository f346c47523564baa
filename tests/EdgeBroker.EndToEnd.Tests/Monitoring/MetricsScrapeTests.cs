using System.Globalization;
using EdgeBroker.Core;
using EdgeBroker.EndToEnd.Tests.Infrastructure;

namespace EdgeBroker.EndToEnd.Tests.Monitoring;

/// <summary><c>GET /metrics</c> on the host's HTTP port, scraped as Prometheus does (plain HTTP, no signature) and read
/// as Prometheus' text format. Host only: the firmware has no Prometheus endpoint, its figures are the <c>$SYS</c> tree.</summary>
public sealed class MetricsScrapeTests
{
    [Fact]
    public async Task A_scrape_shows_process_runtime_and_broker_metrics_that_move_with_the_traffic()
    {
        await using var broker = await Engines.StartAsync(Engines.Host, new Dictionary<string, string?> { ["EdgeBroker:SysIntervalSeconds"] = "0" });
        using var http = new HttpClient { BaseAddress = broker.HttpBaseAddress };

        var before = await ScrapeAsync(http);
        Assert.Equal(1, before[$"edgebroker_build_info{{version=\"{BrokerVersion.Number}\"}}"]);
        Assert.True(before["process_cpu_seconds_total"] > 0);
        Assert.Contains(before.Keys, name => name.StartsWith("dotnet_", StringComparison.Ordinal));
        Assert.Equal(0, before["edgebroker_messages_received_total"]);

        await using (var receiver = await TestClient.ConnectAsync(broker, "GID_m@@@receiver", cleanStart: false, sessionExpiry: 3600))
        await using (var sender = await TestClient.ConnectAsync(broker, "GID_m@@@sender"))
        {
            await receiver.SubscribeAsync("metrics/#");
            await sender.PublishAsync("metrics/one", "1");
            await sender.PublishAsync("GID_m/p2p/GID_m@@@receiver", "direct");
            await sender.PublishAsync("GID_m/p2p/GID_m@@@nobody", "lost");
            await receiver.ReceivePayloadsAsync(2);

            var during = await ScrapeAsync(http);
            Assert.Equal(2, during["edgebroker_clients_connected"]);
            Assert.Equal(1, during["edgebroker_subscriptions"]);
        }

        var after = await ScrapeAsync(http);
        Assert.Equal(3, after["edgebroker_messages_received_total"]);
        Assert.True(after["edgebroker_messages_sent_total"] >= 2);
        Assert.Equal(1, after["edgebroker_p2p_target_unknown_total"]);
        Assert.True(after["edgebroker_bytes_received_total"] > before["edgebroker_bytes_received_total"]);
        Assert.True(after["edgebroker_bytes_sent_total"] > before["edgebroker_bytes_sent_total"]);
        Assert.True(after["edgebroker_publish_to_deliver_seconds_count"] >= 2);
        Assert.True(after["edgebroker_store_commit_seconds_count"] >= 2, "the persistent receiver's QoS 1 messages are kept durably");
        Assert.Equal(after["edgebroker_publish_to_deliver_seconds_count"], after["edgebroker_publish_to_deliver_seconds_bucket{le=\"+Inf\"}"]);
    }

    /// <summary>docs/grafana-edgebroker.json queries only metrics a scrape has, so no panel stays empty after a rename.</summary>
    [Fact]
    public async Task Every_metric_the_grafana_dashboard_queries_is_served()
    {
        await using var broker = await Engines.StartAsync(Engines.Host);
        using var http = new HttpClient { BaseAddress = broker.HttpBaseAddress };
        var served = (await ScrapeAsync(http)).Keys.Select(sample => sample.Split('{')[0]).ToHashSet(StringComparer.Ordinal);

        var dashboard = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Monitoring", "grafana-edgebroker.json"));
        using var json = System.Text.Json.JsonDocument.Parse(dashboard);
        var queried = json.RootElement.GetProperty("panels").EnumerateArray()
            .SelectMany(panel => panel.GetProperty("targets").EnumerateArray())
            .SelectMany(target => System.Text.RegularExpressions.Regex.Matches(target.GetProperty("expr").GetString()!, @"\b(edgebroker|process|dotnet)_[a-z0-9_]+")
                .Select(match => match.Value))
            .ToHashSet(StringComparer.Ordinal);

        Assert.NotEmpty(queried);
        Assert.Equal([], queried.Except(served).Order(StringComparer.Ordinal));
    }

    /// <summary>Prometheus' text exposition format: <c># HELP</c>/<c># TYPE</c> comments, then
    /// <c>name{labels} value</c> per line; every sample must parse.</summary>
    internal static async Task<Dictionary<string, double>> ScrapeAsync(HttpClient http)
    {
        using var response = await http.GetAsync("/metrics");
        response.EnsureSuccessStatusCode();
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType);
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith('#'))
            {
                Assert.Matches(@"^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* ", line);
                continue;
            }

            var space = line.LastIndexOf(' ');
            Assert.True(space > 0, "not a sample: " + line);
            Assert.Matches(@"^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})?$", line[..space]);
            samples[line[..space]] = double.Parse(line[(space + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture);
        }

        return samples;
    }
}
