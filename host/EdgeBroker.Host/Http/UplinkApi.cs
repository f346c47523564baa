using EdgeBroker.Core;
using EdgeBroker.Host.Http.Signing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace EdgeBroker.Host.Http;

/// <summary>
/// <c>GET /uplinks</c>: the state of every configured uplink as a JSON array of the core's status objects
/// (<see cref="Core.Uplink.UplinkStatus.ToJson"/>: name, state, address, queued, sent, acknowledged, dropped, lastError and
/// more) — the same document <c>$SYS/uplink/{name}/state</c> carries. Uplinks serve the whole broker, so only a key that
/// sees every group may ask.
/// </summary>
static class UplinkApi
{
    static readonly EndpointParameters Parameters = new(HttpMethods.Get, "/uplinks", [], []);

    public static void MapUplinkApi(this IEndpointRouteBuilder app) => app.MapMethods(Parameters.Path, Parameters.Methods, List);

    static async Task<IResult> List(HttpRequest http, SignedRequestVerifier verifier, BrokerCore core)
    {
        var (request, error) = await verifier.VerifyAsync(http, Parameters);
        if (error is not null)
        {
            return error.ToResult();
        }

        if (!request!.AccessKey.SeesAllGroups)
        {
            // Uplinks carry every group's messages, so no group parameter could narrow what this shows.
            return ApiError.NeedsEveryGroup(request.AccessKey, "the uplinks' status").ToResult();
        }

        var nowMs = Clock.NowMs();
        var statuses = Enumerable.Range(0, core.UplinkCount).Select(i => core.UplinkAt(i).Status(nowMs).ToJson());
        return Results.Text("[" + string.Join(",", statuses) + "]", "application/json");
    }
}
