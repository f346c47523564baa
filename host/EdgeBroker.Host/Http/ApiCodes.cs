namespace EdgeBroker.Host.Http;

/// <summary>The <c>code</c> of every HTTP API answer (docs/presence.md lists them for API users).</summary>
static class ApiCodes
{
    public const int Ok = 0;

    /// <summary>A parameter is missing, unknown, given twice or malformed, there is no such endpoint (HTTP 400, 404
    /// or 405), or the body is larger than the API reads (HTTP 413).</summary>
    public const int BadRequest = 1;

    /// <summary>The signature does not match. An unknown access key gets the same answer, so the API cannot be used to
    /// find out which keys exist (HTTP 403).</summary>
    public const int SignatureMismatch = 2;

    /// <summary>The access key may not see or administer that group (HTTP 403).</summary>
    public const int NotPermitted = 3;

    /// <summary>The timestamp is more than five minutes from the broker's clock (HTTP 403).</summary>
    public const int TimestampOutOfWindow = 4;

    /// <summary>The broker failed while answering (HTTP 500); the details go to its log, never into the answer.</summary>
    public const int InternalError = 5;

    /// <summary>The token, paired device or pairing window the request names does not exist (HTTP 404).</summary>
    public const int NotFound = 6;

    /// <summary>A state-changing request (POST) whose signature was accepted once already: a replay, or a client sending
    /// the same signed request twice; a new attempt needs a new timestamp or nonce (HTTP 403).</summary>
    public const int Replayed = 7;

    /// <summary>The broker remembers as many recent signed changes as it may (to refuse their replays), so it takes no
    /// more until the oldest leave the timestamp window (HTTP 503).</summary>
    public const int ReplayMemoryFull = 8;

    /// <summary>The broker's own clock is not set (before 2025), so a request's timestamp or a token's expiry cannot be
    /// judged; nothing was done (HTTP 503). The core's rule: <c>TimeBoundCredentials</c>.</summary>
    public const int ClockNotSet = 9;

    /// <summary>Too many failed logins came from the caller's address — wrong signatures or unknown access keys here, wrong
    /// credentials over MQTT, counted together by the core's login throttle —, so it is refused for a while whatever it
    /// signs; <c>Retry-After</c> says how long (HTTP 429).</summary>
    public const int Throttled = 10;
}
