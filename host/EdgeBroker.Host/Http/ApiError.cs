using EdgeBroker.Host.Http.Signing;
using Microsoft.AspNetCore.Http;

namespace EdgeBroker.Host.Http;

/// <summary>A refused request, answered as <c>{"code":N,"success":false,"message":"…"}</c> with its HTTP status, and a
/// <c>Retry-After</c> header when <see cref="RetryAfter"/> says when trying again may succeed.</summary>
sealed record ApiError(int StatusCode, int Code, string Message)
{
    public TimeSpan? RetryAfter { get; init; }

    public static ApiError BadRequest(string message) => new(StatusCodes.Status400BadRequest, ApiCodes.BadRequest, message);

    public static ApiError SignatureMismatch() => new(StatusCodes.Status403Forbidden, ApiCodes.SignatureMismatch,
        "The signature does not match the request: check the access key, its secret and how the string to sign is built " +
        "(see docs/presence.md), and URL-encode the Base64 signature ('+' as %2B).");

    /// <summary>The key may not see <paramref name="groupId"/>, or (null) may see only some groups and named none.</summary>
    public static ApiError NotPermitted(AccessKey accessKey, string? groupId) => new(StatusCodes.Status403Forbidden, ApiCodes.NotPermitted,
        groupId is null
            ? $"Access key '{accessKey.Id}' may only see some groups; name one with group=."
            : $"Access key '{accessKey.Id}' may not see or administer group '{groupId}'.");

    /// <summary>The key may see only some groups, and what was asked (<paramref name="what"/>) is not in any one group.</summary>
    public static ApiError NeedsEveryGroup(AccessKey accessKey, string what) => new(StatusCodes.Status403Forbidden, ApiCodes.NotPermitted,
        $"Access key '{accessKey.Id}' may only see some groups; {what} needs a key that sees every group (one with no Groups, such as a key from --access-key-file).");

    public static ApiError TimestampOutOfWindow(TimeSpan allowed) => new(StatusCodes.Status403Forbidden, ApiCodes.TimestampOutOfWindow,
        $"The timestamp is more than {allowed.TotalMinutes:0} minutes from the broker's clock; send the current Unix time in milliseconds.");

    public static ApiError Replayed() => new(StatusCodes.Status403Forbidden, ApiCodes.Replayed,
        "This signed request was accepted once already, and a change is made only once: sign every request anew, with the " +
        "current timestamp and, to tell apart requests signed in the same millisecond, a nonce (see docs/presence.md).");

    public static ApiError ReplayMemoryFull(int remembered, TimeSpan retryAfter) => new(StatusCodes.Status503ServiceUnavailable,
        ApiCodes.ReplayMemoryFull,
        $"The broker remembers {remembered} signed changes from the last minutes already, to refuse replays of them, and " +
        $"takes no more until the oldest expire; nothing was done. Try again in {RetryAfterResult.Seconds(retryAfter)} s " +
        "(MaxRememberedSignatures sets the bound).")
    {
        RetryAfter = retryAfter,
    };

    /// <summary>The login throttle locks the caller's address out for <paramref name="retryAfter"/> more.</summary>
    public static ApiError Throttled(TimeSpan retryAfter) => new(StatusCodes.Status429TooManyRequests, ApiCodes.Throttled,
        "Too many failed logins came from this address (wrong signatures or unknown access keys here, or wrong credentials " +
        $"over MQTT), so it is refused for another {RetryAfterResult.Seconds(retryAfter)} s, whatever it signs; nothing was " +
        "done. Check the access key and its secret before trying again (docs/security.md, \"Login throttle\").")
    {
        RetryAfter = retryAfter,
    };

    public static ApiError ClockNotSet() => new(StatusCodes.Status503ServiceUnavailable, ApiCodes.ClockNotSet,
        "Nothing was done: " + EdgeBroker.Core.Security.TimeBoundCredentials.ClockNotSetReason + " (set the broker's clock: NTP).");

    public static ApiError NotFound(string message) => new(StatusCodes.Status404NotFound, ApiCodes.NotFound, message);

    /// <summary>The body is larger than the API ever needs (<see cref="HttpLimits.MaxRequestBodyBytes"/>).</summary>
    public static ApiError BodyTooLarge(int maxBytes) => new(StatusCodes.Status413PayloadTooLarge, ApiCodes.BadRequest,
        $"The request body is larger than {maxBytes} bytes; the API's parameters take a few hundred.");

    public static ApiError Internal() => new(StatusCodes.Status500InternalServerError, ApiCodes.InternalError,
        "The broker could not answer this request; its log has the details.");

    public IResult ToResult()
    {
        var answer = Results.Json(new { code = Code, success = false, message = Message }, statusCode: StatusCode);
        return RetryAfter is { } wait ? new RetryAfterResult(answer, wait) : answer;
    }

    public Task WriteAsync(HttpContext context) => ToResult().ExecuteAsync(context);
}
