using System.Globalization;
using System.Text.Json;
using EdgeBroker.Emulator;
using EdgeBroker.EndToEnd.Tests.Infrastructure;
using EdgeBroker.EndToEnd.Tests.Overload;
using MQTTnet;

namespace EdgeBroker.EndToEnd.Tests.Monitoring;

/// <summary>
/// The will budget (<c>MaxWillBytes</c>, device <c>max_will_bytes</c>) as an operator watches it, on every surface the
/// other figures are on: <c>$SYS/broker/edgebroker/will/…</c> (both engines), <c>GET /metrics</c> (host) and the
/// emulator's <c>GET /status</c> — the bytes held, the bound, and the CONNECTs refused for it, which were only logged.
/// Each broker holds one will (the budget is exactly that) and has refused one.
/// </summary>
public sealed class WillBudgetFiguresTests
{
    const string WillTopic = "status/device";
    const int Payload = 100;

    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task A_sys_subscriber_reads_the_held_bytes_the_limit_and_the_refused_connects(string engine)
    {
        var counted = WillBudgetTests.Counted(engine, Payload);
        await using var broker = await Engines.StartAsync(engine, new Dictionary<string, string?>
        {
            ["EdgeBroker:MaxWillBytes"] = counted.ToString(CultureInfo.InvariantCulture),
            ["EdgeBroker:SysIntervalSeconds"] = "1",
        });
        await using var held = await HoldOneWillAndRefuseOneAsync(broker);
        await using var watcher = await TestClient.ConnectAsync(broker, "sys-watcher");
        await watcher.SubscribeAsync("$SYS/broker/edgebroker/will/#");

        var expected = new Dictionary<string, string>
        {
            ["$SYS/broker/edgebroker/will/held-bytes"] = counted.ToString(CultureInfo.InvariantCulture),
            ["$SYS/broker/edgebroker/will/max-bytes"] = counted.ToString(CultureInfo.InvariantCulture),
            ["$SYS/broker/edgebroker/will/refused"] = "1",
        };
        await SysValues.ExpectAsync(watcher, expected, "the will budget");
    }

    [Fact]
    public async Task A_metrics_scrape_shows_the_held_bytes_the_limit_and_the_refused_connects()
    {
        var counted = WillBudgetTests.Counted(Engines.Host, Payload);
        await using var broker = await Engines.StartAsync(Engines.Host, new Dictionary<string, string?>
        {
            ["EdgeBroker:MaxWillBytes"] = counted.ToString(CultureInfo.InvariantCulture),
            ["EdgeBroker:SysIntervalSeconds"] = "0",
        });
        using var http = new HttpClient { BaseAddress = broker.HttpBaseAddress };
        var before = await MetricsScrapeTests.ScrapeAsync(http);
        Assert.Equal((0d, (double)counted, 0d), (before["edgebroker_will_held_bytes"], before["edgebroker_will_max_bytes"], before["edgebroker_will_refused_total"]));

        await using (await HoldOneWillAndRefuseOneAsync(broker))
        {
            var during = await MetricsScrapeTests.ScrapeAsync(http);
            Assert.Equal(((double)counted, (double)counted, 1d), (during["edgebroker_will_held_bytes"], during["edgebroker_will_max_bytes"], during["edgebroker_will_refused_total"]));
        }

        // The holder's connection is lost: its will is published and its bytes are free again; the refusal stays counted.
        await Eventually.WaitUntilAsync(() => broker.Core!.WillBytes == 0, () => $"{broker.Core!.WillBytes} bytes of wills held");
        var after = await MetricsScrapeTests.ScrapeAsync(http);
        Assert.Equal((0d, 1d), (after["edgebroker_will_held_bytes"], after["edgebroker_will_refused_total"]));
    }

    [Fact]
    public async Task The_emulators_status_shows_the_held_bytes_the_limit_and_the_refused_connects()
    {
        var counted = WillBudgetTests.Counted(Engines.Emulator, Payload);
        await using var emulator = EmulatorEngine.Start(new Dictionary<string, string?>
        {
            ["EdgeBroker:MaxWillBytes"] = counted.ToString(CultureInfo.InvariantCulture),
        });
        var port = FreePorts.Next();
        using var endpoint = new StatusEndpoint(emulator.Gateway, port, emulator.Log);
        endpoint.Start();
        await using var held = await HoldOneWillAndRefuseOneAsync(emulator);

        using var http = new HttpClient();
        using var status = JsonDocument.Parse(await http.GetStringAsync($"http://127.0.0.1:{port}/status"));
        var root = status.RootElement;
        Assert.Equal(((long)counted, (long)counted, 1),
            (root.GetProperty("willBytes").GetInt64(), root.GetProperty("maxWillBytes").GetInt64(), root.GetProperty("willsRefused").GetInt32()));
    }

    /// <summary>A client whose will fills the budget, connected (returned: its will is held while it is open), and a
    /// second CONNECT with the same will, refused with 0x03.</summary>
    static async Task<RawMqttConnection> HoldOneWillAndRefuseOneAsync(RunningBroker broker)
    {
        var will = new string('w', Payload);
        var held = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, await held.ConnectAsync("holder", willTopic: WillTopic, willPayload: will));
        await using var refused = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0x03, await refused.ConnectAsync("refused", willTopic: WillTopic, willPayload: will));
        return held;
    }
}
