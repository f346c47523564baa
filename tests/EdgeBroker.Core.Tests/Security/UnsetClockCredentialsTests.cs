using System.Text;
using System.Text.Json;
using EdgeBroker.Core.Security;
using EdgeBroker.Core.Tests.Support;

namespace EdgeBroker.Core.Tests.Security;

/// <summary>
/// Credentials bounded by a date before the device's first SNTP answer (<see cref="TimeBoundCredentials"/>): while
/// <see cref="Clock.NowMs"/> reads the uptime, a token's expiry cannot be judged, so Token mode is refused as "server
/// unavailable" (not as bad credentials, not throttled), no token is issued or uploaded — and everything that carries
/// no date goes on working. The security calls take the wall clock as a parameter: each test passes what
/// <see cref="Clock.NowMs"/> reads 42 s after boot with the clock unset (<see cref="Clock.Reading"/>).
/// </summary>
public class UnsetClockCredentialsTests
{
    const string ClientId = "GID_sensors@@@DEVICE_001";
    const string TokenUserName = "Token|" + SecurityFixture.KeyId + "|" + SecurityFixture.InstanceId;

    /// <summary>The wall clock's reading 42 s after boot, before SNTP has answered.</summary>
    static readonly long Unset = Clock.Reading(42_000, 42_000);

    readonly SecurityFixture _fixture = new();

    [Fact]
    public void A_valid_token_is_refused_as_server_unavailable_until_the_clock_is_set()
    {
        string token = _fixture.IssueToken(read: true, write: true, parents: "GID_sensors");

        AuthDecision before = _fixture.Connect(ClientId, TokenUserName, "RW|" + token, now: Unset);

        Assert.Equal(AuthOutcome.ClockNotSet, before.Outcome);
        Assert.Equal(0x03, before.Mqtt311ReturnCode);
        Assert.Equal(0x88, before.Mqtt5ReasonCode);
        Assert.Contains("clock is not set yet", before.Reason);
        Assert.DoesNotContain(token, before.Reason);
        Assert.Null(_fixture.Security.Clients.Find(ClientId));
        Assert.True(_fixture.ConnectWithTokens(ClientId, "RW|" + token).IsAccepted);
    }

    /// <summary>On the uptime a token that ran out long ago lies decades ahead: judged, it would be accepted.</summary>
    [Fact]
    public void An_expired_token_is_not_accepted_against_the_uptime()
    {
        string token = _fixture.IssueToken(read: true, write: true, expiresAt: SecurityFixture.Now + 1, parents: "GID_sensors");

        Assert.Equal(AuthOutcome.ClockNotSet, _fixture.Connect(ClientId, TokenUserName, "RW|" + token, now: Unset).Outcome);
        Assert.Equal(AuthOutcome.BadCredentials, _fixture.Connect(ClientId, TokenUserName, "RW|" + token, now: SecurityFixture.Now + 1).Outcome);
    }

    /// <summary>Only the expiry needs the clock: a wrong key, a malformed password, an unknown or revoked token are
    /// refused as ever (and counted by the throttle), so a misconfigured client is not told to come back later.</summary>
    [Fact]
    public void What_is_wrong_without_a_clock_is_still_bad_credentials()
    {
        string revoked = _fixture.IssueToken(read: true, write: true, parents: "GID_sensors");
        Assert.True(_fixture.Security.RevokeToken(revoked));

        Assert.Equal(AuthOutcome.BadCredentials,
            _fixture.Connect(ClientId, "Token|nobody|" + SecurityFixture.InstanceId, "RW|x", now: Unset).Outcome);
        Assert.Equal(AuthOutcome.BadCredentials, _fixture.Connect(ClientId, TokenUserName, "not a token list", now: Unset).Outcome);
        Assert.Contains("unknown token", _fixture.Connect(ClientId, TokenUserName, "RW|never-issued", now: Unset).Reason);
        Assert.Contains("revoked", _fixture.Connect(ClientId, TokenUserName, "RW|" + revoked, now: Unset).Reason);
    }

    /// <summary>A client retrying until the sync guesses nothing: its address is not slowed or locked out for it.</summary>
    [Fact]
    public void Refusals_for_the_clock_do_not_count_towards_the_login_throttle()
    {
        var fixture = new SecurityFixture(options => options.Throttle = new LoginThrottleOptions { FailuresBeforeDelay = 1, FailuresBeforeLockout = 2 });
        string token = fixture.IssueToken(read: true, write: true, parents: "GID_sensors");

        for (int attempt = 0; attempt < 5; attempt++)
        {
            AuthDecision refused = fixture.Connect(ClientId, TokenUserName, "RW|" + token, now: Unset);
            Assert.Equal(AuthOutcome.ClockNotSet, refused.Outcome);
            Assert.Equal(0, refused.ResponseDelayMs);
        }

        AuthDecision accepted = fixture.ConnectWithTokens(ClientId, "RW|" + token);
        Assert.True(accepted.IsAccepted, accepted.Reason);
        Assert.Equal(0, accepted.ResponseDelayMs);
    }

    [Fact]
    public void Credentials_without_a_date_keep_working_before_the_clock_is_set()
    {
        Assert.True(_fixture.ConnectWithSignature("GID_sensors@@@DEVICE_002", now: Unset).IsAccepted);

        var (userName, password) = _fixture.Pair("GID_sensors", "GID_sensors@@@DEVICE_003", now: Unset);
        AuthDecision device = _fixture.Connect("GID_sensors@@@DEVICE_003", userName, password, now: Unset);
        Assert.True(device.IsAccepted, device.Reason);
    }

    [Fact]
    public void No_token_is_issued_before_the_clock_is_set()
    {
        TokenIssue issue = _fixture.Security.IssueToken(SecurityFixture.KeyId, ["GID_sensors"], true, true, SecurityFixture.Now + 3_600_000, Unset);

        Assert.False(issue.Succeeded);
        Assert.Contains("clock is not set yet", issue.Error);
        Assert.Empty(_fixture.Tokens.LoadTokens());
    }

    /// <summary>Without an ApsaraMQ code for "try later" no notice is sent; the connection closes, and the client's
    /// reconnect is answered "server unavailable" until the clock is set.</summary>
    [Fact]
    public void A_token_uploaded_while_the_clock_is_not_set_is_refused_without_a_notice()
    {
        AuthenticatedClient client = _fixture.ConnectWithTokens(ClientId, "RW|" + _fixture.IssueToken(read: true, write: true, parents: "GID_sensors")).Client;
        string renewed = _fixture.IssueToken(read: true, write: true, parents: "GID_sensors");
        byte[] payload = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { token = renewed, type = "RW" }));

        TokenUploadResult result = _fixture.Security.UploadToken(client, payload, 0, payload.Length, Unset);

        Assert.False(result.Accepted);
        Assert.Null(result.Notice);
        Assert.Contains("clock is not set yet", result.Reason);
        Assert.NotEqual(TokenRegistry.HashOf(renewed), client.ReadToken.Hash);
    }
}
