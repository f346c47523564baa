using EdgeBroker.Host.Http.Signing;
using Microsoft.AspNetCore.Http;

namespace EdgeBroker.Host.Http;

/// <summary>A refused request, answered as <c>{"code":N,"success":false,"message":"…"}</c> with its HTTP status.</summary>
sealed record ApiError(int StatusCode, int Code, string Message)
{
    public static ApiError BadRequest(string message) => new(StatusCodes.Status400BadRequest, ApiCodes.BadRequest, message);

    public static ApiError SignatureMismatch() => new(StatusCodes.Status403Forbidden, ApiCodes.SignatureMismatch,
        "The signature does not match the request: check the access key, its secret and how the string to sign is built " +
        "(see docs/presence.md), and URL-encode the Base64 signature ('+' as %2B).");

    /// <summary>The key may not see <paramref name="groupId"/>, or (null) may see only some groups and named none.</summary>
    public static ApiError NotPermitted(AccessKey accessKey, string? groupId) => new(StatusCodes.Status403Forbidden, ApiCodes.NotPermitted,
        groupId is null
            ? $"Access key '{accessKey.Id}' may only see some groups; name one with group=."
            : $"Access key '{accessKey.Id}' may not see or administer group '{groupId}'.");

    public static ApiError TimestampOutOfWindow(TimeSpan allowed) => new(StatusCodes.Status403Forbidden, ApiCodes.TimestampOutOfWindow,
        $"The timestamp is more than {allowed.TotalMinutes:0} minutes from the broker's clock; send the current Unix time in milliseconds.");

    public static ApiError NotFound(string message) => new(StatusCodes.Status404NotFound, ApiCodes.NotFound, message);

    public static ApiError Internal() => new(StatusCodes.Status500InternalServerError, ApiCodes.InternalError,
        "The broker could not answer this request; its log has the details.");

    public IResult ToResult() => Results.Json(new { code = Code, success = false, message = Message }, statusCode: StatusCode);

    public Task WriteAsync(HttpContext context) => ToResult().ExecuteAsync(context);
}
