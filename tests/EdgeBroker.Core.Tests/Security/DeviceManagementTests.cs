using EdgeBroker.Core.Security;
using EdgeBroker.Core.Tests.Support;

namespace EdgeBroker.Core.Tests.Security;

/// <summary>Paired devices: list, rename, revoke — and revocation disconnects a live connection.</summary>
public class DeviceManagementTests
{
    const string Group = "GID_sensors";
    const string ClientId = Group + "@@@DEVICE_001";

    readonly SecurityFixture _fixture = new();

    [Fact]
    public void Paired_devices_are_listed_and_can_be_renamed()
    {
        _fixture.Pair(Group, ClientId);
        _fixture.Pair(Group, Group + "@@@DEVICE_002");

        Assert.True(_fixture.Security.RenameDevice(ClientId, "Front door"));
        Assert.False(_fixture.Security.RenameDevice(Group + "@@@NEVER", "x"));

        var devices = _fixture.Security.ListDevices().Cast<DeviceRecord>().ToDictionary(d => d.ClientId, d => d.DisplayName);
        Assert.Equal("Front door", devices[ClientId]);
        Assert.Equal("DEVICE_002", devices[Group + "@@@DEVICE_002"]);
    }

    [Fact]
    public void Revoking_refuses_the_device_and_disconnects_its_live_connection_at_once()
    {
        (string userName, string password) = _fixture.Pair(Group, ClientId);
        AuthDecision connected = _fixture.Connect(ClientId, userName, password);
        Assert.True(_fixture.Security.Policy.CanPublish(ClientId, Group + "/data", -1));

        Assert.True(_fixture.Security.RevokeDevice(ClientId));

        Assert.False(_fixture.Security.Policy.CanPublish(ClientId, Group + "/data", -1));
        AuthenticatedClient disconnected = Assert.IsType<AuthenticatedClient>(Assert.Single(_fixture.Security.ClientsToDisconnect(SecurityFixture.Now)));
        Assert.Same(connected.Client, disconnected);
        Assert.Equal("device revoked", disconnected.DisconnectReason);
        Assert.Empty(_fixture.Security.ClientsToDisconnect(SecurityFixture.Now));

        AuthDecision again = _fixture.Connect(ClientId, userName, password);
        Assert.Equal(AuthOutcome.NotAuthorized, again.Outcome);
        Assert.Equal("device revoked", again.Reason);
        Assert.True(_fixture.Devices.FindDevice(ClientId).Revoked);
        Assert.False(_fixture.Security.RevokeDevice(Group + "@@@NEVER"));
    }

    /// <summary>The window between the CONNECT's check and the engine's registration of the connection: whichever
    /// order revocation, the engine's close and the registration come in, the loss is reported exactly once — to the
    /// close once the connection is registered, else to the registration.</summary>
    [Fact]
    public void A_device_revoked_and_looked_for_before_its_connection_is_registered_is_refused_at_the_registration()
    {
        (string userName, string password) = _fixture.Pair(Group, ClientId);
        AuthDecision checkedOnly = _fixture.Authenticate(ClientId, userName, password);
        Assert.True(checkedOnly.IsAccepted);

        Assert.True(_fixture.Security.RevokeDevice(ClientId));
        Assert.Empty(_fixture.Security.ClientsToDisconnect(SecurityFixture.Now));

        Assert.False(_fixture.Security.ConnectionRegistered(checkedOnly.Client));
        Assert.Equal("device revoked", checkedOnly.Client.DisconnectReason);
        Assert.False(_fixture.Security.Policy.CanPublish(ClientId, Group + "/data", -1));
        Assert.Empty(_fixture.Security.ClientsToDisconnect(SecurityFixture.Now));
    }

    [Fact]
    public void A_device_revoked_before_its_connection_is_registered_is_refused_there_and_not_looked_for_again()
    {
        (string userName, string password) = _fixture.Pair(Group, ClientId);
        AuthDecision checkedOnly = _fixture.Authenticate(ClientId, userName, password);

        Assert.True(_fixture.Security.RevokeDevice(ClientId));

        Assert.False(_fixture.Security.ConnectionRegistered(checkedOnly.Client));
        Assert.Empty(_fixture.Security.ClientsToDisconnect(SecurityFixture.Now));
    }

    [Fact]
    public void A_device_revoked_once_its_connection_is_registered_is_closed_by_the_look()
    {
        (string userName, string password) = _fixture.Pair(Group, ClientId);
        AuthDecision checkedOnly = _fixture.Authenticate(ClientId, userName, password);
        Assert.True(_fixture.Security.ConnectionRegistered(checkedOnly.Client));

        Assert.True(_fixture.Security.RevokeDevice(ClientId));

        Assert.Same(checkedOnly.Client, Assert.Single(_fixture.Security.ClientsToDisconnect(SecurityFixture.Now)));
    }

    [Fact]
    public void A_device_revoked_while_its_takeover_is_under_way_is_closed_when_the_takeover_fails()
    {
        (string userName, string password) = _fixture.Pair(Group, ClientId);
        AuthDecision connected = _fixture.Connect(ClientId, userName, password);
        AuthDecision takeover = _fixture.Authenticate(ClientId, userName, password);

        Assert.True(_fixture.Security.RevokeDevice(ClientId));
        _fixture.Security.Disconnected(takeover.Client);

        Assert.Same(connected.Client, Assert.Single(_fixture.Security.ClientsToDisconnect(SecurityFixture.Now)));
        Assert.Equal("device revoked", connected.Client.DisconnectReason);
    }

    [Fact]
    public void Revoking_a_device_does_not_disconnect_a_client_with_the_same_id_that_used_other_credentials()
    {
        _fixture.Pair(Group, ClientId);
        _fixture.ConnectWithSignature(ClientId);

        _fixture.Security.RevokeDevice(ClientId);

        Assert.Empty(_fixture.Security.ClientsToDisconnect(SecurityFixture.Now));
    }
}
