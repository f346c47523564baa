using EdgeBroker.Core;
using EdgeBroker.Core.Limits;
using EdgeBroker.Core.Security;
using EdgeBroker.Core.Text;
using EdgeBroker.Host.Monitoring;
using EdgeBroker.Host.Mqtt;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace EdgeBroker.Host.Http.Signing;

/// <summary>
/// A signed request's signature check as a login: the core's login throttle decides it
/// (<see cref="BrokerSecurity.AuthenticateSignedRequest"/>), so wrong secrets sent to the HTTP API and wrong credentials
/// sent over MQTT from one address add up, slow the address down and lock it out alike; and a refusal is logged as a
/// refused CONNECT is — the access key ID as the request names it, the address and the reason, never the signature —,
/// thinned by the same rule (<see cref="BrokerSecurity.ShouldLogRefusal"/>: the first of its kind from an address in a
/// minute, and the failure that locks the address out).
/// </summary>
sealed class SignedRequestLogins(BrokerSecurity security, ILogger<SignedRequestLogins> logger)
{
    /// <summary>How long to wait before answering <paramref name="http"/> (from an address that keeps failing, right
    /// signature or not), and its refusal: 403 code 2 for an unknown key or a wrong signature, 429 code 10 with
    /// Retry-After while the address is locked out; no refusal when the key signed it.</summary>
    public (int DelayMs, ApiError? Refusal) Decide(HttpRequest http, string accessKeyId, bool keyKnown, bool signatureMatches)
    {
        var address = SourceAddress.Of(http.HttpContext.Connection.RemoteIpAddress);
        var now = Clock.MonotonicMs();
        var decision = security.AuthenticateSignedRequest(accessKeyId, keyKnown, signatureMatches, address, now);
        if (decision.IsAccepted)
        {
            return (decision.ResponseDelayMs, null);
        }

        if (security.ShouldLogRefusal(decision, address, now))
        {
            logger.LogWarning(LogEvents.SignedRequestRefused, "Refused signed request {Method} {Path} from {RemoteIp}: {Reason}{Slowed}{Thinned}",
                http.Method, ClientTextForLog.Of(http.Path.ToString()), address, ClientTextForLog.Escaped(decision.Reason),
                decision.SlowedNote,
                ProblemReports.AddressRefusalNote);
        }

        return (decision.ResponseDelayMs, decision.Outcome == AuthOutcome.Throttled
            ? ApiError.Throttled(TimeSpan.FromMilliseconds(decision.LockedForMs))
            : ApiError.SignatureMismatch());
    }
}
