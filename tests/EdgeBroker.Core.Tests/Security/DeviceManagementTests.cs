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

    [Fact]
    public void Revoking_a_device_does_not_disconnect_a_client_with_the_same_id_that_used_other_credentials()
    {
        _fixture.Pair(Group, ClientId);
        _fixture.ConnectWithSignature(ClientId);

        _fixture.Security.RevokeDevice(ClientId);

        Assert.Empty(_fixture.Security.ClientsToDisconnect(SecurityFixture.Now));
    }
}
