using System.Text;
using System.Text.Json;
using EdgeBroker.Core.Security;
using EdgeBroker.Core.Tests.Support;

namespace EdgeBroker.Core.Tests.Security;

/// <summary>The pairing exchange: window per group, one admission per device, credentials on its own P2P topic.</summary>
public class PairingTests
{
    const string Group = "GID_sensors";
    const string ClientId = Group + "@@@DEVICE_001";
    const string PairUserName = "Pair|" + Group;

    readonly SecurityFixture _fixture = new();

    [Fact]
    public void A_device_pairs_while_the_window_is_open_and_gets_its_credentials_on_its_own_p2p_topic()
    {
        PairingWindow window = _fixture.Security.OpenPairing(Group, 0, SecurityFixture.Now, SecurityFixture.Now);
        Assert.Equal(120, window.Seconds);
        Assert.Equal(120_000, window.RemainingMs(SecurityFixture.Now));

        AuthDecision decision = _fixture.Connect(ClientId, PairUserName, null);

        Assert.True(decision.IsAccepted, decision.Reason);
        Assert.Equal(AuthMode.Pairing, decision.Client.Mode);
        Assert.Equal(Group + "/p2p/" + ClientId, decision.PairingMessage.Topic);
        string payload = Encoding.UTF8.GetString(decision.PairingMessage.Payload);
        Assert.Matches("^\\{\"username\":\"Device\\|GID_sensors@@@DEVICE_001\",\"password\":\"[A-Za-z0-9+/]{24}\"\\}$", payload);
        Assert.DoesNotContain(payload[^26..^2], decision.Reason);
    }

    [Fact]
    public void The_delivered_credentials_connect_in_device_mode_and_only_a_hash_is_stored()
    {
        (string userName, string password) = _fixture.Pair(Group, ClientId);

        AuthDecision decision = _fixture.Connect(ClientId, userName, password);

        Assert.True(decision.IsAccepted, decision.Reason);
        Assert.Equal(AuthMode.Device, decision.Client.Mode);
        DeviceRecord record = _fixture.Devices.FindDevice(ClientId);
        Assert.Equal(Group, record.Group);
        Assert.Equal("DEVICE_001", record.DisplayName);
        Assert.False(record.Revoked);
        Assert.NotEqual(Encoding.UTF8.GetBytes(password), record.SecretHash);
        Assert.DoesNotContain(password, Encoding.UTF8.GetString(record.SecretHash));
        Assert.Equal(SecretHasher.Hash(record.Salt, Encoding.UTF8.GetBytes(password)), record.SecretHash);
    }

    [Fact]
    public void A_client_id_in_use_is_not_paired_unless_it_is_a_revoked_device()
    {
        var inUse = new HashSet<string> { ClientId };
        _fixture.Security.KnownClients = new KnownClients(inUse);
        _fixture.Security.OpenPairing(Group, 0, SecurityFixture.Now, SecurityFixture.Now);

        AuthDecision refused = _fixture.Connect(ClientId, PairUserName, null);

        Assert.Equal(AuthOutcome.NotAuthorized, refused.Outcome);
        Assert.Contains("the client ID is in use", refused.Reason);
        Assert.Null(_fixture.Devices.FindDevice(ClientId));

        inUse.Clear();
        _fixture.Pair(Group, ClientId);
        Assert.True(_fixture.Security.RevokeDevice(ClientId));
        inUse.Add(ClientId);
        _fixture.Security.OpenPairing(Group, 0, SecurityFixture.Now + 1, SecurityFixture.Now + 1);
        Assert.True(_fixture.Connect(ClientId, PairUserName, null, now: SecurityFixture.Now + 2).IsAccepted);
    }

    [Theory]
    [InlineData(Group + "@@@a+b")]
    [InlineData(Group + "@@@a#")]
    [InlineData(Group + "@@@a/b")]
    public void A_client_id_that_cannot_be_a_topic_level_is_not_paired(string clientId)
    {
        _fixture.Security.OpenPairing(Group, 0, SecurityFixture.Now, SecurityFixture.Now);

        AuthDecision refused = _fixture.Connect(clientId, PairUserName, null);

        Assert.Equal(AuthOutcome.NotAuthorized, refused.Outcome);
        Assert.Null(_fixture.Devices.FindDevice(clientId));
    }

    sealed class KnownClients(HashSet<string> inUse) : IKnownClients
    {
        public bool HasSession(string clientId) => inUse.Contains(clientId);

        public bool IsHeldWithProvenId(string clientId) => false;
    }

    [Fact]
    public void Outside_a_window_pairing_is_not_authorized()
    {
        Assert.Equal(AuthOutcome.NotAuthorized, _fixture.Connect(ClientId, PairUserName, null).Outcome);

        _fixture.Security.OpenPairing(Group, 10, SecurityFixture.Now, SecurityFixture.Now);
        AuthDecision late = _fixture.Connect(ClientId, PairUserName, null, now: SecurityFixture.Now + 10_000);

        Assert.Equal(AuthOutcome.NotAuthorized, late.Outcome);
        Assert.Contains("no pairing window", late.Reason);
        Assert.Null(_fixture.Devices.FindDevice(ClientId));
    }

    /// <summary>About 56 years: the device's wall clock starts near 1970 and SNTP steps it to now.</summary>
    const long SntpStepMs = 56L * 365 * 24 * 3600 * 1000;

    [Theory]
    [InlineData(SntpStepMs)]
    [InlineData(-SntpStepMs)]
    public void A_wall_clock_step_neither_ends_nor_stretches_a_window(long stepMs)
    {
        const long Opened = 5_000;
        _fixture.Security.OpenPairing(Group, 60, SecurityFixture.Now, Opened);

        AuthDecision afterTheStep = _fixture.Connect(ClientId, PairUserName, null, now: SecurityFixture.Now + stepMs, monotonicMs: Opened + 1_000);
        AuthDecision pastItsEnd = _fixture.Connect(Group + "@@@DEVICE_002", PairUserName, null, now: SecurityFixture.Now + stepMs,
            monotonicMs: Opened + 60_000);

        Assert.True(afterTheStep.IsAccepted, afterTheStep.Reason);
        Assert.Contains("no pairing window", pastItsEnd.Reason);
        Assert.Empty(_fixture.Security.OpenPairingWindows(Opened + 60_000));
    }

    [Fact]
    public void A_window_admits_only_its_own_group_and_closing_it_ends_pairing()
    {
        _fixture.Security.OpenPairing(Group, 0, SecurityFixture.Now, SecurityFixture.Now);

        Assert.Contains("must be GID_sensors@@@{deviceId}", _fixture.Connect("GID_other@@@x", PairUserName, null).Reason);
        Assert.Contains("no pairing window", _fixture.Connect("GID_other@@@x", "Pair|GID_other", null).Reason);
        Assert.Equal(AuthOutcome.NotAuthorized, _fixture.Connect(Group + "@@@", PairUserName, null).Outcome);
        Assert.Equal(AuthOutcome.NotAuthorized, _fixture.Connect(Group + "@@@a/b", PairUserName, null).Outcome);

        Assert.True(_fixture.Security.ClosePairing(Group));
        Assert.Equal(AuthOutcome.NotAuthorized, _fixture.Connect(ClientId, PairUserName, null).Outcome);
        Assert.Empty(_fixture.Security.OpenPairingWindows(SecurityFixture.Now));
    }

    [Fact]
    public void A_device_is_admitted_once_per_window_and_an_already_paired_id_cannot_be_paired_again()
    {
        _fixture.Security.OpenPairing(Group, 0, SecurityFixture.Now, SecurityFixture.Now);
        AuthDecision first = _fixture.Connect(ClientId, PairUserName, null);
        DeviceRecord paired = _fixture.Devices.FindDevice(ClientId);

        AuthDecision again = _fixture.Connect(ClientId, PairUserName, null);
        _fixture.Security.OpenPairing(Group, 0, SecurityFixture.Now + 1, SecurityFixture.Now + 1);
        AuthDecision nextWindow = _fixture.Connect(ClientId, PairUserName, null, now: SecurityFixture.Now + 1);

        Assert.True(first.IsAccepted);
        Assert.Contains("already paired in this pairing window", again.Reason);
        Assert.Contains("revoke the device to pair it again", nextWindow.Reason);
        Assert.Same(paired, _fixture.Devices.FindDevice(ClientId));
        Assert.True(_fixture.Connect(Group + "@@@DEVICE_002", PairUserName, null, now: SecurityFixture.Now + 1).IsAccepted);
    }

    [Fact]
    public void A_revoked_device_can_be_paired_again_and_keeps_its_name_and_the_old_secret_stops_working()
    {
        (string userName, string oldPassword) = _fixture.Pair(Group, ClientId);
        _fixture.Security.RenameDevice(ClientId, "Boiler room");
        _fixture.Security.RevokeDevice(ClientId);

        (_, string newPassword) = _fixture.Pair(Group, ClientId, now: SecurityFixture.Now + 5);

        Assert.Equal(AuthOutcome.BadCredentials, _fixture.Connect(ClientId, userName, oldPassword).Outcome);
        Assert.True(_fixture.Connect(ClientId, userName, newPassword).IsAccepted);
        Assert.Equal("Boiler room", _fixture.Devices.FindDevice(ClientId).DisplayName);
    }

    [Fact]
    public void Client_ids_that_need_json_escaping_are_escaped_in_the_credentials()
    {
        string clientId = Group + "@@@a\"b\\c";
        (string userName, _) = _fixture.Pair(Group, clientId);

        Assert.Equal("Device|" + clientId, userName);
    }

    [Fact]
    public void Group_ids_that_cannot_be_a_p2p_parent_cannot_open_a_window()
    {
        Assert.Null(_fixture.Security.OpenPairing("a/b", 0, SecurityFixture.Now, SecurityFixture.Now));
        Assert.Null(_fixture.Security.OpenPairing("$SYS", 0, SecurityFixture.Now, SecurityFixture.Now));
        Assert.Null(_fixture.Security.OpenPairing("+", 0, SecurityFixture.Now, SecurityFixture.Now));
        Assert.Null(_fixture.Security.OpenPairing("", 0, SecurityFixture.Now, SecurityFixture.Now));
    }

    [Fact]
    public void Reopening_a_window_restarts_it_and_lists_show_what_was_admitted()
    {
        _fixture.Security.OpenPairing(Group, 30, SecurityFixture.Now, SecurityFixture.Now);
        _fixture.Connect(ClientId, PairUserName, null);

        PairingWindow window = Assert.IsType<PairingWindow>(Assert.Single(_fixture.Security.OpenPairingWindows(SecurityFixture.Now)));
        Assert.Equal(new object[] { ClientId }, window.Admitted.ToArray());

        PairingWindow reopened = _fixture.Security.OpenPairing(Group, 60, SecurityFixture.Now + 1000, SecurityFixture.Now + 1000);
        Assert.Equal(60_000, reopened.RemainingMs(SecurityFixture.Now + 1000));
        Assert.Empty(reopened.Admitted);
    }

    [Fact]
    public void Payload_parses_as_json_with_the_documented_fields()
    {
        _fixture.Security.OpenPairing(Group, 0, SecurityFixture.Now, SecurityFixture.Now);
        PairingMessage message = _fixture.Connect(ClientId, PairUserName, null).PairingMessage;

        using JsonDocument json = JsonDocument.Parse(message.Payload);
        Assert.Equal(new[] { "username", "password" }, json.RootElement.EnumerateObject().Select(p => p.Name));
    }
}
