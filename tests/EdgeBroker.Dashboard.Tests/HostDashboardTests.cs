using System.Diagnostics;
using System.Text.Json;
using EdgeBroker.EndToEnd.Tests.Infrastructure;
using EdgeBroker.EndToEnd.Tests.Http;
using EdgeBroker.EndToEnd.Tests.Uplink;
using MQTTnet;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace EdgeBroker.Dashboard.Tests;

/// <summary>
/// The host's dashboard in Debian's chromium, against a host broker started as the end-to-end suite starts it, with
/// real clients over real sockets: mosquitto_sub and mosquitto_pub, and MQTTnet for a sensor that pairs.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class HostDashboardTests(Browser browser)
{
    const string AccessKey = ApiBroker.AllGroupsKey;
    const string Secret = ApiBroker.AllGroupsSecret;
    const string Group = "GID_sensors";

    static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(10);

    [BrowserFact]
    public async Task A_wrong_access_key_gets_the_login_screen_and_the_right_one_opens_the_live_dashboard()
    {
        await using var api = await ApiBroker.StartAsync();
        var broker = api.Broker;
        var page = await browser.OpenAsync(broker.HttpBaseAddress!);

        await Expect(page.Login).ToBeVisibleAsync();
        await page.SignInAsync(AccessKey, "not-the-secret");
        await Expect(page.LoginError).ToContainTextAsync("signature does not match");
        await Expect(page.Login).ToBeVisibleAsync();
        await Expect(page.Panels).ToBeHiddenAsync();
        await Expect(page.Page.Locator("#login-secret")).ToHaveValueAsync(string.Empty);

        await page.SignInAsync(ApiBroker.SensorsKey, ApiBroker.SensorsSecret);
        await Expect(page.LoginError).ToContainTextAsync("may only see some groups");
        await Expect(page.Panels).ToBeHiddenAsync();

        await page.SignInLiveAsync(AccessKey, Secret);
        await Expect(page.Login).ToBeHiddenAsync();
        await Expect(page.Panels).ToBeVisibleAsync();
        await Expect(page.Page.Locator("#engine")).ToContainTextAsync("host");
        Assert.DoesNotContain(Secret, await page.Page.ContentAsync());
        page.AssertNoScriptErrors();
    }

    [BrowserFact]
    public async Task After_signing_out_a_key_limited_to_one_group_sees_nothing_the_last_key_was_shown_of_other_groups()
    {
        await using var api = await ApiBroker.StartAsync();
        var page = await OpenSignedInAsync(api.Broker);
        await using var other = await TestClient.ConnectAsync(api.Broker, "GID_other@@@dev1");
        await using var sensor = await TestClient.ConnectAsync(api.Broker, Group + "@@@dev2");
        await Expect(page.PresenceEvent("GID_other@@@dev1", "connect")).ToBeVisibleAsync();
        await Expect(page.ClientRow("GID_other@@@dev1")).ToBeVisibleAsync();

        await page.Page.Locator("#sign-out").ClickAsync();
        await Expect(page.Login).ToBeVisibleAsync();
        await page.SignInAsync(ApiBroker.SensorsKey, ApiBroker.SensorsSecret, Group);
        await Expect(page.FeedState).ToHaveTextAsync("live");

        await Expect(page.ClientRow(Group + "@@@dev2")).ToBeVisibleAsync(new() { Timeout = DashboardPage.UpdateTimeoutMs });
        await Expect(page.ClientRow("GID_other@@@dev1")).ToHaveCountAsync(0);
        await Expect(page.PresenceEvent("GID_other@@@dev1", "connect")).ToHaveCountAsync(0);
        await Expect(page.Page.Locator("#uplinks-panel")).ToBeHiddenAsync();
        page.AssertNoScriptErrors();
    }

    [BrowserFact(Tool.MosquittoClients)]
    public async Task A_client_connecting_with_mosquitto_sub_appears_within_2_s_with_its_group_and_a_presence_event()
    {
        await using var api = await ApiBroker.StartAsync();
        var broker = api.Broker;
        var page = await OpenSignedInAsync(broker);
        const string clientId = Group + "@@@watcher";

        await using var subscriber = await StartMosquittoSubAsync(broker, clientId);
        var connected = Stopwatch.StartNew();

        await Expect(page.ClientRow(clientId)).ToBeVisibleAsync(new() { Timeout = 2000 });
        var shownAfter = connected.Elapsed;
        await Expect(page.ClientRow(clientId).Locator("td").Nth(1)).ToHaveTextAsync(Group);
        await Expect(page.PresenceEvent(clientId, "connect")).ToBeVisibleAsync();
        Assert.True(shownAfter < TimeSpan.FromSeconds(2), $"shown {shownAfter.TotalMilliseconds:0} ms after the connect");
        page.AssertNoScriptErrors();
    }

    [BrowserFact(Tool.MosquittoClients)]
    public async Task A_p2p_message_from_mosquitto_pub_moves_the_chart()
    {
        await using var api = await ApiBroker.StartAsync();
        var broker = api.Broker;
        var page = await OpenSignedInAsync(broker);
        const string receiver = Group + "@@@receiver";
        await using var subscriber = await StartMosquittoSubAsync(broker, receiver);
        Assert.All(await page.P2PLineHeightsAsync(), height => Assert.Equal(159, height));

        await SendP2PWithMosquittoPubAsync(broker, receiver, "hello");

        await subscriber.WaitForOutputAsync(ToolTimeout, "hello");
        await Expect(page.Counter("p2pDelivered")).ToHaveTextAsync("1", new() { Timeout = DashboardPage.UpdateTimeoutMs });
        await Eventually.WaitUntilAsync(async () => (await page.P2PLineHeightsAsync()).Any(height => height < 159),
            () => "the P2P line never left zero", TimeSpan.FromSeconds(5));
        await Expect(page.PresenceEvent(Group + "@@@sender", "tcpclean")).ToBeVisibleAsync();
        page.AssertNoScriptErrors();
    }

    [BrowserFact(Tool.MosquittoClients)]
    public async Task A_message_for_an_away_persistent_session_shows_in_its_offline_queue_until_it_returns()
    {
        await using var api = await ApiBroker.StartAsync();
        var broker = api.Broker;
        var page = await OpenSignedInAsync(broker);
        const string away = Group + "@@@away";
        await (await TestClient.ConnectAsync(broker, away, cleanStart: false)).DisposeAsync();

        await SendP2PWithMosquittoPubAsync(broker, away, "kept");

        var queue = page.Page.Locator($"#offline tbody tr[data-client-id='{away}'] td");
        await Expect(queue.Nth(2)).ToHaveTextAsync("1", new() { Timeout = DashboardPage.UpdateTimeoutMs });
        await Expect(queue.Nth(3)).ToHaveTextAsync("no");
        await using var back = await TestClient.ConnectAsync(broker, away, cleanStart: false);
        Assert.Equal("kept", (await back.ReceiveAsync()).ConvertPayloadToString());
        await Expect(queue).ToHaveCountAsync(0, new() { Timeout = DashboardPage.UpdateTimeoutMs });
        page.AssertNoScriptErrors();
    }

    [BrowserFact]
    public async Task A_pairing_window_opened_from_the_page_pairs_a_sensor_and_revoking_it_from_the_page_disconnects_it()
    {
        await using var api = await ApiBroker.StartAsync();
        var broker = api.Broker;
        var page = await OpenSignedInAsync(broker);

        await page.Page.Locator("#pairing-group").FillAsync(Group);
        await page.Page.Locator("#pairing-seconds").FillAsync("90");
        await page.Page.Locator("#pairing-open").ClickAsync();
        await Expect(page.PairingWindow(Group)).ToContainTextAsync(new System.Text.RegularExpressions.Regex(@"open: 1:[23]\d left"));
        var countdown = await page.PairingWindow(Group).TextContentAsync();
        await Expect(page.PairingWindow(Group)).Not.ToHaveTextAsync(countdown!);

        var device = await PairAsync(broker, Group + "@@@DEVICE_001");
        await using var sensor = await TestClient.ConnectAsync(broker, device.ClientId,
            configure: options => options.WithCredentials(device.UserName, device.Password));
        Assert.Equal(MqttClientConnectResultCode.Success, sensor.ConnectResult.ResultCode);
        await Expect(page.ClientRow(device.ClientId)).ToBeVisibleAsync();
        var row = page.DeviceRow(device.ClientId);
        await Expect(row.Locator(".state")).ToHaveTextAsync("paired", new() { Timeout = 10_000 });

        // At the default 1280-px viewport (two columns) the table, its inputs and buttons stay inside their panel.
        var panel = (await page.Page.Locator("#devices-panel").BoundingBoxAsync())!;
        var table = (await page.Page.Locator("#devices").BoundingBoxAsync())!;
        Assert.True(table.X + table.Width <= panel.X + panel.Width, $"the devices table ends at {table.X + table.Width}, its panel at {panel.X + panel.Width}");

        await row.Locator("input").FillAsync("Kitchen sensor");
        await row.Locator("button.rename").ClickAsync();
        await Eventually.WaitUntilAsync(async () => await DeviceNameAsync(api, device.ClientId) == "Kitchen sensor",
            () => "the rename did not reach the broker");
        await Expect(row.Locator("input")).ToHaveValueAsync("Kitchen sensor");

        await row.Locator("button.revoke").ClickAsync();
        await Expect(row.Locator("button.revoke")).ToHaveTextAsync("Confirm revoke");
        await row.Locator("button.revoke").ClickAsync();
        await Expect(row.Locator(".state")).ToHaveTextAsync("revoked");
        await Eventually.WaitUntilAsync(() => !sensor.Client.IsConnected, () => "the revoked sensor is still connected");
        await Expect(page.ClientRow(device.ClientId)).ToBeHiddenAsync(new() { Timeout = DashboardPage.UpdateTimeoutMs });
        page.AssertNoScriptErrors();
    }

    [BrowserFact(Tool.MosquittoBroker)]
    public async Task The_uplink_to_a_real_mosquitto_shows_its_state_and_what_it_sent()
    {
        await using var upstream = await MosquittoUpstream.StartAsync();
        await using var gateway = await Gateway.StartAsync(Gateway.Forward(Gateway.Settings(upstream.Address), "sensors/#"));
        var page = await browser.OpenAsync(gateway.Broker.HttpBaseAddress!);
        await page.SignInLiveAsync(Gateway.Key, Gateway.Secret);
        var uplink = page.Page.Locator("#uplinks tbody tr[data-uplink='cloud'] td");
        await Expect(uplink.Nth(1)).ToHaveTextAsync("connected", new() { Timeout = 10_000 });

        await using var sensor = await TestClient.ConnectAsync(gateway.Broker, "GID_sensors@@@dev1");
        await sensor.PublishAsync("sensors/temperature", "21.5");
        await Expect(uplink.Nth(5)).ToHaveTextAsync("1", new() { Timeout = 10_000 });

        await upstream.StopAsync();
        await Expect(uplink.Nth(1)).Not.ToHaveTextAsync("connected", new() { Timeout = 10_000 });
        page.AssertNoScriptErrors();
    }

    async Task<DashboardPage> OpenSignedInAsync(RunningBroker broker)
    {
        var page = await browser.OpenAsync(broker.HttpBaseAddress!);
        await page.SignInLiveAsync(AccessKey, Secret);
        return page;
    }

    /// <summary>Starts mosquitto_sub as <paramref name="clientId"/> (it prints only what it receives) and waits until the
    /// broker has it connected.</summary>
    static async Task<ProcessRunner> StartMosquittoSubAsync(RunningBroker broker, string clientId)
    {
        var subscriber = ProcessRunner.Start(ExternalTools.MosquittoSub, "-h", broker.Host, "-p", broker.Port.ToString(),
            "-i", clientId, "-t", "sensors/#");
        await Eventually.WaitUntilAsync(() => broker.IsConnected(clientId), () => "mosquitto_sub did not connect", ToolTimeout);
        return subscriber;
    }

    /// <summary>Sends one QoS 1 P2P message to <paramref name="receiver"/> with mosquitto_pub, as client
    /// <c>GID_sensors@@@sender</c>.</summary>
    static async Task SendP2PWithMosquittoPubAsync(RunningBroker broker, string receiver, string message)
    {
        var published = await ProcessRunner.RunAsync(ToolTimeout, ExternalTools.MosquittoPub, "-h", broker.Host, "-p", broker.Port.ToString(),
            "-i", Group + "@@@sender", "-q", "1", "-t", $"{Group}/p2p/{receiver}", "-m", message);
        Assert.True(published.ExitCode == 0, published.Errors);
    }

    /// <summary>The display name the broker keeps for a paired device, asked over the signed API (not the page).</summary>
    static async Task<string?> DeviceNameAsync(ApiBroker api, string clientId)
    {
        var answer = await api.AllGroups.GetAsync("/devices");
        answer.AssertOk();
        return answer.Body.GetProperty("devices").EnumerateArray()
            .Single(device => device.GetProperty("clientId").GetString() == clientId)
            .GetProperty("name").GetString();
    }

    /// <summary>Pairs a new sensor the way docs/security.md describes it — CONNECT as <c>Pair|{group}</c>, take the
    /// credentials from the one message the broker sends — and returns them.</summary>
    static async Task<(string ClientId, string UserName, string Password)> PairAsync(RunningBroker broker, string clientId)
    {
        await using var pairing = await TestClient.ConnectAsync(broker, clientId,
            configure: options => options.WithCredentials("Pair|" + Group, string.Empty));
        var message = await pairing.ReceiveAsync();
        using var credentials = JsonDocument.Parse(message.ConvertPayloadToString());
        return (clientId, credentials.RootElement.GetProperty("username").GetString()!, credentials.RootElement.GetProperty("password").GetString()!);
    }
}
