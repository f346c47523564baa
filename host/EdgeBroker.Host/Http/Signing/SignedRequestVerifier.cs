using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using EdgeBroker.Host.Configuration;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using TimeBoundCredentials = EdgeBroker.Core.Security.TimeBoundCredentials;

namespace EdgeBroker.Host.Http.Signing;

/// <summary>
/// The one check every signed HTTP endpoint runs before it acts: the parameters are those the endpoint takes, each
/// once; the request is for this instance; the signature matches (<see cref="RequestSignature"/>); the timestamp is
/// within <see cref="MaxClockSkew"/> of the broker's clock, which must be set (<see cref="TimeBoundCredentials"/>); a
/// request that changes something has not been accepted before (<see cref="UsedSignatures"/>). The signature check is a
/// login under the core's login throttle, logged when refused (<see cref="SignedRequestLogins"/>). What the access key may
/// see is the endpoint's decision. <c>POST /token/apply</c> also takes ApsaraMQ's token-server form, which has no
/// timestamp (<see cref="TokenServerForm"/>).
/// </summary>
sealed class SignedRequestVerifier(AccessKeyRing keys, IOptions<BrokerOptions> options, TimeProvider clock, SignedRequestLogins logins)
{
    public const string AccessKeyParameter = "accessKey";
    public const string InstanceIdParameter = "instanceId";
    public const string TimestampParameter = "timestamp";

    /// <summary>Any value the caller chooses, signed like every parameter: two requests otherwise the same — signed in
    /// the same millisecond, or a retry — are then two requests, not one and its replay (ApsaraMQ's SignatureNonce).</summary>
    public const string NonceParameter = "nonce";

    /// <summary>How far a request's timestamp may be from the broker's clock, either way, so a captured request cannot
    /// be replayed later; within it, a change is refused the second time (<see cref="UsedSignatures"/>).</summary>
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromMinutes(5);

    /// <summary>The parameters every signed request carries.</summary>
    public static readonly IReadOnlyList<string> CommonParameters =
        [AccessKeyParameter, InstanceIdParameter, TimestampParameter, RequestSignature.ParameterName];

    /// <summary>The parameters every signed request may carry.</summary>
    public static readonly IReadOnlyList<string> OptionalCommonParameters = [NonceParameter];

    readonly UsedSignatures _used = new(options.Value.MaxRememberedSignatures);

    /// <summary>Signs requests that name an unknown access key, so they cost the same work and take the same path as a
    /// wrong signature and the answer cannot tell the two apart. Random, so it can never match.</summary>
    readonly string _decoySecret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>Reads the parameters where the method allows them (<see cref="RequestParameters"/>) and verifies them —
    /// in ApsaraMQ's token-server form when <paramref name="takesTokenServerForm"/> and the request is in it
    /// (<see cref="TokenServerForm"/>), else as every signed request; exactly one of the two results is set. The
    /// signature is checked as a login (<see cref="SignedRequestLogins"/>): the answer waits as long as the login
    /// throttle says, and a refusal is logged.</summary>
    public async Task<(SignedRequest? Request, ApiError? Error)> VerifyAsync(HttpRequest http, EndpointParameters endpoint,
        bool takesTokenServerForm = false)
    {
        var (parameters, error) = await RequestParameters.ReadAsync(http);
        if (error is not null)
        {
            return (null, error);
        }

        var verified = takesTokenServerForm && TokenServerForm.IsUsedBy(parameters!)
            ? VerifyTokenServerForm(http, parameters!, endpoint)
            : Verify(http, parameters!, endpoint);
        if (verified.DelayMs > 0)
        {
            // A timer, not a blocked thread, as for a slowed CONNACK; not cancelled with the request, so a client that
            // hangs up early gains nothing.
            await Task.Delay(verified.DelayMs);
        }

        return (verified.Request, verified.Error);
    }

    /// <summary>Verifies a request in the form every signed endpoint takes.</summary>
    Verification Verify(HttpRequest http, IQueryCollection query, EndpointParameters endpoint)
    {
        var error = CheckParameterNames(query, endpoint.Allows, CommonParameters.Concat(endpoint.Required));
        if (error is not null)
        {
            return new(null, error, 0);
        }

        var parameters = query.ToDictionary(parameter => parameter.Key, parameter => parameter.Value.ToString(), StringComparer.Ordinal);
        error = CheckTimestampForm(parameters, out var timestamp) ?? CheckInstance(parameters);
        if (error is not null)
        {
            return new(null, error, 0);
        }

        // Authenticated before the clock is looked at, so an unsigned request learns nothing but code 2; a replay is
        // told so only once it has passed both.
        var (accessKey, delayMs, refusal) = SignIn(http, parameters, RequestSignature.StringToSign(endpoint.RequestLine, parameters));
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        error = refusal ?? CheckClock(timestamp, now);
        if (error is null && ChangesState(http.Method))
        {
            error = _used.Remember(parameters[RequestSignature.ParameterName], timestamp + (long)MaxClockSkew.TotalMilliseconds, now);
        }

        return error is null ? new(new SignedRequest(accessKey!, parameters), null, delayMs) : new(null, error, delayMs);
    }

    /// <summary>
    /// ApsaraMQ's token-server form (<see cref="TokenServerForm"/>): the parameters are those the form and the endpoint
    /// take, each once; the request is for this instance; the signature, over all but <c>signature</c>, <c>accessKey</c>
    /// and <c>proxyType</c>, matches. There is no timestamp to check and nothing to tell a replay by: the endpoint bounds
    /// what one can do.
    /// </summary>
    Verification VerifyTokenServerForm(HttpRequest http, IQueryCollection query, EndpointParameters endpoint)
    {
        var error = CheckParameterNames(query, name => TokenServerForm.Allows(endpoint, name), TokenServerForm.CommonParameters.Concat(endpoint.Required));
        if (error is not null)
        {
            return new(null, error, 0);
        }

        var parameters = query.ToDictionary(parameter => parameter.Key, parameter => parameter.Value.ToString(), StringComparer.Ordinal);
        error = CheckInstance(parameters);
        if (error is not null)
        {
            return new(null, error, 0);
        }

        var (accessKey, delayMs, refusal) = SignIn(http, parameters, RequestSignature.StringToSign(
            parameters.Where(parameter => !TokenServerForm.UnsignedParameters.Contains(parameter.Key))));

        // Its signed expireTime is the date this form is bounded by, and the endpoint judges it against the clock.
        error = refusal ?? (TimeBoundCredentials.CanBeJudgedAt(clock.GetUtcNow().ToUnixTimeMilliseconds()) ? null : ApiError.ClockNotSet());
        return error is null ? new(new SignedRequest(accessKey!, parameters), null, delayMs) : new(null, error, delayMs);
    }

    static ApiError? CheckParameterNames(IQueryCollection query, Func<string, bool> allows, IEnumerable<string> required)
    {
        // Names are compared exactly (the signature covers them as sent), though ASP.NET Core looks them up ignoring case.
        foreach (var (name, values) in query)
        {
            if (!allows(name))
            {
                return ApiError.BadRequest($"Unknown parameter '{name}'.");
            }

            if (values.Count > 1)
            {
                return ApiError.BadRequest($"Parameter '{name}' is given more than once.");
            }
        }

        var missing = required
            .Where(name => string.IsNullOrEmpty(query[name].ToString()))
            .ToList();
        return missing.Count == 0 ? null : ApiError.BadRequest($"Missing parameter: {string.Join(", ", missing)}.");
    }

    static ApiError? CheckTimestampForm(IReadOnlyDictionary<string, string> parameters, out long timestamp) =>
        long.TryParse(parameters[TimestampParameter], NumberStyles.None, CultureInfo.InvariantCulture, out timestamp)
            ? null
            : ApiError.BadRequest("timestamp must be Unix time in milliseconds (digits only).");

    ApiError? CheckInstance(IReadOnlyDictionary<string, string> parameters) =>
        parameters[InstanceIdParameter] == options.Value.InstanceId
            ? null
            : ApiError.BadRequest("instanceId does not name this broker instance (see --instance-id).");

    /// <summary>The access key that signed <paramref name="stringToSign"/> of the request, as the login throttle
    /// decides it (<see cref="SignedRequestLogins"/>): the key, or the refusal — an unknown key or a wrong signature, or
    /// an address locked out —, and how long to wait before answering either way.</summary>
    (AccessKey? Signer, int DelayMs, ApiError? Refusal) SignIn(HttpRequest http, IReadOnlyDictionary<string, string> parameters,
        string stringToSign)
    {
        var accessKeyId = parameters[AccessKeyParameter];
        var accessKey = keys.Find(accessKeyId);
        var expected = RequestSignature.Sign(accessKey?.Secret ?? _decoySecret, stringToSign);
        var matches = CryptographicOperations.FixedTimeEquals(
            Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(parameters[RequestSignature.ParameterName]));
        var (delayMs, refusal) = logins.Decide(http, accessKeyId, accessKey is not null, matches);
        return (refusal is null ? accessKey : null, delayMs, refusal);
    }

    static ApiError? CheckClock(long timestamp, long now)
    {
        if (!TimeBoundCredentials.CanBeJudgedAt(now))
        {
            // An unset clock (before 2025) would put every request out of the window, or pass a replay signed on
            // another unset clock: the core's rule refuses both until the clock is set.
            return ApiError.ClockNotSet();
        }

        var skew = Math.Abs((double)now - timestamp);
        return skew <= MaxClockSkew.TotalMilliseconds ? null : ApiError.TimestampOutOfWindow(MaxClockSkew);
    }

    /// <summary>Whether a request of <paramref name="method"/> may change something. GET and HEAD (and OPTIONS, TRACE)
    /// only read: a replay of one shows what its signer could see, within the window, and changes nothing — so they stay
    /// repeatable, and a page may ask the same thing twice within a millisecond.</summary>
    static bool ChangesState(string method) =>
        !(HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method));

    /// <summary>What verifying one request came to: exactly one of <see cref="Request"/> and <see cref="Error"/>, and
    /// how long the login throttle has the answer wait.</summary>
    readonly record struct Verification(SignedRequest? Request, ApiError? Error, int DelayMs);
}
