using EdgeBroker.Core.Security;
using EdgeBroker.Core.Tests.Support;

namespace EdgeBroker.Core.Tests.Security;

/// <summary>Tokens: issued with parent topics, actions and expiry, kept only as hashes, revoked, expired — and the
/// clients using them disconnected.</summary>
public class TokenLifecycleTests
{
    const string ClientId = "GID_sensors@@@DEVICE_001";

    readonly SecurityFixture _fixture = new();

    [Fact]
    public void The_store_keeps_the_hash_and_grants_never_the_token()
    {
        string token = _fixture.IssueToken(read: true, write: false, parents: new[] { "GID_sensors", "app" });

        TokenRecord stored = Assert.IsType<TokenRecord>(Assert.Single(_fixture.Tokens.LoadTokens()));
        Assert.Equal(TokenRegistry.HashOf(token), stored.Hash);
        Assert.NotEqual(token, stored.Hash);
        Assert.Equal(new[] { "GID_sensors", "app" }, stored.ParentTopics);
        Assert.True(stored.CanRead);
        Assert.False(stored.CanWrite);
        Assert.Equal(SecurityFixture.KeyId, stored.AccessKeyId);
        Assert.DoesNotContain(token, stored.Id);
    }

    [Fact]
    public void Tokens_survive_a_restart_through_the_store()
    {
        string token = _fixture.IssueToken(read: true, write: true, parents: "GID_sensors");

        var restarted = new BrokerSecurity(_fixture.Options, _fixture.Devices, _fixture.Tokens, new SystemRandomSource());

        Assert.True(restarted.Authenticate(ClientId, "Token|" + SecurityFixture.KeyId + "|" + SecurityFixture.InstanceId,
            System.Text.Encoding.ASCII.GetBytes("RW|" + token), SecurityFixture.Address, SecurityFixture.Now, SecurityFixture.Now).IsAccepted);
    }

    [Theory]
    [InlineData(false, false, 3_600_000, "GID_sensors", "R, W or both")]
    [InlineData(true, false, 0, "GID_sensors", "expiry time has passed")]
    [InlineData(true, false, 3_600_000, "a/b", "not a parent topic")]
    [InlineData(true, false, 3_600_000, "a/+", "not a parent topic")]
    [InlineData(true, false, 3_600_000, "$SYS", "not a parent topic")]
    public void Invalid_requests_are_refused_with_a_reason(bool read, bool write, long validForMs, string parent, string error)
    {
        TokenIssue issue = _fixture.Security.IssueToken(SecurityFixture.KeyId, new[] { parent }, read, write, SecurityFixture.Now + validForMs, SecurityFixture.Now);

        Assert.False(issue.Succeeded);
        Assert.Contains(error, issue.Error);
        Assert.Empty(_fixture.Tokens.LoadTokens());
    }

    [Fact]
    public void Tokens_are_issued_only_to_configured_access_keys_and_need_a_parent_topic()
    {
        Assert.Contains("unknown access key", _fixture.Security.IssueToken("nobody", new[] { "a" }, true, true, SecurityFixture.Now + 1000, SecurityFixture.Now).Error);
        Assert.Contains("parent topic is required", _fixture.Security.IssueToken(SecurityFixture.KeyId, Array.Empty<string>(), true, true, SecurityFixture.Now + 1000, SecurityFixture.Now).Error);
    }

    [Fact]
    public void An_expired_token_disconnects_its_client_and_is_forgotten()
    {
        string token = _fixture.IssueToken(read: true, write: true, expiresAt: SecurityFixture.Now + 60_000, parents: "GID_sensors");
        AuthDecision connected = _fixture.ConnectWithTokens(ClientId, "RW|" + token);

        Assert.Empty(_fixture.Security.ClientsToDisconnect(SecurityFixture.Now + 59_999));
        AuthenticatedClient expired = Assert.IsType<AuthenticatedClient>(Assert.Single(_fixture.Security.ClientsToDisconnect(SecurityFixture.Now + 60_000)));

        Assert.Same(connected.Client, expired);
        Assert.Equal("token expired", expired.DisconnectReason);
        Assert.Empty(_fixture.Tokens.LoadTokens());
        Assert.Null(_fixture.Security.Clients.Find(ClientId));
    }

    /// <summary>The clients are looked at only once the soonest token has run out or something was revoked; each look
    /// finds the next soonest, so a later expiry is not missed and an earlier one not waited past.</summary>
    [Fact]
    public void Clients_whose_tokens_run_out_at_different_times_are_each_disconnected_when_theirs_does()
    {
        string soon = _fixture.IssueToken(read: true, write: true, expiresAt: SecurityFixture.Now + 60_000, parents: "GID_sensors");
        string later = _fixture.IssueToken(read: true, write: true, expiresAt: SecurityFixture.Now + 120_000, parents: "GID_sensors");
        string latest = _fixture.IssueToken(read: true, write: true, expiresAt: SecurityFixture.Now + 180_000, parents: "GID_sensors");
        _fixture.ConnectWithTokens("GID_sensors@@@DEVICE_002", "RW|" + later);
        _fixture.ConnectWithTokens(ClientId, "R|" + soon + "|W|" + latest);
        _fixture.ConnectWithTokens("GID_sensors@@@DEVICE_003", "RW|" + latest);

        Assert.Equal(new[] { ClientId }, Disconnected(SecurityFixture.Now + 60_000));
        Assert.Empty(Disconnected(SecurityFixture.Now + 119_999));
        Assert.Equal(new[] { "GID_sensors@@@DEVICE_002" }, Disconnected(SecurityFixture.Now + 120_000));
        Assert.True(_fixture.Security.RevokeToken(latest));
        Assert.Equal(new[] { "GID_sensors@@@DEVICE_003" }, Disconnected(SecurityFixture.Now + 120_001));
        Assert.Empty(Disconnected(SecurityFixture.Now + 200_000));
    }

    IEnumerable<string> Disconnected(long nowMs) =>
        _fixture.Security.ClientsToDisconnect(nowMs).Cast<AuthenticatedClient>().Select(client => client.ClientId).Order();

    [Fact]
    public void Revoking_a_token_disconnects_every_client_using_it_and_only_them()
    {
        string shared = _fixture.IssueToken(read: true, write: false, parents: "GID_sensors");
        string other = _fixture.IssueToken(read: false, write: true, parents: "GID_sensors");
        _fixture.ConnectWithTokens(ClientId, "R|" + shared + "|W|" + other);
        _fixture.ConnectWithTokens("GID_sensors@@@DEVICE_002", "R|" + shared);
        _fixture.ConnectWithTokens("GID_sensors@@@DEVICE_003", "W|" + other);

        Assert.True(_fixture.Security.RevokeToken(shared));
        Assert.False(_fixture.Security.RevokeToken(shared));

        var disconnected = _fixture.Security.ClientsToDisconnect(SecurityFixture.Now).Cast<AuthenticatedClient>().Select(c => c.ClientId).Order();
        Assert.Equal(new[] { ClientId, "GID_sensors@@@DEVICE_002" }, disconnected);
        Assert.NotNull(_fixture.Security.Clients.Find("GID_sensors@@@DEVICE_003"));
        Assert.Single(_fixture.Tokens.LoadTokens());
    }
}
