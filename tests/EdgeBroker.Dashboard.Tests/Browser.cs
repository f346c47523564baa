using EdgeBroker.EndToEnd.Tests.Infrastructure;
using Microsoft.Playwright;

namespace EdgeBroker.Dashboard.Tests;

/// <summary>
/// One headless Debian chromium for the dashboard tests, driven by Playwright for .NET: the driver comes with the NuGet
/// package, the browser only from Debian (<see cref="ChromiumPath"/>, installed by tests/install-tools.sh) — Playwright's
/// own browser downloads are never used.
/// </summary>
public sealed class Browser : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    IPlaywright? _playwright;
    IBrowser? _browser;

    public async Task InitializeAsync()
    {
        // Without chromium every test is skipped (BrowserFactAttribute) and nothing is launched.
        if (!File.Exists(ChromiumPath))
        {
            return;
        }

        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = ChromiumPath, Headless = true });
    }

    /// <summary>Opens <paramref name="address"/> in a fresh browser context (no cookies, no storage of earlier tests).</summary>
    public async Task<DashboardPage> OpenAsync(Uri address)
    {
        var context = await _browser!.NewContextAsync();
        var page = await context.NewPageAsync();
        var dashboard = new DashboardPage(page);
        await page.GotoAsync(address.ToString());
        return dashboard;
    }

    /// <summary>A fresh browser context (no cookies, no storage of earlier tests); the caller closes it.</summary>
    public Task<IBrowserContext> NewContextAsync() => _browser!.NewContextAsync();

    /// <summary>One more Debian chromium, for a test that needs <paramref name="arguments"/> — flags that hold for a
    /// whole browser, never given to the shared one; the caller disposes it.</summary>
    public Task<IBrowser> LaunchAsync(params string[] arguments) =>
        _playwright!.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = ChromiumPath, Headless = true, Args = arguments });

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<Browser>
{
    public const string Name = "browser";
}

/// <summary>A test that needs chromium and the given third-party clients; skipped, with what to install, where they are
/// missing (CI installs them all, so it runs every test).</summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    public BrowserFactAttribute(Tool tools = 0)
    {
        Skip = MissingReason(tools);
    }

    public static string? MissingReason(Tool tools) =>
        !File.Exists(Browser.ChromiumPath)
            ? $"needs Debian's chromium at {Browser.ChromiumPath}; install with: sudo tests/install-tools.sh"
            : ExternalTools.MissingReason(tools);
}
