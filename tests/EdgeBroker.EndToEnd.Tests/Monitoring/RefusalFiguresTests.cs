using System.Globalization;
using System.Text.Json;
using EdgeBroker.Emulator;
using EdgeBroker.EndToEnd.Tests.Infrastructure;
using MQTTnet.Protocol;

namespace EdgeBroker.EndToEnd.Tests.Monitoring;

/// <summary>
/// Bounds whose refusals were only logged, or summed into <c>publish/messages/dropped</c>, as figures of their own on
/// every surface the will budget's are on: the retained messages' bytes, their bound and the retained messages not
/// kept; the CONNECTs refused for want of a session place; the messages dropped for a full offline quota —
/// <c>$SYS/broker/edgebroker/…</c> (both engines), <c>GET /metrics</c> (host) and the emulator's <c>GET /status</c>.
/// Each figure is read before and after its refusal, caused by real clients.
/// </summary>
public sealed class RefusalFiguresTests
{
    /// <summary>Room for a small retained message on either engine (the device counts ~340 bytes of objects each), not
    /// for <see cref="LargePayload"/>.</summary>
    const int MaxRetainedBytes = 1000;

    const int LargePayload = 1200;

    const string Sys = "$SYS/broker/edgebroker/";

    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task A_sys_subscriber_sees_the_retained_refusals_and_the_quota_drops_move(string engine)
    {
        await using var broker = await Engines.StartAsync(engine, new Dictionary<string, string?>
        {
            ["EdgeBroker:MaxRetainedBytes"] = MaxRetainedBytes.ToString(CultureInfo.InvariantCulture),
            ["EdgeBroker:MaxOfflineMessagesPerClient"] = "1",
            ["EdgeBroker:SysIntervalSeconds"] = "1",
        });
        await using var watcher = await TestClient.ConnectAsync(broker, "sys-watcher");
        await watcher.SubscribeAsync(Sys + "#", MqttQualityOfServiceLevel.AtMostOnce);
        await SysValues.ExpectAsync(watcher, Figures(0, 0, 0), "the figures before any refusal");

        await KeepOneRetainedAndRefuseOneAsync(broker);
        await DropOneForTheQuotaAsync(broker);

        var held = broker.Core!.Retained.Bytes;
        Assert.True(held > 0, "the small retained message is kept");
        await SysValues.ExpectAsync(watcher, Figures(held, 1, 1), "the refused retained message and the quota drop");
    }

    [Fact]
    public async Task A_connect_refused_for_a_session_place_moves_sys_and_every_figure_moves_on_metrics()
    {
        await using var broker = await Engines.StartAsync(Engines.Host, new Dictionary<string, string?>
        {
            ["EdgeBroker:MaxRetainedBytes"] = MaxRetainedBytes.ToString(CultureInfo.InvariantCulture),
            ["EdgeBroker:MaxOfflineMessagesPerClient"] = "1",
            // The watcher, "away" (kept) and "filler": a fourth client ID finds no place.
            ["EdgeBroker:MaxSessions"] = "3",
            ["EdgeBroker:SysIntervalSeconds"] = "1",
        });
        using var http = new HttpClient { BaseAddress = broker.HttpBaseAddress };
        var before = await MetricsScrapeTests.ScrapeAsync(http);
        Assert.Equal((0d, (double)MaxRetainedBytes, 0d, 0d, 0d), Scraped(before));
        await using var watcher = await TestClient.ConnectAsync(broker, "sys-watcher");
        await watcher.SubscribeAsync(Sys + "sessions/#", MqttQualityOfServiceLevel.AtMostOnce);

        await KeepOneRetainedAndRefuseOneAsync(broker);
        await DropOneForTheQuotaAsync(broker);
        await using var filler = await TestClient.ConnectAsync(broker, "filler");
        await using (var refused = await RawMqttConnection.OpenAsync(broker))
        {
            Assert.Equal(0x03, await refused.ConnectAsync("no-place"));
        }

        await SysValues.ExpectAsync(watcher, new Dictionary<string, string> { [Sys + "sessions/refused"] = "1" }, "the refused CONNECT");
        var after = await MetricsScrapeTests.ScrapeAsync(http);
        Assert.Equal(((double)broker.Core!.Retained.Bytes, (double)MaxRetainedBytes, 1d, 1d, 1d), Scraped(after));
    }

    [Fact]
    public async Task The_emulators_status_shows_the_retained_bytes_their_limit_and_the_refusals()
    {
        await using var emulator = EmulatorEngine.Start(new Dictionary<string, string?>
        {
            ["EdgeBroker:MaxRetainedBytes"] = MaxRetainedBytes.ToString(CultureInfo.InvariantCulture),
        });
        var port = FreePorts.Next();
        using var endpoint = new StatusEndpoint(emulator.Gateway, port, emulator.Log);
        endpoint.Start();
        await KeepOneRetainedAndRefuseOneAsync(emulator);

        using var http = new HttpClient();
        using var status = JsonDocument.Parse(await http.GetStringAsync($"http://127.0.0.1:{port}/status"));
        var root = status.RootElement;
        Assert.Equal((emulator.Gateway.Relay.Retained.Bytes, (long)MaxRetainedBytes, 1, 0),
            (root.GetProperty("retainedBytes").GetInt64(), root.GetProperty("maxRetainedBytes").GetInt64(),
                root.GetProperty("retainedRefused").GetInt32(), root.GetProperty("sessionsRefused").GetInt32()));
    }

    static Dictionary<string, string> Figures(long retainedBytes, int retainedRefused, int quotaDropped) => new()
    {
        [Sys + "retained/held-bytes"] = retainedBytes.ToString(CultureInfo.InvariantCulture),
        [Sys + "retained/max-bytes"] = MaxRetainedBytes.ToString(CultureInfo.InvariantCulture),
        [Sys + "retained/refused"] = retainedRefused.ToString(CultureInfo.InvariantCulture),
        [Sys + "quota/dropped"] = quotaDropped.ToString(CultureInfo.InvariantCulture),
    };

    static (double HeldBytes, double MaxBytes, double RetainedRefused, double SessionsRefused, double QuotaDropped) Scraped(Dictionary<string, double> scrape) =>
        (scrape["edgebroker_retained_held_bytes"], scrape["edgebroker_retained_max_bytes"], scrape["edgebroker_retained_refused_total"],
            scrape["edgebroker_sessions_refused_total"], scrape["edgebroker_quota_dropped_total"]);

    /// <summary>A small retained message, kept, and one larger than <see cref="MaxRetainedBytes"/>, refused (still routed,
    /// only not kept).</summary>
    static async Task KeepOneRetainedAndRefuseOneAsync(RunningBroker broker)
    {
        await using var publisher = await TestClient.ConnectAsync(broker, "retainer");
        await publisher.PublishAsync("retained/small", "1", retain: true);
        await publisher.PublishAsync("retained/large", new string('x', LargePayload), retain: true);
        await Eventually.WaitUntilAsync(() => broker.Core!.Retained.Refused == 1, () => $"{broker.Core!.Retained.Refused} retained messages refused, not 1");
    }

    /// <summary>A persistent session subscribed and away with an offline quota of one message: of two, the second is
    /// dropped.</summary>
    static async Task DropOneForTheQuotaAsync(RunningBroker broker)
    {
        await using (var away = await TestClient.ConnectAsync(broker, "away", cleanStart: false))
        {
            await away.SubscribeAsync("quota/#", MqttQualityOfServiceLevel.AtMostOnce);
        }

        await Eventually.WaitUntilAsync(() => !broker.IsConnected("away"), () => "away is still connected");
        await using var sender = await TestClient.ConnectAsync(broker, "quota-sender");
        await sender.PublishAsync("quota/x", "kept", MqttQualityOfServiceLevel.AtMostOnce);
        await sender.PublishAsync("quota/x", "over the quota", MqttQualityOfServiceLevel.AtMostOnce);
        await Eventually.WaitUntilAsync(() => broker.Counters!.QuotaDropped == 1, () => $"{broker.Counters!.QuotaDropped} dropped for the quota, not 1");
    }
}
