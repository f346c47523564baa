namespace EdgeBroker.Host.Http;

/// <summary>The <c>code</c> of every HTTP API answer (docs/presence.md lists them for API users).</summary>
static class ApiCodes
{
    public const int Ok = 0;

    /// <summary>A parameter is missing, unknown, given twice or malformed, or there is no such endpoint (HTTP 400, 404
    /// or 405).</summary>
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
}
