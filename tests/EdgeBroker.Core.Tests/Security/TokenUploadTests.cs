using System.Text;
using System.Text.Json;
using EdgeBroker.Core.Security;
using EdgeBroker.Core.Tests.Support;

namespace EdgeBroker.Core.Tests.Security;

/// <summary>ApsaraMQ's dynamic token update (<c>$SYS/uploadToken</c>) and its two notices, as the core decides them:
/// which uploaded token replaces which, which is refused with which invalid-notice code, and when the expire notice
/// falls due.</summary>
public class TokenUploadTests
{
    const string ClientId = "GID_sensors@@@DEVICE_001";
    const long Minute = 60_000;

    const string OtherKey = "OtherKey";

    readonly SecurityFixture _fixture = new(options => options.AddAccessKey(new AccessKey(OtherKey, "OtherSecret-0123456", null)));

    [Fact]
    public void Only_a_token_clients_publish_to_the_upload_topic_is_an_upload()
    {
        AuthenticatedClient token = Connect("RW|" + Issue("GID_sensors"));
        AuthenticatedClient signed = _fixture.ConnectWithSignature("GID_sensors@@@DEVICE_002").Client;

        Assert.True(_fixture.Security.IsTokenUpload(token, "$SYS/uploadToken"));
        Assert.False(_fixture.Security.IsTokenUpload(token, "$SYS/uploadtoken"));
        Assert.False(_fixture.Security.IsTokenUpload(signed, "$SYS/uploadToken"));
        Assert.False(_fixture.Security.Policy.CanPublish(ClientId, "$SYS/uploadToken", -1));
    }

    [Fact]
    public void A_valid_token_replaces_the_one_of_its_type_and_outlives_the_old_one()
    {
        string old = Issue("GID_sensors", expiresAt: SecurityFixture.Now + Minute);
        string renewed = Issue("GID_sensors", expiresAt: SecurityFixture.Now + 60 * Minute);
        AuthenticatedClient client = Connect("RW|" + old);

        TokenUploadResult result = Upload(client, $"{{\"token\":\"{renewed}\",\"type\":\"RW\"}}");

        Assert.True(result.Accepted, result.Reason);
        Assert.Null(result.Notice);
        Assert.Same(_fixture.Tokens.LoadTokens().Cast<TokenRecord>().Single(t => t.Hash == TokenRegistry.HashOf(renewed)), client.ReadToken);
        Assert.Same(client.ReadToken, client.WriteToken);
        Assert.Empty(_fixture.Security.ClientsToDisconnect(SecurityFixture.Now + Minute + 1));
        Assert.True(_fixture.Security.Policy.CanPublish(ClientId, "GID_sensors/data", -1));
        Assert.DoesNotContain(renewed, result.Reason);
    }

    [Fact]
    public void An_R_or_W_upload_replaces_only_that_slot()
    {
        string read = Issue("GID_sensors", write: false);
        string write = Issue("GID_sensors", read: false);
        string newWrite = Issue("GID_sensors", read: false);
        AuthenticatedClient client = Connect($"R|{read}|W|{write}");
        TokenRecord readRecord = client.ReadToken;

        Assert.True(Upload(client, $"{{\"type\":\"W\",\"token\":\"{newWrite}\"}}").Accepted);

        Assert.Same(readRecord, client.ReadToken);
        Assert.Equal(TokenRegistry.HashOf(newWrite), client.WriteToken.Hash);
    }

    [Fact]
    public void A_token_may_be_added_for_a_type_the_client_had_none_of()
    {
        AuthenticatedClient client = Connect("R|" + Issue("GID_sensors", write: false));
        Assert.False(_fixture.Security.Policy.CanPublish(ClientId, "GID_sensors/data", -1));

        Assert.True(Upload(client, $"{{\"token\":\"{Issue("GID_sensors", read: false)}\",\"type\":\"W\"}}").Accepted);

        Assert.True(_fixture.Security.Policy.CanPublish(ClientId, "GID_sensors/data", -1));
    }

    [Fact]
    public void JSON_escapes_a_library_may_write_are_read()
    {
        string renewed = Issue("GID_sensors");
        AuthenticatedClient client = Connect("RW|" + Issue("GID_sensors"));
        string escaped = renewed.Replace("/", "\\/").Replace("+", "\\u002b");

        Assert.True(Upload(client, $" {{ \"token\" : \"{escaped}\" , \"type\" : \"RW\" , \"extra\": 1 }} ").Accepted);
    }

    public static TheoryData<string, int, string> Refusals => new()
    {
        { "not json", 1, "" },
        { "{\"token\":\"AAAAAAAAAAAAAAAAAAAAAAAA\",\"type\":\"RW\"}", 1, "RW" },
        { "{\"type\":\"RW\"}", 1, "RW" },
        { "{\"token\":\"a|W|b\",\"type\":\"R\"}", 1, "R" },
        { "{\"token\":{\"nested\":1},\"type\":\"RW\"}", 1, "" },
        { "{\"token\":\"x\",\"token\":\"y\",\"type\":\"RW\"}", 1, "" },
        { "{\"token\":\"AAAAAAAAAAAAAAAAAAAAAAAA\",\"type\":\"WR\"}", 5, "" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void A_payload_that_is_not_an_upload_is_refused_with_the_invalid_notice(string payload, int code, string type)
    {
        AuthenticatedClient client = Connect("RW|" + Issue("GID_sensors"));

        TokenUploadResult result = Upload(client, payload);

        AssertInvalid(result, code, type);
        Assert.NotNull(client.ReadToken);
    }

    [Fact]
    public void Each_reason_a_token_may_not_serve_gets_apsaramqs_code()
    {
        string expired = Issue("GID_sensors", expiresAt: SecurityFixture.Now + 1);
        string readOnly = Issue("GID_sensors", write: false);
        string narrower = Issue("app");
        string otherKeys = _fixture.Security.IssueToken(OtherKey, ["GID_sensors"], true, true, SecurityFixture.Now + Minute, SecurityFixture.Now).Token;
        AuthenticatedClient client = Connect("RW|" + Issue("GID_sensors", "app"));

        AssertInvalid(Upload(client, Payload(expired, "RW"), SecurityFixture.Now + 1), TokenNotice.CodeExpired, "RW");
        AssertInvalid(Upload(client, Payload(readOnly, "RW")), TokenNotice.CodeTypeMismatch, "RW");
        AssertInvalid(Upload(client, Payload(narrower, "RW")), TokenNotice.CodeResourceMismatch, "RW");
        AssertInvalid(Upload(client, Payload(otherKeys, "W")), TokenNotice.CodeOtherAccount, "W");
    }

    [Fact]
    public void A_revoked_token_is_refused_as_revoked_until_it_would_have_run_out_then_as_unknown()
    {
        string revoked = Issue("GID_sensors", expiresAt: SecurityFixture.Now + Minute);
        AuthenticatedClient client = Connect("RW|" + Issue("GID_sensors", expiresAt: SecurityFixture.Now + 60 * Minute));
        Assert.True(_fixture.Security.RevokeToken(revoked));
        Assert.False(_fixture.Security.RevokeToken(revoked));

        AssertInvalid(Upload(client, Payload(revoked, "RW")), TokenNotice.CodeRevoked, "RW");
        Assert.DoesNotContain(_fixture.Tokens.LoadTokens().Cast<TokenRecord>(), token => token.Hash == TokenRegistry.HashOf(revoked));

        _fixture.Security.ClientsToDisconnect(SecurityFixture.Now + Minute);
        AssertInvalid(Upload(client, Payload(revoked, "RW"), SecurityFixture.Now + Minute), TokenNotice.CodeUnknown, "RW");
    }

    [Fact]
    public void A_wider_token_is_accepted()
    {
        AuthenticatedClient client = Connect("RW|" + Issue("GID_sensors"));

        Assert.True(Upload(client, Payload(Issue("GID_sensors", "app"), "RW")).Accepted);
        Assert.True(_fixture.Security.Policy.CanPublish(ClientId, "app/x", -1));
    }

    [Fact]
    public void The_expire_notice_comes_once_five_minutes_before_expiry_and_again_for_an_uploaded_token()
    {
        long expiresAt = SecurityFixture.Now + 60 * Minute;
        AuthenticatedClient client = Connect("RW|" + Issue("GID_sensors", expiresAt: expiresAt));

        Assert.Empty(_fixture.Security.TokenExpiryNotices(expiresAt - 5 * Minute - 1));
        TokenNotice notice = Assert.IsType<TokenNotice>(Assert.Single(_fixture.Security.TokenExpiryNotices(expiresAt - 5 * Minute)));
        Assert.Empty(_fixture.Security.TokenExpiryNotices(expiresAt - Minute));

        Assert.Same(client, notice.Client);
        Assert.Equal("$SYS/tokenExpireNotice", notice.Topic);
        Assert.Equal($"{{\"expireTime\":{expiresAt},\"type\":\"RW\"}}", Encoding.UTF8.GetString(notice.Payload));

        long renewedAt = expiresAt + 60 * Minute;
        Assert.True(Upload(client, Payload(Issue("GID_sensors", expiresAt: renewedAt), "RW"), expiresAt - Minute).Accepted);
        Assert.Empty(_fixture.Security.TokenExpiryNotices(renewedAt - 5 * Minute - 1));
        Assert.Single(_fixture.Security.TokenExpiryNotices(renewedAt - 5 * Minute));
    }

    [Fact]
    public void A_notice_the_engine_could_not_send_comes_again()
    {
        long expiresAt = SecurityFixture.Now + 60 * Minute;
        Connect("RW|" + Issue("GID_sensors", expiresAt: expiresAt));
        TokenNotice notice = Assert.IsType<TokenNotice>(Assert.Single(_fixture.Security.TokenExpiryNotices(expiresAt - 5 * Minute)));

        _fixture.Security.ExpiryNoticeUnsent(notice);

        Assert.Equal(PayloadOf(notice), PayloadOf(Assert.Single(_fixture.Security.TokenExpiryNotices(expiresAt - 5 * Minute + 1))));
        Assert.Empty(_fixture.Security.TokenExpiryNotices(expiresAt - 5 * Minute + 2));
    }

    [Fact]
    public void Separate_read_and_write_tokens_get_a_notice_each()
    {
        long readExpiry = SecurityFixture.Now + 30 * Minute;
        long writeExpiry = SecurityFixture.Now + 60 * Minute;
        Connect($"R|{Issue("GID_sensors", write: false, expiresAt: readExpiry)}|W|{Issue("GID_sensors", read: false, expiresAt: writeExpiry)}");

        Assert.Equal($"{{\"expireTime\":{readExpiry},\"type\":\"R\"}}", PayloadOf(Assert.Single(_fixture.Security.TokenExpiryNotices(readExpiry - 5 * Minute))));
        Assert.Empty(_fixture.Security.TokenExpiryNotices(writeExpiry - 5 * Minute - 1));
        Assert.Equal($"{{\"expireTime\":{writeExpiry},\"type\":\"W\"}}", PayloadOf(Assert.Single(_fixture.Security.TokenExpiryNotices(writeExpiry - 5 * Minute))));
    }

    [Fact]
    public void A_token_shorter_than_the_lead_is_noticed_at_once_and_an_expired_one_not_at_all()
    {
        long expiresAt = SecurityFixture.Now + 3_000;
        Connect("RW|" + Issue("GID_sensors", expiresAt: expiresAt));
        Connect("RW|" + Issue("GID_sensors", expiresAt: SecurityFixture.Now + 1_000), clientId: "GID_sensors@@@DEVICE_002");

        Assert.Equal(2, _fixture.Security.TokenExpiryNotices(SecurityFixture.Now).Count);

        Connect("RW|" + Issue("GID_sensors", expiresAt: SecurityFixture.Now + 2_000), clientId: "GID_sensors@@@DEVICE_003");
        Assert.Empty(_fixture.Security.TokenExpiryNotices(SecurityFixture.Now + 2_000));
    }

    [Fact]
    public void An_expired_or_revoked_token_disconnects_with_the_invalid_notice_of_its_code()
    {
        string revoked = Issue("GID_sensors", write: false);
        AuthenticatedClient expiring = Connect("RW|" + Issue("GID_sensors", expiresAt: SecurityFixture.Now + Minute));
        AuthenticatedClient revoking = Connect($"R|{revoked}|W|{Issue("GID_sensors", read: false)}", clientId: "GID_sensors@@@DEVICE_002");

        Assert.True(_fixture.Security.RevokeToken(revoked));
        Assert.Same(revoking, Assert.Single(_fixture.Security.ClientsToDisconnect(SecurityFixture.Now)));
        Assert.Same(expiring, Assert.Single(_fixture.Security.ClientsToDisconnect(SecurityFixture.Now + Minute)));

        Assert.Equal("token revoked", revoking.DisconnectReason);
        Assert.Equal("$SYS/tokenInvalidNotice", revoking.DisconnectNotice.Topic);
        Assert.Equal("{\"code\":3,\"type\":\"R\"}", PayloadOf(revoking.DisconnectNotice));
        Assert.Equal("token expired", expiring.DisconnectReason);
        Assert.Equal("{\"code\":2,\"type\":\"RW\"}", PayloadOf(expiring.DisconnectNotice));
    }

    [Fact]
    public void A_token_revoked_before_the_connection_is_registered_is_answered_there_with_its_invalid_notice()
    {
        string token = Issue("GID_sensors");
        AuthDecision checkedOnly = _fixture.Authenticate(ClientId, "Token|" + SecurityFixture.KeyId + "|" + SecurityFixture.InstanceId, "RW|" + token);
        Assert.True(checkedOnly.IsAccepted, checkedOnly.Reason);

        Assert.True(_fixture.Security.RevokeToken(token));
        Assert.Empty(_fixture.Security.ClientsToDisconnect(SecurityFixture.Now));

        Assert.False(_fixture.Security.ConnectionRegistered(checkedOnly.Client));
        Assert.Equal("token revoked", checkedOnly.Client.DisconnectReason);
        Assert.Equal("{\"code\":3,\"type\":\"RW\"}", PayloadOf(checkedOnly.Client.DisconnectNotice));
    }

    [Fact]
    public void A_token_client_may_subscribe_to_its_notice_topics_and_nothing_else_under_SYS()
    {
        Connect("RW|" + Issue("GID_sensors"));
        _fixture.ConnectWithSignature("GID_sensors@@@DEVICE_002");

        Assert.True(_fixture.Security.Policy.CanSubscribe(ClientId, "$SYS/tokenExpireNotice"));
        Assert.True(_fixture.Security.Policy.CanSubscribe(ClientId, "$SYS/tokenInvalidNotice"));
        Assert.False(_fixture.Security.Policy.CanSubscribe(ClientId, "$SYS/#"));
        Assert.False(_fixture.Security.Policy.CanSubscribe("GID_sensors@@@DEVICE_002", "$SYS/tokenExpireNotice"));
    }

    [Theory]
    [InlineData("GID_sensors/#", true)]
    [InlineData("GID_sensors/+", false)]
    [InlineData("GID_sensors/data", false)]
    [InlineData("#", false)]
    [InlineData("/#", false)]
    public void A_resource_may_be_a_parent_topic_with_every_level_below_the_same_grant(string resource, bool issued)
    {
        TokenIssue issue = _fixture.Security.IssueToken(SecurityFixture.KeyId, [resource], true, true, SecurityFixture.Now + Minute, SecurityFixture.Now);

        Assert.Equal(issued, issue.Succeeded);
        if (issued)
        {
            Assert.Equal(["GID_sensors"], issue.Record.ParentTopics);
        }
        else
        {
            Assert.Contains("not a parent topic", issue.Error);
        }
    }

    static void AssertInvalid(TokenUploadResult result, int code, string type)
    {
        Assert.False(result.Accepted);
        Assert.Equal("$SYS/tokenInvalidNotice", result.Notice.Topic);
        Assert.Equal($"{{\"code\":{code},\"type\":\"{type}\"}}", PayloadOf(result.Notice));
        Assert.Contains("code " + code, result.Reason);
    }

    static string PayloadOf(object? notice) => Encoding.UTF8.GetString(Assert.IsType<TokenNotice>(notice).Payload);

    static string Payload(string token, string type) => JsonSerializer.Serialize(new { token, type });

    string Issue(params string[] parents) => Issue(parents, true, true, null);

    string Issue(string parent, bool read = true, bool write = true, long? expiresAt = null) => Issue([parent], read, write, expiresAt);

    string Issue(string[] parents, bool read, bool write, long? expiresAt) => _fixture.IssueToken(read, write, expiresAt, parents);

    AuthenticatedClient Connect(string password, string clientId = ClientId)
    {
        AuthDecision decision = _fixture.ConnectWithTokens(clientId, password);
        Assert.True(decision.IsAccepted, decision.Reason);
        return decision.Client;
    }

    TokenUploadResult Upload(AuthenticatedClient client, string payload, long? now = null)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(payload);
        return _fixture.Security.UploadToken(client, bytes, 0, bytes.Length, now ?? SecurityFixture.Now);
    }
}
