using EdgeBroker.Core;
using EdgeBroker.Core.Security;
using EdgeBroker.Dashboard;
using EdgeBroker.Host.Configuration;
using EdgeBroker.Host.Http.Signing;
using EdgeBroker.Host.Mqtt;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace EdgeBroker.Host.Http;

/// <summary>
/// The web dashboard on the HTTP port: the page at <c>/</c> and its files under <c>/assets/</c> (unsigned: they hold
/// no data), what this engine offers the page (<see cref="DashboardCapabilities"/>, unsigned, no secrets), and the live
/// feed (<see cref="DashboardFeed"/>), a signed request like every listing of the API: a key limited to some groups
/// names one with <c>group=</c> and sees only that group's clients, queues, pairing windows and presence events.
/// Everything else the page does goes through the existing signed endpoints.
/// </summary>
static class DashboardApi
{
    static readonly EndpointParameters FeedParameters = new(HttpMethods.Get, DashboardFeed.Path, [], [GroupScope.Parameter]);

    /// <summary>The unsigned answers take HEAD as well as GET (link checkers and uptime monitors ask with HEAD): minimal
    /// APIs answer only the methods mapped, and Kestrel leaves the body out of a HEAD answer.</summary>
    static readonly string[] UnsignedMethods = [HttpMethods.Get, HttpMethods.Head];

    public static void MapDashboard(this IEndpointRouteBuilder app)
    {
        app.MapMethods("/", UnsignedMethods, Asset);
        app.MapMethods(DashboardAssets.AssetPrefix + "{name}", UnsignedMethods, Asset);
        app.MapMethods(DashboardCapabilities.Path, UnsignedMethods, Capabilities);
        app.MapMethods(FeedParameters.Path, FeedParameters.Methods, FeedAsync);
    }

    static IResult Asset(HttpContext http)
    {
        if (DashboardAssets.Find(http.Request.Path) is not { } asset)
        {
            // "No such endpoint" (code 1), as for any other path nothing answers; code 6 is for a token, device or
            // pairing window that does not exist.
            return new ApiError(StatusCodes.Status404NotFound, ApiCodes.BadRequest, $"There is no dashboard file {http.Request.Path}.").ToResult();
        }

        foreach (var (name, value) in DashboardAssets.Headers)
        {
            http.Response.Headers[name] = value;
        }

        return Results.Bytes(asset.Content, asset.ContentType);
    }

    static IResult Capabilities(IOptions<BrokerOptions> options) =>
        Results.Json(new DashboardCapabilities("host", BrokerVersion.Number, options.Value.InstanceId, SignedRequests: true, Devices: true,
            DashboardCapabilities.PairingWindow, PairingGroup: null));

    static async Task FeedAsync(HttpContext http, SignedRequestVerifier verifier, DashboardFeed feed, BrokerCore core,
        HostStatistics engine, BrokerSecurity security, IHostApplicationLifetime lifetime)
    {
        var (request, error) = await verifier.VerifyListingAsync(http.Request, FeedParameters);
        if (error is not null)
        {
            await error.WriteAsync(http);
            return;
        }

        var group = request![GroupScope.Parameter];
        Func<string, bool> includesGroup = groupId => GroupScope.Includes(group, groupId);
        using var subscriber = feed.TryOpen(includesGroup);
        if (subscriber is null)
        {
            await new ApiError(StatusCodes.Status503ServiceUnavailable, ApiCodes.BadRequest,
                $"{DashboardFeed.MaxStreams} dashboards are watching already; close one and try again.").WriteAsync(http);
            return;
        }

        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await http.Response.Body.FlushAsync(http.RequestAborted);

        // Ends with the browser's request or when the broker stops, so a watching dashboard never holds up a shutdown.
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, lifetime.ApplicationStopping);
        var includeUplinks = request.AccessKey.SeesAllGroups;
        await subscriber.StreamAsync(http.Response.Body, () => DashboardSnapshot.Build(core, engine, security, includesGroup, includeUplinks),
            stopping.Token);
    }
}
