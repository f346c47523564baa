using System.Net;
using EdgeBroker.EndToEnd.Tests.Http;

namespace EdgeBroker.Dashboard.Tests;

/// <summary>HEAD of the host's unsigned dashboard answers (the page, its files, the capabilities) is answered as GET is,
/// without the body, as link checkers and uptime monitors expect; the signed API answers only the methods it
/// documents. No browser needed.</summary>
public sealed class HeadRequestTests
{
    [Theory]
    [InlineData("/")]
    [InlineData("/assets/dashboard.js")]
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

    [Fact]
    public async Task Head_of_a_signed_listing_is_refused_as_a_method_not_allowed()
    {
        await using var api = await ApiBroker.StartAsync();
        using var http = new HttpClient { BaseAddress = api.Broker.HttpBaseAddress };

        using var head = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/devices"));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, head.StatusCode);
    }
}
