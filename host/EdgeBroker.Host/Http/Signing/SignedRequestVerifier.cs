using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using EdgeBroker.Host.Configuration;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace EdgeBroker.Host.Http.Signing;

/// <summary>
/// The one check every signed HTTP endpoint runs before it acts: the parameters are those the endpoint takes, each
/// once; the request is for this instance; the signature matches (<see cref="RequestSignature"/>); the timestamp is
/// within <see cref="MaxClockSkew"/> of the broker's clock; a request that changes something has not been accepted
/// before (<see cref="UsedSignatures"/>). What the access key may see is the endpoint's decision.
/// </summary>
sealed class SignedRequestVerifier(AccessKeyRing keys, IOptions<BrokerOptions> options, TimeProvider clock)
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

    /// <summary>Reads the parameters where the method allows them (<see cref="RequestParameters"/>) and verifies them;
    /// exactly one of the two results is set.</summary>
    public async Task<(SignedRequest? Request, ApiError? Error)> VerifyAsync(HttpRequest http, EndpointParameters endpoint)
    {
        var (parameters, error) = await RequestParameters.ReadAsync(http);
        if (error is not null)
        {
            return (null, error);
        }

        return TryVerify(http.Method, parameters!, endpoint, out var request, out error) ? (request, null) : (null, error);
    }

    /// <param name="method">The request's HTTP method: whether it may change something, and so may be accepted once only.</param>
    public bool TryVerify(string method, IQueryCollection query, EndpointParameters endpoint,
        [NotNullWhen(true)] out SignedRequest? request, [NotNullWhen(false)] out ApiError? error)
    {
        request = null;
        error = CheckParameterNames(query, endpoint);
        if (error is not null)
        {
            return false;
        }

        var parameters = query.ToDictionary(parameter => parameter.Key, parameter => parameter.Value.ToString(), StringComparer.Ordinal);
        error = CheckInstanceAndTimestampForm(parameters, out var timestamp);
        if (error is not null)
        {
            return false;
        }

        // Authenticated before the clock is looked at, so an unsigned request learns nothing but code 2; a replay is
        // told so only once it has passed both.
        var accessKey = FindSigner(parameters);
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        error = accessKey is null ? ApiError.SignatureMismatch() : CheckClock(timestamp, now);
        if (error is null && ChangesState(method))
        {
            error = _used.Remember(parameters[RequestSignature.ParameterName], timestamp + (long)MaxClockSkew.TotalMilliseconds, now);
        }

        if (error is not null)
        {
            return false;
        }

        request = new SignedRequest(accessKey!, parameters);
        return true;
    }

    static ApiError? CheckParameterNames(IQueryCollection query, EndpointParameters endpoint)
    {
        // Names are compared exactly (the signature covers them as sent), though ASP.NET Core looks them up ignoring case.
        foreach (var (name, values) in query)
        {
            if (!endpoint.Allows(name))
            {
                return ApiError.BadRequest($"Unknown parameter '{name}'.");
            }

            if (values.Count > 1)
            {
                return ApiError.BadRequest($"Parameter '{name}' is given more than once.");
            }
        }

        var missing = CommonParameters.Concat(endpoint.Required)
            .Where(name => string.IsNullOrEmpty(query[name].ToString()))
            .ToList();
        return missing.Count == 0 ? null : ApiError.BadRequest($"Missing parameter: {string.Join(", ", missing)}.");
    }

    ApiError? CheckInstanceAndTimestampForm(IReadOnlyDictionary<string, string> parameters, out long timestamp)
    {
        if (!long.TryParse(parameters[TimestampParameter], NumberStyles.None, CultureInfo.InvariantCulture, out timestamp))
        {
            return ApiError.BadRequest("timestamp must be Unix time in milliseconds (digits only).");
        }

        return parameters[InstanceIdParameter] == options.Value.InstanceId
            ? null
            : ApiError.BadRequest("instanceId does not name this broker instance (see --instance-id).");
    }

    /// <summary>The access key that signed the request, or null when the key is unknown or the signature wrong.</summary>
    AccessKey? FindSigner(IReadOnlyDictionary<string, string> parameters)
    {
        var accessKey = keys.Find(parameters[AccessKeyParameter]);
        var expected = RequestSignature.Sign(accessKey?.Secret ?? _decoySecret, RequestSignature.StringToSign(parameters));
        var matches = CryptographicOperations.FixedTimeEquals(
            Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(parameters[RequestSignature.ParameterName]));
        return matches ? accessKey : null;
    }

    static ApiError? CheckClock(long timestamp, long now)
    {
        var skew = Math.Abs((double)now - timestamp);
        return skew <= MaxClockSkew.TotalMilliseconds ? null : ApiError.TimestampOutOfWindow(MaxClockSkew);
    }

    /// <summary>Whether a request of <paramref name="method"/> may change something. GET and HEAD (and OPTIONS, TRACE)
    /// only read: a replay of one shows what its signer could see, within the window, and changes nothing — so they stay
    /// repeatable, and a page may ask the same thing twice within a millisecond.</summary>
    static bool ChangesState(string method) =>
        !(HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method));
}
