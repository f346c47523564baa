using EdgeBroker.Core.Security;
using EdgeBroker.Host.Configuration;
using EdgeBroker.Host.Http;
using EdgeBroker.Host.Http.Signing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace EdgeBroker.EndToEnd.Tests.Http;

/// <summary>
/// The host's signed-request check on a machine whose clock is not set yet (a board without a battery-backed clock
/// before NTP answers reads 1970): a timestamp, or the token-server form's expiry, cannot be judged then, so the core's
/// rule (<c>TimeBoundCredentials</c>) refuses them with 503 code 9 instead of drawing the 5-minute window on 1970. A
/// running broker reads the system clock, which a test cannot set back, so these drive the verifier itself with a
/// clock of their own; with a set clock its answers are those the HTTP tests see.
/// </summary>
public sealed class UnsetClockRequestTests
{
    const string Key = "AK";
    const string Secret = "SECRET-0123456789";
    const string Instance = "I";

    static readonly EndpointParameters ClientCount = new(HttpMethods.Get, "/clients/count", [], [GroupScope.Parameter]);

    /// <summary>What an unset clock reads 42 s after boot.</summary>
    static readonly DateTimeOffset Unset = DateTimeOffset.FromUnixTimeMilliseconds(42_000);

    static readonly DateTimeOffset Set = DateTimeOffset.UtcNow;

    /// <summary>Signed on a clock as unset as the broker's, a request lies inside a window drawn on it — and could be
    /// sent again for as long as the clock stays unset; signed on a set clock it lies 56 years outside.</summary>
    [Fact]
    public async Task A_signed_request_is_refused_with_code_9_while_the_brokers_clock_is_not_set()
    {
        foreach (var signedAt in new[] { Unset, Set })
        {
            ApiError error = Refused(await VerifyAsync(Unset, Signed(signedAt, Secret)));

            Assert.Equal(StatusCodes.Status503ServiceUnavailable, error.StatusCode);
            Assert.Equal(ApiCodes.ClockNotSet, error.Code);
            Assert.Contains("clock is not set yet", error.Message);
        }
    }

    [Fact]
    public async Task A_wrong_signature_is_told_so_before_the_clock_is_looked_at()
    {
        Assert.Equal(ApiCodes.SignatureMismatch, Refused(await VerifyAsync(Unset, Signed(Unset, "not-the-secret"))).Code);
    }

    [Fact]
    public async Task With_the_clock_set_the_window_is_as_before()
    {
        Assert.Null(await VerifyAsync(Set, Signed(Set, Secret)));
        Assert.Equal(ApiCodes.TimestampOutOfWindow, Refused(await VerifyAsync(Set, Signed(Set.AddMinutes(-6), Secret))).Code);
    }

    /// <summary>ApsaraMQ's token-server form carries no timestamp; its signed expireTime, which the endpoint judges
    /// against the clock, is refused the same way.</summary>
    [Fact]
    public async Task A_token_server_call_is_refused_with_code_9_while_the_brokers_clock_is_not_set()
    {
        var call = new Dictionary<string, string>
        {
            ["actions"] = "R,W",
            ["resources"] = "GID_sensors",
            ["expireTime"] = Set.AddMinutes(10).ToUnixTimeMilliseconds().ToString(),
            ["serviceName"] = TokenServerForm.ServiceName,
            ["instanceId"] = Instance,
        };
        call[RequestSignature.ParameterName] = RequestSignature.Sign(Secret, RequestSignature.StringToSign(call));
        call[SignedRequestVerifier.AccessKeyParameter] = Key;
        var http = new DefaultHttpContext().Request;
        http.Method = HttpMethods.Post;
        http.Query = Query(call);
        var tokenApply = new EndpointParameters([TokenApi.ResourcesParameter, TokenApi.ActionsParameter, TokenApi.ExpireTimeParameter],
            [TokenServerForm.ServiceNameParameter, TokenServerForm.ProxyTypeParameter]);

        var (unsetRequest, unsetError) = await Verifier(Unset).VerifyAsync(http, tokenApply, takesTokenServerForm: true);
        var (setRequest, setError) = await Verifier(Set).VerifyAsync(http, tokenApply, takesTokenServerForm: true);

        Assert.Null(unsetRequest);
        Assert.Equal(ApiCodes.ClockNotSet, Assert.IsType<ApiError>(unsetError).Code);
        Assert.Null(setError);
        Assert.Equal(Key, Assert.IsType<SignedRequest>(setRequest).AccessKey.Id);
    }

    static Dictionary<string, string> Signed(DateTimeOffset signedAt, string secret) =>
        RequestSignature.SignedParameters(Key, secret, Instance, signedAt.ToUnixTimeMilliseconds(), HttpMethods.Get, ClientCount.Path, []);

    static async Task<ApiError?> VerifyAsync(DateTimeOffset brokerClock, Dictionary<string, string> parameters)
    {
        var http = new DefaultHttpContext().Request;
        http.Method = HttpMethods.Get;
        http.Query = Query(parameters);
        var (_, error) = await Verifier(brokerClock).VerifyAsync(http, ClientCount);
        return error;
    }

    static ApiError Refused(ApiError? error) => Assert.IsType<ApiError>(error);

    static SignedRequestVerifier Verifier(DateTimeOffset brokerClock)
    {
        var options = Options.Create(new BrokerOptions { InstanceId = Instance, AccessKeys = [new AccessKeyOptions { Id = Key, Secret = Secret }] });
        var security = new BrokerSecurity(new SecurityOptions(), new MemoryDeviceStore(), new MemoryTokenStore(), new EdgeBroker.Host.Security.CryptoRandomSource());
        return new SignedRequestVerifier(new AccessKeyRing(options), options, new FixedClock(brokerClock),
            new SignedRequestLogins(security, NullLogger<SignedRequestLogins>.Instance));
    }

    static QueryCollection Query(Dictionary<string, string> parameters) =>
        new(parameters.ToDictionary(parameter => parameter.Key, parameter => new StringValues(parameter.Value)));

    sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
