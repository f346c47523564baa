using Microsoft.Playwright;

namespace EdgeBroker.Dashboard.Tests;

/// <summary>The dashboard as a user sees it in the browser: its login form, panels and buttons, found by what the page
/// shows. Records the page's uncaught script errors, which every test expects to be none.</summary>
public sealed class DashboardPage
{
    /// <summary>How long the page may take to show what the broker just did: one status event (every second) plus the
    /// browser's own time on a loaded machine.</summary>
    public static readonly float UpdateTimeoutMs = 5000;

    readonly List<string> _scriptErrors = [];

    public DashboardPage(IPage page)
    {
        Page = page;
        page.PageError += (_, error) => _scriptErrors.Add(error);
    }

    public IPage Page { get; }

    public ILocator Login => Page.Locator("#login");

    public ILocator LoginError => Page.Locator("#login-error");

    public ILocator Panels => Page.Locator("#dashboard");

    public ILocator FeedState => Page.Locator("#feed-state");

    public ILocator ClientRow(string clientId) => Page.Locator($"#clients tbody tr[data-client-id='{clientId}']");

    public ILocator PresenceEvent(string clientId, string eventType) =>
        Page.Locator($"#presence li[data-client-id='{clientId}'][data-event-type='{eventType}']");

    public ILocator PairingWindow(string group) => Page.Locator($"#pairing-windows li[data-group='{group}']");

    public ILocator DeviceRow(string clientId) => Page.Locator($"#devices tbody tr[data-client-id='{clientId}']");

    public ILocator P2PLine => Page.Locator("#chart-p2p");

    public ILocator Counter(string name) => Page.Locator("#counter-" + name);

    public async Task SignInAsync(string accessKey, string secret, string? group = null)
    {
        await Page.Locator("#login-key").FillAsync(accessKey);
        await Page.Locator("#login-secret").FillAsync(secret);
        await Page.Locator("#login-group").FillAsync(group ?? string.Empty);
        await Page.Locator("#login-submit").ClickAsync();
    }

    /// <summary>Signs in and waits until the live feed is open.</summary>
    public async Task SignInLiveAsync(string accessKey, string secret)
    {
        await SignInAsync(accessKey, secret);
        await Assertions.Expect(FeedState).ToHaveTextAsync("live", new() { Timeout = UpdateTimeoutMs });
    }

    /// <summary>The y coordinates of the P2P rate line (159 is a rate of 0, smaller is higher).</summary>
    public async Task<IReadOnlyList<double>> P2PLineHeightsAsync()
    {
        var points = await P2PLine.GetAttributeAsync("points") ?? string.Empty;
        return points.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(point => double.Parse(point.Split(',')[1], System.Globalization.CultureInfo.InvariantCulture))
            .ToList();
    }

    public void AssertNoScriptErrors() => Assert.Empty(_scriptErrors);
}
