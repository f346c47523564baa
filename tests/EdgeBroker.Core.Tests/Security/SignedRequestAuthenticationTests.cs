using EdgeBroker.Core.Security;
using EdgeBroker.Core.Tests.Support;

namespace EdgeBroker.Core.Tests.Security;

/// <summary>A signed HTTP request's signature check under the login throttle CONNECTs are under
/// (<see cref="BrokerSecurity.AuthenticateSignedRequest"/>): one count per address for both, and refusals thinned in the
/// log by the same rule, kept apart from CONNECT refusals as a kind of their own.</summary>
public class SignedRequestAuthenticationTests
{
    const string ClientId = "GID_sensors@@@DEVICE_001";

    readonly SecurityFixture _fixture = new(options => options.Throttle = new LoginThrottleOptions
    {
        FailuresBeforeDelay = 2, DelayMs = 700, FailuresBeforeLockout = 4, LockoutMs = 60_000, FailureWindowMs = 60_000,
    });

    [Fact]
    public void A_wrong_signature_or_unknown_key_is_bad_credentials_naming_the_key_and_a_right_one_is_accepted()
    {
        AuthDecision wrong = Request(signatureMatches: false);
        AuthDecision unknown = _fixture.Security.AuthenticateSignedRequest("AK_\u001b[31mNOPE", false, false, SecurityFixture.Address, SecurityFixture.Now);
        AuthDecision right = _fixture.Security.AuthenticateSignedRequest(SecurityFixture.KeyId, true, true, "192.0.2.99", SecurityFixture.Now);

        Assert.Equal(AuthOutcome.BadCredentials, wrong.Outcome);
        Assert.Equal("signature of access key " + SecurityFixture.KeyId + " does not match", wrong.Reason);
        Assert.Equal("unknown access key AK_\\x1B[31mNOPE", unknown.Reason);
        Assert.True(right.IsAccepted);
        Assert.Null(right.Client);
        Assert.Equal(AuthDecision.SignedRequestKind, wrong.CredentialKind);
    }

    [Fact]
    public void Failures_over_http_and_mqtt_from_one_address_add_up_to_one_lockout()
    {
        long now = SecurityFixture.Now;
        Assert.Equal(AuthOutcome.BadCredentials, _fixture.ConnectWithSignature(ClientId, secret: "guess", now: now).Outcome);
        Assert.Equal(0, Request(signatureMatches: false, now + 1).ResponseDelayMs);
        AuthDecision slowedConnect = _fixture.ConnectWithSignature(ClientId, secret: "guess", now: now + 2);
        AuthDecision locking = Request(signatureMatches: false, now + 3);

        Assert.Equal(700, slowedConnect.ResponseDelayMs);
        Assert.Equal(700, locking.ResponseDelayMs);
        Assert.True(locking.LockedOut);
        Assert.Contains("address locked out for 60 s", locking.Reason);

        AuthDecision lockedRequest = Request(signatureMatches: true, now + 1003);
        Assert.Equal(AuthOutcome.Throttled, lockedRequest.Outcome);
        Assert.Equal(59_000, lockedRequest.LockedForMs);
        Assert.Equal(AuthOutcome.Throttled, _fixture.ConnectWithSignature(ClientId, now: now + 1003).Outcome);
        Assert.True(_fixture.Security.AuthenticateSignedRequest(SecurityFixture.KeyId, true, true, "192.0.2.99", now + 1003).IsAccepted);
        Assert.True(Request(signatureMatches: true, now + 60_004).IsAccepted);
    }

    [Fact]
    public void A_slowed_address_waits_even_with_the_right_signature()
    {
        Request(signatureMatches: false);
        Request(signatureMatches: false);

        AuthDecision right = Request(signatureMatches: true);

        Assert.True(right.IsAccepted);
        Assert.Equal(700, right.ResponseDelayMs);
    }

    [Fact]
    public void Refusals_are_logged_once_a_minute_per_address_apart_from_connect_refusals()
    {
        // The default throttle: none of these three is slowed, which would make a kind of its own.
        var fixture = new SecurityFixture();
        AuthDecision connect = fixture.ConnectWithSignature(ClientId, secret: "guess");
        AuthDecision first = Request(fixture, signatureMatches: false);
        AuthDecision again = Request(fixture, signatureMatches: false);

        Assert.True(fixture.Security.ShouldLogRefusal(connect, SecurityFixture.Address, SecurityFixture.Now));
        Assert.True(fixture.Security.ShouldLogRefusal(first, SecurityFixture.Address, SecurityFixture.Now));
        Assert.False(fixture.Security.ShouldLogRefusal(again, SecurityFixture.Address, SecurityFixture.Now + 1));
        Assert.True(fixture.Security.ShouldLogRefusal(again, SecurityFixture.Address, SecurityFixture.Now + 60_001));
    }

    AuthDecision Request(bool signatureMatches, long? monotonicMs = null) => Request(_fixture, signatureMatches, monotonicMs);

    static AuthDecision Request(SecurityFixture fixture, bool signatureMatches, long? monotonicMs = null) =>
        fixture.Security.AuthenticateSignedRequest(SecurityFixture.KeyId, true, signatureMatches, SecurityFixture.Address,
            monotonicMs ?? SecurityFixture.Now);
}
