using System.Globalization;
using EdgeBroker.Core;
using EdgeBroker.Core.Presence;
using EdgeBroker.Core.Topics;
using EdgeBroker.Host.Http.Signing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace EdgeBroker.Host.Http;

/// <summary>
/// Who is online, from the core's live TCP connections (the same ones presence events report): one client ID's
/// connection count, the number of online clients, and a paged list of the live connections. Signed requests only.
/// </summary>
static class OnlineStatusApi
{
    public const string ResourceParameter = "resource";
    public const string PageParameter = "page";
    public const string PageSizeParameter = "pageSize";
    public const int DefaultPageSize = 100;
    public const int MaxPageSize = 1000;

    /// <summary>ApsaraMQ's online-status query, signed as ApsaraMQ signs it: its parameters only.</summary>
    static readonly EndpointParameters ClientStatusParameters = new([ResourceParameter], []);
    static readonly EndpointParameters ClientCountParameters = new(HttpMethods.Get, "/clients/count", [], [GroupScope.Parameter]);
    static readonly EndpointParameters ClientListParameters = new(HttpMethods.Get, "/clients", [],
        [GroupScope.Parameter, PageParameter, PageSizeParameter]);

    public static void MapOnlineStatusApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/route/clientId/get", ClientStatus);
        app.MapMethods(ClientCountParameters.Path, ClientCountParameters.Methods, ClientCount);
        app.MapMethods(ClientListParameters.Path, ClientListParameters.Methods, ClientList);
    }

    /// <summary><c>online</c> is the number of live TCP connections of the client ID: 0 offline, 1 online, 2 for the
    /// moment a takeover is under way.</summary>
    static async Task<IResult> ClientStatus(HttpRequest http, SignedRequestVerifier verifier, BrokerCore core)
    {
        var (request, error) = await verifier.VerifyAsync(http, ClientStatusParameters);
        if (error is not null)
        {
            return error.ToResult();
        }

        var clientId = request![ResourceParameter]!;
        if (GroupScope.Permit(request, ClientIdentity.GroupOf(clientId)) is { } notPermitted)
        {
            return notPermitted.ToResult();
        }

        var online = core.LiveConnectionCount(clientId);
        return Results.Json(new
        {
            code = ApiCodes.Ok,
            success = true,
            online,
            message = online > 0 ? $"{clientId} is online." : $"{clientId} is offline.",
        });
    }

    /// <summary><c>count</c> is the number of online client IDs, <c>connections</c> the live TCP connections (more
    /// during takeovers).</summary>
    static async Task<IResult> ClientCount(HttpRequest http, SignedRequestVerifier verifier, BrokerCore core)
    {
        var (request, error) = await verifier.VerifyListingAsync(http, ClientCountParameters);
        if (error is not null)
        {
            return error.ToResult();
        }

        var group = request![GroupScope.Parameter];

        var connections = LiveConnectionsIn(core, group);
        var count = connections.Select(connection => connection.ClientId).Distinct(StringComparer.Ordinal).Count();
        return Results.Json(new
        {
            code = ApiCodes.Ok,
            success = true,
            count,
            connections = connections.Count,
            message = $"{count} client(s) online{InGroup(group)}.",
        });
    }

    /// <summary>The live connections, oldest first, <c>pageSize</c> at a time (pages count from 1).</summary>
    static async Task<IResult> ClientList(HttpRequest http, SignedRequestVerifier verifier, BrokerCore core)
    {
        var (request, error) = await verifier.VerifyListingAsync(http, ClientListParameters);
        if (error is not null)
        {
            return error.ToResult();
        }

        var group = request![GroupScope.Parameter];
        if (!TryReadPositive(request[PageParameter], 1, int.MaxValue, out var page)
            || !TryReadPositive(request[PageSizeParameter], DefaultPageSize, MaxPageSize, out var pageSize))
        {
            return ApiError.BadRequest($"page must be a number from 1 and pageSize a number from 1 to {MaxPageSize}.").ToResult();
        }

        var connections = LiveConnectionsIn(core, group);
        var nowMs = Clock.NowMs();
        var clients = connections
            .Skip((int)Math.Min((long)(page - 1) * pageSize, int.MaxValue))
            .Take(pageSize)
            .Select(connection => new
            {
                clientId = connection.ClientId,
                channelId = connection.ChannelId,
                clientIp = connection.ClientAddress,
                connectedAt = Clock.Rebased(connection.ConnectedAtUnixMilliseconds, nowMs),
            })
            .ToList();
        return Results.Json(new
        {
            code = ApiCodes.Ok,
            success = true,
            total = connections.Count,
            page,
            pageSize,
            clients,
            message = $"{clients.Count} of {connections.Count} live connection(s){InGroup(group)}.",
        });
    }

    static List<LiveConnection> LiveConnectionsIn(BrokerCore core, string? group) =>
        core.LiveConnections()
            .Cast<LiveConnection>()
            .Where(connection => GroupScope.Includes(group, ClientIdentity.GroupOf(connection.ClientId)))
            .ToList();

    static bool TryReadPositive(string? text, int absent, int max, out int value)
    {
        value = absent;
        return text is null
            || (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= 1 && value <= max);
    }

    static string InGroup(string? group) => group is null ? string.Empty : $" in group {group}";
}
