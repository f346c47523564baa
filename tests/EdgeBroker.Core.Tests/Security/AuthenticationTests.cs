using System.Text;
using EdgeBroker.Core.Security;
using EdgeBroker.Core.Tests.Support;

namespace EdgeBroker.Core.Tests.Security;

/// <summary>CONNECT decisions in signature, token, device and anonymous mode, with CONNACK codes and reasons.</summary>
public class AuthenticationTests
{
    const string ClientId = "GID_sensors@@@DEVICE_001";

    readonly SecurityFixture _fixture = new();

    [Fact]
    public void A_client_that_chose_its_id_freely_cannot_take_over_one_connected_with_credentials_bound_to_it()
    {
        var open = new SecurityFixture(options => options.AllowAnonymous = true);
        const string Backend = "GID_app@@@backend";
        AuthDecision signed = open.ConnectWithSignature(Backend);
        string token = open.IssueToken(read: true, write: false, parents: "GID_app");

        AuthDecision anonymous = open.Connect(Backend, null, null);
        AuthDecision withToken = open.ConnectWithTokens(Backend, "R|" + token);

        Assert.Equal((AuthOutcome.NotAuthorized, AuthOutcome.NotAuthorized), (anonymous.Outcome, withToken.Outcome));
        Assert.Contains("credentials bound to it", anonymous.Reason);
        Assert.Same(signed.Client, open.Security.Clients.Find(Backend));
        Assert.True(open.ConnectWithSignature(Backend).IsAccepted);

        // Once it has left, the ID is free again: what is not connected is not known to be anyone's.
        open.Security.Disconnected(open.Security.Clients.Find(Backend));
        Assert.True(open.Connect(Backend, null, null).IsAccepted);
    }

    [Fact]
    public void Refusals_from_one_address_are_logged_once_a_minute_per_kind_of_credentials()
    {
        AuthDecision anonymous = _fixture.Connect(ClientId, null, null);
        AuthDecision anonymousAgain = _fixture.Connect(ClientId, null, null);
        AuthDecision pairing = _fixture.Connect(ClientId, "Pair|GID_sensors", null);

        Assert.Equal((AuthOutcome.NotAuthorized, AuthOutcome.NotAuthorized, AuthOutcome.NotAuthorized),
            (anonymous.Outcome, anonymousAgain.Outcome, pairing.Outcome));
        Assert.Equal(("anonymous", "Pair"), (anonymous.CredentialKind, pairing.CredentialKind));
        Assert.True(_fixture.Security.ShouldLogRefusal(anonymous, SecurityFixture.Address, SecurityFixture.Now));
        Assert.False(_fixture.Security.ShouldLogRefusal(anonymousAgain, SecurityFixture.Address, SecurityFixture.Now));
        Assert.True(_fixture.Security.ShouldLogRefusal(pairing, SecurityFixture.Address, SecurityFixture.Now));
    }

    [Fact]
    public void A_refusal_shows_an_over_long_access_key_id_by_its_start_and_length()
    {
        string longKey = new string('K', 65_000);

        AuthDecision refused = _fixture.Connect(ClientId, "Signature|" + longKey + "|" + SecurityFixture.InstanceId, "x");

        Assert.Equal(AuthOutcome.BadCredentials, refused.Outcome);
        Assert.Contains("(65000 characters)", refused.Reason);
        Assert.True(refused.Reason.Length < 200, refused.Reason);
    }

    [Fact]
    public void Signature_mode_accepts_the_vendor_signature_of_the_client_id()
    {
        AuthDecision decision = _fixture.ConnectWithSignature(ClientId);

        Assert.True(decision.IsAccepted, decision.Reason);
        Assert.Equal(0, decision.Mqtt311ReturnCode);
        Assert.Equal(AuthMode.Signature, decision.Client.Mode);
        Assert.Equal("GID_sensors", decision.Client.Group);
        Assert.Same(decision.Client, _fixture.Security.Clients.Find(ClientId));
        Assert.Contains(SecurityFixture.KeyId, decision.Reason);
    }

    [Fact]
    public void Signature_of_another_client_id_is_bad_credentials_with_both_protocol_codes()
    {
        AuthDecision decision = _fixture.Connect(ClientId, "Signature|" + SecurityFixture.KeyId + "|" + SecurityFixture.InstanceId,
            ApsaraSignature.PasswordFor(SecurityFixture.KeySecret, "GID_sensors@@@OTHER"));

        Assert.Equal(AuthOutcome.BadCredentials, decision.Outcome);
        Assert.Equal(0x04, decision.Mqtt311ReturnCode);
        Assert.Equal(0x86, decision.Mqtt5ReasonCode);
        Assert.Null(decision.Client);
        Assert.Null(_fixture.Security.Clients.Find(ClientId));
    }

    [Theory]
    [InlineData("Signature|UnknownKey|mqtt-edge-1", "unknown access key")]
    [InlineData("Signature|LTAI5tKey|another-instance", "instance ID")]
    [InlineData("admin", "user name is not")]
    public void Unknown_key_wrong_instance_or_unknown_form_is_bad_credentials(string userName, string reasonPart)
    {
        AuthDecision decision = _fixture.Connect(ClientId, userName, ApsaraSignature.PasswordFor(SecurityFixture.KeySecret, ClientId));

        Assert.Equal(AuthOutcome.BadCredentials, decision.Outcome);
        Assert.Contains(reasonPart, decision.Reason);
    }

    [Fact]
    public void An_access_key_serves_only_its_groups()
    {
        var fixture = new SecurityFixture(options => options.AddAccessKey(new AccessKey("GroupKey", "group-secret", new[] { "GID_sensors" })));

        Assert.True(fixture.ConnectWithSignature(ClientId, "GroupKey", "group-secret").IsAccepted);
        AuthDecision other = fixture.ConnectWithSignature("GID_other@@@x", "GroupKey", "group-secret");

        Assert.Equal(AuthOutcome.NotAuthorized, other.Outcome);
        Assert.Equal(0x05, other.Mqtt311ReturnCode);
        Assert.Equal(0x87, other.Mqtt5ReasonCode);
        Assert.Contains("may not serve group GID_other", other.Reason);
    }

    [Fact]
    public void Without_a_configured_instance_id_any_instance_is_accepted()
    {
        var fixture = new SecurityFixture(options => options.InstanceId = null);

        AuthDecision decision = fixture.Connect(ClientId, "Signature|" + SecurityFixture.KeyId + "|whatever",
            ApsaraSignature.PasswordFor(SecurityFixture.KeySecret, ClientId));

        Assert.True(decision.IsAccepted, decision.Reason);
    }

    [Fact]
    public void Anonymous_clients_are_refused_as_not_authorized_unless_allowed()
    {
        AuthDecision refused = _fixture.Connect(ClientId, null, null);
        Assert.Equal(AuthOutcome.NotAuthorized, refused.Outcome);
        Assert.Equal(AuthOutcome.NotAuthorized, _fixture.Connect(ClientId, "", null).Outcome);

        var open = new SecurityFixture(options => options.AllowAnonymous = true);
        AuthDecision accepted = open.Connect(ClientId, null, null);
        Assert.True(accepted.IsAccepted);
        Assert.Equal(AuthMode.Anonymous, accepted.Client.Mode);
    }

    [Fact]
    public void Anonymous_access_never_takes_the_client_id_of_a_paired_device()
    {
        var open = new SecurityFixture(options => options.AllowAnonymous = true);
        (string userName, string password) = open.Pair("GID_sensors", ClientId);
        AuthDecision device = open.Connect(ClientId, userName, password);

        AuthDecision impostor = open.Connect(ClientId, null, null);

        Assert.Equal(AuthOutcome.NotAuthorized, impostor.Outcome);
        Assert.Contains("paired device", impostor.Reason);
        Assert.Same(device.Client, open.Security.Clients.Find(ClientId));
    }

    [Fact]
    public void Token_mode_accepts_valid_tokens_and_grants_what_they_say()
    {
        string read = _fixture.IssueToken(read: true, write: false, parents: "GID_sensors");
        string write = _fixture.IssueToken(read: false, write: true, parents: "app");

        AuthDecision decision = _fixture.ConnectWithTokens(ClientId, "R|" + read + "|W|" + write);

        Assert.True(decision.IsAccepted, decision.Reason);
        Assert.Equal(AuthMode.Token, decision.Client.Mode);
        Assert.Equal(TokenRegistry.HashOf(read), decision.Client.ReadToken.Hash);
        Assert.Equal(TokenRegistry.HashOf(write), decision.Client.WriteToken.Hash);
        Assert.DoesNotContain(read, decision.Reason);
        Assert.DoesNotContain(write, decision.Reason);
    }

    [Fact]
    public void Token_mode_refuses_unknown_expired_revoked_mismatched_and_insufficient_tokens()
    {
        string readOnly = _fixture.IssueToken(read: true, write: false, parents: "GID_sensors");
        string shortLived = _fixture.IssueToken(read: true, write: true, expiresAt: SecurityFixture.Now + 1000, parents: "GID_sensors");
        string revoked = _fixture.IssueToken(read: true, write: true, parents: "GID_sensors");
        Assert.True(_fixture.Security.RevokeToken(revoked));

        Assert.Contains("unknown", _fixture.ConnectWithTokens(ClientId, "RW|never-issued").Reason);
        Assert.Contains("expired", _fixture.ConnectWithTokens(ClientId, "RW|" + shortLived, now: SecurityFixture.Now + 1000).Reason);
        Assert.Contains("revoked", _fixture.ConnectWithTokens(ClientId, "RW|" + revoked).Reason);
        Assert.Contains("does not grant W", _fixture.ConnectWithTokens(ClientId, "W|" + readOnly).Reason);
        Assert.Contains("not a token list", _fixture.ConnectWithTokens(ClientId, readOnly).Reason);
        Assert.Equal(AuthOutcome.BadCredentials, _fixture.ConnectWithTokens(ClientId, "RW|" + readOnly).Outcome);
    }

    [Fact]
    public void A_token_authenticates_only_with_the_access_key_it_was_issued_to()
    {
        var fixture = new SecurityFixture(options => options.AddAccessKey(new AccessKey("SecondKey", "second", null)));
        string token = fixture.IssueToken(read: true, write: false, parents: "GID_sensors");

        AuthDecision decision = fixture.Connect(ClientId, "Token|SecondKey|" + SecurityFixture.InstanceId, "R|" + token);

        Assert.Equal(AuthOutcome.BadCredentials, decision.Outcome);
        Assert.Contains("another access key", decision.Reason);
    }

    [Fact]
    public void Device_mode_needs_the_device_own_client_id_and_secret()
    {
        (string userName, string password) = _fixture.Pair("GID_sensors", ClientId);

        Assert.True(_fixture.Connect(ClientId, userName, password).IsAccepted);
        Assert.Contains("names another client ID", _fixture.Connect("GID_sensors@@@OTHER", userName, password).Reason);
        Assert.Contains("wrong device secret", _fixture.Connect(ClientId, userName, password + "x").Reason);
        Assert.Contains("unknown device", _fixture.Connect("GID_sensors@@@NEW", "Device|GID_sensors@@@NEW", password).Reason);
    }

    [Fact]
    public void A_refused_connect_leaves_the_connected_client_with_that_id_untouched()
    {
        AuthDecision original = _fixture.ConnectWithSignature(ClientId);

        AuthDecision takeover = _fixture.ConnectWithSignature(ClientId, secret: "wrong");
        AuthDecision anonymous = _fixture.Connect(ClientId, null, null);

        Assert.False(takeover.IsAccepted);
        Assert.False(anonymous.IsAccepted);
        Assert.Same(original.Client, _fixture.Security.Clients.Find(ClientId));
        Assert.Empty(_fixture.Security.ClientsToDisconnect(SecurityFixture.Now));
    }

    [Fact]
    public void An_accepted_takeover_replaces_the_client_and_the_old_connection_ending_does_not_remove_it()
    {
        AuthDecision first = _fixture.ConnectWithSignature(ClientId);
        AuthDecision second = _fixture.ConnectWithSignature(ClientId);

        _fixture.Security.Disconnected(first.Client);

        Assert.Same(second.Client, _fixture.Security.Clients.Find(ClientId));
        _fixture.Security.Disconnected(second.Client);
        Assert.Null(_fixture.Security.Clients.Find(ClientId));
    }

    /// <summary>An engine whose CONNECT fails after the check (the store cannot take the session) forgets the client
    /// (<see cref="BrokerSecurity.Disconnected"/>): the connection it would have taken over keeps its own entry, and with
    /// it its rights — not the failed client's, nor none.</summary>
    [Fact]
    public void A_takeover_that_fails_after_its_check_gives_the_connected_client_its_entry_back()
    {
        AuthDecision connected = _fixture.ConnectWithSignature(ClientId);
        AuthDecision failing = _fixture.AuthenticateWithSignature(ClientId);
        Assert.True(failing.IsAccepted);
        Assert.Same(failing.Client, _fixture.Security.Clients.Find(ClientId));

        _fixture.Security.Disconnected(failing.Client);

        Assert.Same(connected.Client, _fixture.Security.Clients.Find(ClientId));
        Assert.True(_fixture.Security.Policy.CanPublish(ClientId, "GID_sensors/data", -1));
        _fixture.Security.Disconnected(connected.Client);
        Assert.Null(_fixture.Security.Clients.Find(ClientId));
    }

    [Fact]
    public void A_takeover_that_fails_after_the_connection_it_displaced_ended_leaves_no_entry()
    {
        AuthDecision connected = _fixture.ConnectWithSignature(ClientId);
        AuthDecision first = _fixture.AuthenticateWithSignature(ClientId);
        AuthDecision second = _fixture.AuthenticateWithSignature(ClientId);

        _fixture.Security.Disconnected(connected.Client);
        _fixture.Security.Disconnected(first.Client);
        Assert.Same(second.Client, _fixture.Security.Clients.Find(ClientId));
        _fixture.Security.Disconnected(second.Client);

        Assert.Null(_fixture.Security.Clients.Find(ClientId));
    }

    [Fact]
    public void Reasons_never_contain_the_secret_or_password()
    {
        string password = ApsaraSignature.PasswordFor(SecurityFixture.KeySecret, ClientId);
        var decisions = new[]
        {
            _fixture.ConnectWithSignature(ClientId),
            _fixture.ConnectWithSignature(ClientId, secret: "wrong-secret"),
            _fixture.Connect(ClientId, "Signature|" + SecurityFixture.KeyId + "|other", password),
            _fixture.Connect(ClientId, "Device|" + ClientId, password),
        };

        Assert.All(decisions, decision =>
        {
            Assert.DoesNotContain(SecurityFixture.KeySecret, decision.Reason);
            Assert.DoesNotContain(password, decision.Reason);
            Assert.DoesNotContain("wrong-secret", decision.Reason);
        });
    }

    [Fact]
    public void Repeated_bad_credentials_from_one_address_are_slowed_then_refused_and_other_addresses_are_not()
    {
        var fixture = new SecurityFixture(options => options.Throttle = new LoginThrottleOptions
        {
            FailuresBeforeDelay = 2, DelayMs = 700, FailuresBeforeLockout = 3, LockoutMs = 60_000, FailureWindowMs = 60_000,
        });
        long now = SecurityFixture.Now;

        Assert.Equal(0, fixture.ConnectWithSignature(ClientId, secret: "guess1", now: now).ResponseDelayMs);
        Assert.Equal(0, fixture.ConnectWithSignature(ClientId, secret: "guess2", now: now + 1).ResponseDelayMs);
        AuthDecision third = fixture.ConnectWithSignature(ClientId, secret: "guess3", now: now + 2);
        Assert.Equal(700, third.ResponseDelayMs);
        Assert.Contains("locked out for 60 s", third.Reason);

        AuthDecision locked = fixture.ConnectWithSignature(ClientId, now: now + 3);
        Assert.Equal(AuthOutcome.Throttled, locked.Outcome);
        Assert.Equal(0x05, locked.Mqtt311ReturnCode);
        Assert.Equal(0x9F, locked.Mqtt5ReasonCode);
        Assert.True(fixture.ConnectWithSignature(ClientId, now: now + 3, address: "192.0.2.99").IsAccepted);
        Assert.True(fixture.ConnectWithSignature(ClientId, now: now + 60_002).IsAccepted);
    }

    [Fact]
    public void Not_authorized_refusals_do_not_count_towards_the_throttle()
    {
        var fixture = new SecurityFixture(options => options.Throttle = new LoginThrottleOptions { FailuresBeforeDelay = 1, FailuresBeforeLockout = 2 });
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(AuthOutcome.NotAuthorized, fixture.Connect(ClientId, null, null).Outcome);
        }

        AuthDecision decision = fixture.ConnectWithSignature(ClientId);
        Assert.True(decision.IsAccepted);
        Assert.Equal(0, decision.ResponseDelayMs);
    }

    [Fact]
    public void A_client_id_over_the_limit_is_not_valid_before_its_credentials_are_read_and_not_a_failed_login()
    {
        var fixture = new SecurityFixture(options =>
        {
            options.MaxClientIdLength = ClientId.Length;
            options.Throttle = new LoginThrottleOptions { FailuresBeforeDelay = 1, FailuresBeforeLockout = 2 };
        });
        for (int i = 0; i < 5; i++)
        {
            AuthDecision refused = fixture.ConnectWithSignature(ClientId + "X");
            Assert.Equal(AuthOutcome.ClientIdNotValid, refused.Outcome);
            Assert.Equal(0x02, refused.Mqtt311ReturnCode);
            Assert.Equal(0x85, refused.Mqtt5ReasonCode);
            Assert.Contains("25 characters long; at most 24 are accepted", refused.Reason);
        }

        AuthDecision decision = fixture.ConnectWithSignature(ClientId);
        Assert.True(decision.IsAccepted, decision.Reason);
        Assert.Equal(0, decision.ResponseDelayMs);
    }

    [Fact]
    public void An_unknown_remote_address_is_throttled_as_one_shared_address()
    {
        var fixture = new SecurityFixture(options => options.Throttle = new LoginThrottleOptions { FailuresBeforeLockout = 1 });

        fixture.Security.Authenticate(ClientId, "Device|" + ClientId, null!, null!, SecurityFixture.Now, SecurityFixture.Now);

        Assert.Equal(AuthOutcome.Throttled, fixture.Security.Authenticate(ClientId, null!, null!, null!, SecurityFixture.Now, SecurityFixture.Now).Outcome);
    }

    [Fact]
    public void Binary_passwords_that_are_not_utf8_are_refused_not_thrown_on()
    {
        AuthDecision decision = _fixture.Security.Authenticate(ClientId, "Token|" + SecurityFixture.KeyId + "|" + SecurityFixture.InstanceId,
            new byte[] { 0xFF, 0x00, 0x7C }, SecurityFixture.Address, SecurityFixture.Now, SecurityFixture.Now);

        Assert.Equal(AuthOutcome.BadCredentials, decision.Outcome);
        Assert.Equal(AuthOutcome.BadCredentials, _fixture.Security.Authenticate(ClientId, "Device|" + ClientId, null!, SecurityFixture.Address, SecurityFixture.Now, SecurityFixture.Now).Outcome);
    }
}
