using System.Text;
using EdgeBroker.Core;
using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Uplink;
using EdgeBroker.Firmware.Uplink;
using EdgeBroker.Relay.Tests.Support;

namespace EdgeBroker.Relay.Tests.Uplink;

/// <summary>
/// The driver's packet-identifier table against the core's in-flight window when the upstream is slower than the
/// publishers and drop-oldest makes room (reviewer's D3/D4): entries in flight are never dropped, so the upstream never
/// has more than the window unacknowledged, every PUBACK is reported, and the queue drains.
/// </summary>
public class UplinkDriverWindowTests
{
    const int Window = 4;

    [Fact]
    public void A_slow_upstream_under_drop_oldest_never_has_more_than_the_window_unacknowledged_and_the_queue_drains()
    {
        using var relay = new SynchronousRelay();
        var uplink = new Core.Uplink.Uplink(Settings(), relay.Store.UplinkQueue, new TestRandom());
        var upstream = new SlowUpstream();
        var driver = new UplinkDriver(uplink, upstream, relay.Context, null);
        driver.RunOnce();
        Assert.Equal(UplinkState.Connected, uplink.State);

        const int messages = 100;
        for (int i = 0; i < messages; i++)
        {
            Assert.Equal(UplinkOfferOutcome.Queued, uplink.Offer(new RoutedMessage("t", Encoding.UTF8.GetBytes(i.ToString()), 1, false), Clock.NowMs()));
            driver.RunOnce();
            if (i % 5 == 4)
            {
                upstream.AcknowledgeOldest();
                driver.RunOnce();
            }

            Assert.InRange(upstream.Unacknowledged, 1, Window);
        }

        // An acknowledgement of an identifier never sent (a confused upstream) changes nothing.
        upstream.Listener!.PublishAcknowledged(60_000);
        for (int round = 0; round < messages && uplink.Status(Clock.NowMs()).Queued > 0; round++)
        {
            upstream.AcknowledgeOldest();
            driver.RunOnce();
        }

        var status = uplink.Status(Clock.NowMs());
        Assert.Equal((0, 0), (status.Queued, status.InFlight));
        Assert.Equal(status.Sent, status.Acknowledged);
        Assert.Equal(messages, status.Acknowledged + status.Dropped);
        Assert.Equal(upstream.Received.Order(), upstream.Received);
        Assert.Equal(status.Acknowledged, upstream.Received.Count);
        Assert.Equal(messages - 1, upstream.Received[^1]);
    }

    static UplinkSettings Settings()
    {
        var settings = new UplinkSettings("cloud")
        {
            ClientId = "gw1",
            InFlightWindow = Window,
            MaxQueuedMessages = 10,
            FullPolicy = UplinkFullPolicy.DropOldest,
        };
        settings.AddAddress(UplinkAddress.Parse("mqtt://127.0.0.1:1883"));
        settings.AddRule(UplinkRule.Forward("#", 1));
        return settings;
    }

    /// <summary>An upstream that acknowledges only when the test says so, oldest first, and picks its own packet
    /// identifiers (as M2Mqtt does).</summary>
    sealed class SlowUpstream : IUplinkTransport
    {
        readonly Queue<int> _unacknowledged = new();
        int _lastPacketId;

        public IUplinkTransportListener? Listener { get; private set; }

        public List<int> Received { get; } = [];

        public int Unacknowledged => _unacknowledged.Count;

        public int Connect(UplinkConnectRequest request, IUplinkTransportListener listener)
        {
            Listener = listener;
            return 0;
        }

        public int Publish(string topic, byte[] payload, int qos, bool retain, bool duplicate, int packetId)
        {
            _lastPacketId = _lastPacketId % 65535 + 1;
            _unacknowledged.Enqueue(_lastPacketId);
            Received.Add(int.Parse(Encoding.UTF8.GetString(payload)));
            return _lastPacketId;
        }

        public void AcknowledgeOldest()
        {
            if (_unacknowledged.Count > 0)
            {
                Listener!.PublishAcknowledged(_unacknowledged.Dequeue());
            }
        }

        public void Subscribe(string[] filters, int[] qos)
        {
        }

        public bool AcknowledgesAfterDelivery => true;

        public void Disconnect()
        {
        }
    }
}
