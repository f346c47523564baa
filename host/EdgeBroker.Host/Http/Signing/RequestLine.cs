namespace EdgeBroker.Host.Http.Signing;

/// <summary>
/// The method and path an EdgeBroker endpoint's signature covers besides its parameters, so a signature made for one
/// request cannot authorise another endpoint or method (a captured <c>GET /clients/count</c> sent as
/// <c>POST /pairing/open</c> with the same parameters). The path is the endpoint's, as the API's tables list it.
/// </summary>
public sealed record RequestLine(string Method, string Path)
{
    /// <summary>ApsaraMQ's endpoints, which sign their parameters only — ApsaraMQ's own algorithm, so its client code
    /// calls them unchanged. A signature for one of them is accepted by no other endpoint: every other endpoint's string
    /// to sign begins with a method and a newline, which no string of parameter names can, and these two take no
    /// parameter set in common (<c>/route/clientId/get</c> needs <c>resource</c>, which <c>/token/apply</c> refuses as
    /// unknown, and <c>/token/apply</c> needs <c>resources</c>, <c>actions</c> and <c>expireTime</c>, which
    /// <c>/route/clientId/get</c> refuses).</summary>
    public static readonly IReadOnlyList<RequestLine> ApsaraMqEndpoints =
    [
        new("GET", "/route/clientId/get"),
        new("POST", "/token/apply"),
    ];

    /// <summary>What a request of <paramref name="method"/> to <paramref name="path"/> signs besides its parameters:
    /// its method and path, or nothing (null) for ApsaraMQ's endpoints.</summary>
    public static RequestLine? SignedBy(string method, string path)
    {
        var line = new RequestLine(method.ToUpperInvariant(), path);
        return ApsaraMqEndpoints.Contains(line) ? null : line;
    }
}
