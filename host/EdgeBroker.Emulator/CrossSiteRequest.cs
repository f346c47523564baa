using EdgeBroker.Core.Text;
using Microsoft.AspNetCore.Http;

namespace EdgeBroker.Emulator;

/// <summary>
/// Tells a POST another web page made the browser send from one the user made. The endpoint takes no access key (it
/// listens on loopback), but a browser on this machine is on loopback too: any page it shows could submit a form to
/// <c>POST /pairing</c>. Such a request says where it comes from — <c>Origin</c> (every browser, on every POST) and
/// <c>Sec-Fetch-Site</c> (current browsers) — and a page cannot leave them out or forge them. curl, scripts and the
/// dashboard served here send neither, or this endpoint's own origin.
/// </summary>
static class CrossSiteRequest
{
    /// <summary>Why <paramref name="request"/> came from another site, for the log line; null when it did not.</summary>
    public static string? Refusal(HttpRequest request)
    {
        // The endpoint answers only requests whose Host is one of its loopback names, so the Host header gives this
        // endpoint's own origin (a DNS-rebound name never gets this far).
        var own = $"{request.Scheme}://{request.Host}";
        if (request.Headers.TryGetValue("Origin", out var origin) && !string.Equals(origin.ToString(), own, StringComparison.OrdinalIgnoreCase))
        {
            return $"its Origin is {ClientTextForLog.Of(origin.ToString())}, not {own}";
        }

        // same-site is refused too: another port of this machine (localhost:8080 against localhost:8081) is the same
        // site but another program's page.
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        return site is "cross-site" or "same-site" ? $"the browser says a {site} page sent it (Sec-Fetch-Site)" : null;
    }
}
