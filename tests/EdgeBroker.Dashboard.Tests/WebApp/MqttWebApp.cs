using System.Text.RegularExpressions;
using EdgeBroker.EndToEnd.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace EdgeBroker.Dashboard.Tests.WebApp;

/// <summary>
/// WebApp/mqtt-web-app.html in chromium: MQTT.js's browser bundle connected to the broker over WebSocket, as a web app
/// uses it. The test serves the page and mqtt.min.js (from the npm package tests/install-tools.sh installs) from a
/// site of its own (<see cref="WebAppServer"/>), so the WebSocket upgrade carries that site's Origin, not the
/// broker's address.
/// </summary>
public sealed class MqttWebApp : IAsyncDisposable
{
    static readonly WebAppServer Site = new(new Dictionary<string, (string File, string ContentType)>
    {
        ["/"] = (PageFile, "text/html; charset=utf-8"),
        ["/mqtt.min.js"] = (MqttJsBundle, "text/javascript"),
    });

    /// <summary>The web app's site, as browsers name it in Origin.</summary>
    public static string Origin => Site.Origin;

    readonly IBrowserContext _context;
    readonly List<string> _scriptErrors = [];

    /// <summary>What the page wrote to its console, and its failed requests: said when it does not connect.</summary>
    readonly List<string> _console = [];

    MqttWebApp(IBrowserContext context, IPage page)
    {
        _context = context;
        Page = page;
        page.PageError += (_, error) => _scriptErrors.Add(error);
        page.Console += (_, message) => _console.Add($"{message.Type}: {message.Text}");
        page.RequestFailed += (_, request) => _console.Add($"request failed: {request.Url} {request.Failure}");
    }

    public IPage Page { get; }

    static string PageFile => Path.Combine(PublishedHost.RepositoryRoot(), "tests", "EdgeBroker.Dashboard.Tests", "WebApp", "mqtt-web-app.html");

    /// <summary>The browser bundle MQTT.js 5 ships (package.json's "browser" export).</summary>
    static string MqttJsBundle => Path.Combine(ExternalTools.MqttJsDirectory, "node_modules", "mqtt", "dist", "mqtt.min.js");

    /// <summary>Opens the web app in <paramref name="context"/> (closed with it) and waits until MQTT.js has connected to
    /// <paramref name="brokerUrl"/> as <paramref name="clientId"/> and subscribed to <paramref name="filter"/>.</summary>
    public static async Task<MqttWebApp> OpenAsync(IBrowserContext context, string brokerUrl, string clientId, string filter, int protocolVersion)
    {
        var app = new MqttWebApp(context, await context.NewPageAsync());
        var query = string.Join('&', new Dictionary<string, string>
        {
            ["broker"] = brokerUrl,
            ["clientId"] = clientId,
            ["subscribe"] = filter,
            ["protocolVersion"] = protocolVersion.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }.Select(pair => pair.Key + "=" + Uri.EscapeDataString(pair.Value)));
        await app.Page.GotoAsync($"{Origin}/?{query}");

        var body = app.Page.Locator("body");
        try
        {
            await Expect(body).ToHaveAttributeAsync("data-state", new Regex("^(subscribed|error)$"));
        }
        catch (PlaywrightException)
        {
            Assert.Fail($"MQTT.js in the browser neither subscribed nor failed; the page's console: {string.Join(" | ", app._console)}");
        }

        Assert.True(await body.GetAttributeAsync("data-state") == "subscribed",
            $"MQTT.js in the browser did not subscribe: {await app.Page.Locator("#error").TextContentAsync()}; the page's console: {string.Join(" | ", app._console)}");
        return app;
    }

    /// <summary>The messages the page received on <paramref name="topic"/>, as it lists them.</summary>
    public ILocator Received(string topic) => Page.Locator($"#received li[data-topic='{topic}']");

    /// <summary>Publishes at QoS 1 from the page; completes once MQTT.js has the broker's PUBACK.</summary>
    public Task PublishAsync(string topic, string text) => Page.EvaluateAsync("([topic, text]) => publish(topic, text)", new[] { topic, text });

    public void AssertNoScriptErrors() => Assert.Empty(_scriptErrors);

    public ValueTask DisposeAsync() => new(_context.CloseAsync());
}
