using System.Globalization;
using EdgeBroker.Core.Security;
using EdgeBroker.Host.Http.Signing;
using EdgeBroker.Host.Monitoring;
using EdgeBroker.Host.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace EdgeBroker.Host.Http;

/// <summary>
/// Tokens for MQTT Token mode, issued and revoked by an application server the way ApsaraMQ's token server does it
/// (<c>POST /token/apply</c> with <c>resources</c>, <c>actions</c>, <c>expireTime</c>; the token comes back once as
/// <c>tokenData</c>). A token is issued to the access key that signed the request, and only clients connecting with that
/// key's user name (<c>Token|{AccessKeyId}|{InstanceId}</c>) can present it, so a key limited to some groups yields tokens
/// only clients of those groups can use. Resources are topics, not groups: which topics a client may use at all is its
/// access rule's decision, and a token never widens that. <c>/token/apply</c> takes the signed-request form every
/// endpoint takes and ApsaraMQ's token-server call unchanged (<see cref="TokenServerForm"/>).
/// </summary>
static class TokenApi
{
    public const string ResourcesParameter = "resources";
    public const string ActionsParameter = "actions";
    public const string ExpireTimeParameter = "expireTime";
    public const string TokenParameter = "token";

    /// <summary>ApsaraMQ's longest token lifetime. A later <c>expireTime</c> is shortened to it, as ApsaraMQ does, and
    /// the answer's <c>expireTime</c> says when the token really expires.</summary>
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(30);

    /// <summary><c>serviceName</c> and <c>proxyType</c> are taken in either form, so ApsaraMQ's fields may be sent as
    /// they are; they must say what ApsaraMQ requires (<c>mq</c>, <c>MQTT</c>).</summary>
    static readonly EndpointParameters ApplyParameters = new([ResourcesParameter, ActionsParameter, ExpireTimeParameter],
        [TokenServerForm.ServiceNameParameter, TokenServerForm.ProxyTypeParameter]);
    static readonly EndpointParameters RevokeParameters = new(HttpMethods.Post, "/token/revoke", [TokenParameter], []);

    public static void MapTokenApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/token/apply", Apply);
        app.MapMethods(RevokeParameters.Path, RevokeParameters.Methods, Revoke);
    }

    static async Task<IResult> Apply(HttpRequest http, SignedRequestVerifier verifier, BrokerSecurity security, TimeProvider clock,
        ILoggerFactory logs)
    {
        var (request, error) = await verifier.VerifyAsync(http, ApplyParameters, takesTokenServerForm: true);
        if (error is not null)
        {
            return error.ToResult();
        }

        if (request![TokenServerForm.ServiceNameParameter] is { } serviceName && serviceName != TokenServerForm.ServiceName)
        {
            return ApiError.BadRequest($"serviceName must be {TokenServerForm.ServiceName}, as ApsaraMQ's token server requires.").ToResult();
        }

        if (request[TokenServerForm.ProxyTypeParameter] is { } proxyType && proxyType != TokenServerForm.ProxyType)
        {
            return ApiError.BadRequest($"proxyType must be {TokenServerForm.ProxyType}: this broker issues tokens for MQTT only.").ToResult();
        }

        if (!TryReadActions(request![ActionsParameter]!, out var canRead, out var canWrite))
        {
            return ApiError.BadRequest("actions must be R, W or R,W.").ToResult();
        }

        if (!long.TryParse(request[ExpireTimeParameter], NumberStyles.None, CultureInfo.InvariantCulture, out var expireTime))
        {
            return ApiError.BadRequest("expireTime must be Unix time in milliseconds (digits only).").ToResult();
        }

        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        if (request[SignedRequestVerifier.TimestampParameter] is null
            && expireTime > now + (long)(MaxLifetime + SignedRequestVerifier.MaxClockSkew).TotalMilliseconds)
        {
            // The token-server form has no timestamp: its signed expireTime is all that dates it. A captured request can
            // be sent again until then, each time minting a token that expires when the original's does; capped at
            // the longest lifetime (with the clock skew signed requests are allowed), that is at most 30 days.
            return ApiError.BadRequest("Without a timestamp (ApsaraMQ's token-server form) expireTime may be at most " +
                $"{MaxLifetime.TotalDays:0} days ahead: it is all that dates the request, and so bounds how long a captured " +
                "request can be sent again. Ask for a shorter lifetime, or sign with timestamp and nonce.").ToResult();
        }

        expireTime = Math.Min(expireTime, now + (long)MaxLifetime.TotalMilliseconds);
        var resources = request[ResourcesParameter]!.Split(',');
        var issue = security.IssueToken(request.AccessKey.Id, resources, canRead, canWrite, expireTime, now);
        if (!issue.Succeeded)
        {
            return ApiError.BadRequest($"No token issued: {issue.Error}.").ToResult();
        }

        var actions = request[ActionsParameter];
        logs.CreateLogger(typeof(TokenApi)).LogInformation(LogEvents.AdminAction,
            "Token {TokenId} issued to access key {AccessKey} for {Resources} ({Actions}) until {ExpireTime}",
            issue.Record.Id, request.AccessKey.Id, string.Join(',', resources), actions, DateTimeOffset.FromUnixTimeMilliseconds(expireTime).ToString("u"));
        var password = (canRead ? "R" : "") + (canWrite ? "W" : "") + "|{tokenData}";
        return Results.Json(new
        {
            code = ApiCodes.Ok,
            success = true,
            tokenData = issue.Token,
            resources,
            actions,
            expireTime,
            message = "Token issued; it is shown only this once. Connect with user name " +
                $"Token|{request.AccessKey.Id}|{request[SignedRequestVerifier.InstanceIdParameter]} and password {password}.",
        });
    }

    /// <summary>Whoever holds a token may revoke it: holding it already lets them use it, and revoking only takes that
    /// away. Clients connected with it are disconnected at once.</summary>
    static async Task<IResult> Revoke(HttpRequest http, SignedRequestVerifier verifier, BrokerSecurity security,
        RevocationSignal revocations, ILoggerFactory logs)
    {
        var (request, error) = await verifier.VerifyAsync(http, RevokeParameters);
        if (error is not null)
        {
            return error.ToResult();
        }

        if (!security.RevokeToken(request![TokenParameter]!))
        {
            return ApiError.NotFound("No such token: it was never issued, has expired or is already revoked.").ToResult();
        }

        revocations.Raise();
        logs.CreateLogger(typeof(TokenApi)).LogInformation(LogEvents.AdminAction, "A token was revoked by access key {AccessKey}", request.AccessKey.Id);
        return Results.Json(new { code = ApiCodes.Ok, success = true, message = "Token revoked; clients using it are disconnected." });
    }

    /// <summary><c>R</c>, <c>W</c> or both, comma-separated, each once (ApsaraMQ writes both as <c>R,W</c>).</summary>
    static bool TryReadActions(string text, out bool canRead, out bool canWrite)
    {
        canRead = false;
        canWrite = false;
        foreach (var action in text.Split(','))
        {
            switch (action)
            {
                case "R" when !canRead:
                    canRead = true;
                    break;
                case "W" when !canWrite:
                    canWrite = true;
                    break;
                default:
                    return false;
            }
        }

        return true;
    }
}
