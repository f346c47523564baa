using System.Net;
using EdgeBroker.Emulator;
using EdgeBroker.EndToEnd.Tests.Http;
using EdgeBroker.EndToEnd.Tests.Infrastructure;

namespace EdgeBroker.Dashboard.Tests;

/// <summary>HEAD of the unsigned dashboard answers (the page, its files, the capabilities) is answered as GET is, without
/// the body, as link checkers and uptime monitors expect, by the host and the emulator; the signed API answers only the
/// methods it documents. Also what the page and its files answer without a browser. No browser needed.</summary>
public sealed class HeadRequestTests
{
    [Theory]
    [InlineData("/")]
    [InlineData("/assets/dashboard.js")]
    [InlineData("/assets/icon.svg")]
    [InlineData("/dashboard/capabilities")]
    public async Task Head_of_an_unsigned_dashboard_answer_has_the_headers_of_get_and_no_body(string path)
    {
        await using var api = await ApiBroker.StartAsync();
        using var http = new HttpClient { BaseAddress = api.Broker.HttpBaseAddress };

        using var get = await http.GetAsync(path);
        using var head = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, path));

        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(get.Content.Headers.ContentType, head.Content.Headers.ContentType);
        Assert.Equal(get.Headers.CacheControl, head.Headers.CacheControl);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/assets/dashboard.js")]
    [InlineData("/dashboard/capabilities")]
    public async Task The_emulator_answers_head_as_the_host_does(string path)
    {
        await using var emulator = EmulatorEngine.Start();
        var port = FreePorts.Next();
        using var endpoint = new StatusEndpoint(emulator.Gateway, port, emulator.Log);
        endpoint.Start();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };

        using var get = await http.GetAsync(path);
        using var head = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, path));

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (get.StatusCode, head.StatusCode));
        Assert.Equal(get.Content.Headers.ContentType, head.Content.Headers.ContentType);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
    }

    /// <summary>The page names its icon, so a browser does not ask for /favicon.ico (a 404 in its console on every load).</summary>
    [Fact]
    public async Task The_page_names_an_icon_it_serves()
    {
        await using var api = await ApiBroker.StartAsync();
        using var http = new HttpClient { BaseAddress = api.Broker.HttpBaseAddress };

        var page = await http.GetStringAsync("/");
        using var icon = await http.GetAsync("/assets/icon.svg");

        Assert.Contains("<link rel=\"icon\" href=\"/assets/icon.svg\"", page);
        Assert.Equal(HttpStatusCode.OK, icon.StatusCode);
        Assert.Equal("image/svg+xml", icon.Content.Headers.ContentType?.MediaType);
    }

    /// <summary>A dashboard file that does not exist is "no such endpoint" (code 1), as docs/presence.md says of any
    /// path nothing answers; code 6 is for a token, device or pairing window that does not exist.</summary>
    [Fact]
    public async Task A_missing_dashboard_file_is_no_such_endpoint()
    {
        await using var api = await ApiBroker.StartAsync();
        using var http = new HttpClient { BaseAddress = api.Broker.HttpBaseAddress };

        using var missing = await http.GetAsync("/assets/nope.js");
        using var body = System.Text.Json.JsonDocument.Parse(await missing.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(1, body.RootElement.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Head_of_a_signed_listing_is_refused_as_a_method_not_allowed()
    {
        await using var api = await ApiBroker.StartAsync();
        using var http = new HttpClient { BaseAddress = api.Broker.HttpBaseAddress };

        using var head = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/devices"));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, head.StatusCode);
    }
}
