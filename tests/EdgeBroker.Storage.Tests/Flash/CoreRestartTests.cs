using System.Text;
using EdgeBroker.Core;
using EdgeBroker.Core.Access;
using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Sessions;

namespace EdgeBroker.Storage.Tests.Flash;

/// <summary>The routing core on the flash store across a restart, as the device runs it: what was kept for an away
/// persistent session comes back, with DUP, to a new core that restored the store.</summary>
public sealed class CoreRestartTests : FlashLogFixture
{
    const string Device = "GID_sensors@@@DEVICE_001";

    [Fact]
    public void KeptMessagesAndSubscriptions_SurviveARestart()
    {
        BrokerCore before = NewCore();
        var first = new CapturingConnection();
        before.Connect(Device, cleanStart: true, BrokerCore.NeverExpires, first);
        before.Subscribe(Device, "sensors/config", 1, false, false, 0);
        before.Disconnect(Device, first, BrokerCore.NeverExpires);
        Assert.Equal(PublishOutcome.Queued, before.Publish("backend", new RoutedMessage("sensors/config", "m1"u8.ToArray(), 1, false)));
        Assert.Equal(PublishOutcome.Queued, before.Publish("backend", new RoutedMessage("app/p2p/" + Device, "m2"u8.ToArray(), 1, false)));

        Close();
        BrokerCore after = NewCore();
        Assert.Equal(1, after.Restore());
        var second = new CapturingConnection();
        bool sessionPresent = after.Connect(Device, cleanStart: false, BrokerCore.NeverExpires, second);
        after.Publish("backend", new RoutedMessage("sensors/config", "m3"u8.ToArray(), 1, false));

        Assert.True(sessionPresent);
        Assert.Equal(new[] { "m1", "m2", "m3" }, second.Received.Select(delivery => delivery.Payload));
        Assert.Equal(new[] { true, true, false }, second.Received.Select(delivery => delivery.Duplicate));

        foreach (var delivery in second.Received)
        {
            after.Acknowledge(Device, delivery.Tag);
        }

        Close();
        Assert.Equal(0, Offline.Count(Device));
        Assert.Single(Store.Sessions.LoadSessions());
    }

    [Fact]
    public void A_session_and_its_messages_kept_before_the_clock_was_set_survive_a_restart_and_the_sync()
    {
        // What the device wrote before SNTP first answered: times on its uptime, below any date it can run at.
        long beforeTheSync = Clock.MonotonicMs() - 5_000;
        BrokerCore before = NewCore();
        var first = new CapturingConnection();
        before.Connect(Device, cleanStart: true, 3_600, first);
        before.Subscribe(Device, "sensors/config", 1, false, false, 0);
        before.Disconnect(Device, first, 3_600);
        Store.Sessions.SaveSession(Device, 3_600, beforeTheSync);
        var message = new RoutedMessage("sensors/config", "before-sync"u8.ToArray(), 1, false) { PublishedAtMs = beforeTheSync };
        Assert.Equal(PublishOutcome.Queued, before.Publish("backend", message));

        Close();
        BrokerCore after = NewCore();
        after.Restore();
        var second = new CapturingConnection();

        Assert.True(after.Connect(Device, cleanStart: false, 3_600, second));
        Assert.Equal(new[] { "before-sync" }, second.Received.Select(delivery => delivery.Payload));
    }

    BrokerCore NewCore() => new(new AllowAllPolicy(), Store.Offline, Store.Sessions, Limits, maxQos: 1, expectedClients: 12);

    sealed class CapturingConnection : IClientConnection
    {
        public List<(string Payload, long Tag, bool Duplicate)> Received { get; } = new();

        public string ChannelId => "0123456789abcdef0123456789abcdef";

        public string ClientAddress => "127.0.0.1:50000";

        public void ResendWith(PacketIdentifiers resends)
        {
        }

        public void CopyUnacknowledged(PacketIdentifiers into)
        {
        }

        public bool Send(RoutedMessage message, int qos, bool retain, int[] subscriptionIdentifiers, long deliveryTag, bool duplicate)
        {
            Received.Add((Encoding.UTF8.GetString(message.Payload, message.PayloadOffset, message.PayloadLength), deliveryTag, duplicate));
            return true;
        }
    }
}
