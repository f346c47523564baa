using EdgeBroker.Firmware.Relay;
using EdgeBroker.Relay.Tests.Support;

namespace EdgeBroker.Relay.Tests.Protocol;

/// <summary>What the relay does once a second: here, forgetting persistent sessions whose expiry passed.</summary>
public class HousekeepingTests
{
    const string Device = "GID_a@@@sleepy";

    [Fact]
    public void A_persistent_session_is_kept_until_its_expiry_passes_then_forgotten_in_the_store_too()
    {
        using var relay = new SynchronousRelay(configure: settings => settings.SessionExpirySeconds = 1);
        var (socket, connection) = relay.Connect(Device, relay.OpenSocketPair(), cleanSession: false);
        socket.Send(new byte[] { 0xE0, 0 });
        Assert.False(connection.ReceiveAndHandle());
        connection.Terminate();
        var housekeeping = new Housekeeping(relay.Context);

        housekeeping.RunOnce();
        Assert.True(relay.Context.Core.HasSession(Device));
        Assert.Single(relay.Store.Sessions.LoadSessions());

        Thread.Sleep(1100);
        housekeeping.RunOnce();
        Assert.False(relay.Context.Core.HasSession(Device));
        Assert.Empty(relay.Store.Sessions.LoadSessions());
    }
}
