using EdgeBroker.Emulator;
using EdgeBroker.EndToEnd.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace EdgeBroker.Dashboard.Tests;

/// <summary>
/// The same page served by the firmware emulator's HTTP endpoint, showing the device's subset: no login (the endpoint
/// is loopback only and the device has no access keys), no device administration, the pairing button instead of
/// pairing windows — driven by the emulator's capabilities answer, not by a second page.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class EmulatorDashboardTests(Browser browser)
{
    [BrowserFact]
    public async Task The_emulator_serves_the_devices_subset_with_live_clients_and_the_pairing_button()
    {
        await using var emulator = EmulatorEngine.Start();
        var port = FreePorts.Next();
        using var endpoint = new StatusEndpoint(emulator.Gateway, port, emulator.Log);
        endpoint.Start();
        var page = await browser.OpenAsync(new Uri($"http://127.0.0.1:{port}/"));

        await Expect(page.FeedState).ToHaveTextAsync("live", new() { Timeout = DashboardPage.UpdateTimeoutMs });
        await Expect(page.Login).ToBeHiddenAsync();
        await Expect(page.Page.Locator("#engine")).ToContainTextAsync("emulator");
        await Expect(page.Page.Locator("#devices-panel")).ToBeHiddenAsync();
        await Expect(page.Page.Locator("#pairing-form")).ToBeHiddenAsync();

        const string clientId = "GID_sensors@@@dev1";
        await using var client = await TestClient.ConnectAsync(emulator, clientId);
        await Expect(page.ClientRow(clientId)).ToBeVisibleAsync(new() { Timeout = 2000 });
        await Expect(page.PresenceEvent(clientId, "connect")).ToBeVisibleAsync();

        await page.Page.Locator("#pairing-button").ClickAsync();
        await Expect(page.PairingWindow(emulator.Gateway.Pairing.Group)).ToContainTextAsync("left");
        Assert.True(emulator.Gateway.Pairing.IsOpen);
        page.AssertNoScriptErrors();
    }

    [BrowserFact]
    public async Task A_lost_feed_is_reopened_by_the_page_once_the_endpoint_is_back()
    {
        await using var emulator = EmulatorEngine.Start();
        var port = FreePorts.Next();
        var endpoint = new StatusEndpoint(emulator.Gateway, port, emulator.Log);
        endpoint.Start();
        var page = await browser.OpenAsync(new Uri($"http://127.0.0.1:{port}/"));
        await Expect(page.FeedState).ToHaveTextAsync("live", new() { Timeout = DashboardPage.UpdateTimeoutMs });

        endpoint.Dispose();
        await Expect(page.FeedState).ToHaveTextAsync("reconnecting…");
        using var restarted = new StatusEndpoint(emulator.Gateway, port, emulator.Log);
        restarted.Start();
        await using var client = await TestClient.ConnectAsync(emulator, "GID_sensors@@@late");

        await Expect(page.FeedState).ToHaveTextAsync("live", new() { Timeout = 10_000 });
        await Expect(page.ClientRow("GID_sensors@@@late")).ToBeVisibleAsync(new() { Timeout = DashboardPage.UpdateTimeoutMs });
        page.AssertNoScriptErrors();
    }
}
