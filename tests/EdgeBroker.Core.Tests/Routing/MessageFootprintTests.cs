using EdgeBroker.Core.Offline;
using EdgeBroker.Core.Retained;
using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Tests.Support;

namespace EdgeBroker.Core.Tests.Routing;

/// <summary>One footprint of a message — topic, payload and MQTT 5 properties — counted by every bound that keeps
/// messages: a message whose properties are heavy is held to the bounds as one whose payload is.</summary>
public class MessageFootprintTests
{
    /// <summary>140,000 user properties <c>a=b</c>, the security review's message: 980,000 bytes on the wire.</summary>
    static readonly int ReviewProperties = MessageFootprint.OfProperties(140_000 * 2, 140_000);

    [Fact]
    public void A_message_counts_its_topic_payload_and_properties()
    {
        var message = new RoutedMessage("big/t", new byte[10], 1, false) { EngineProperties = new FixedProperties(500) };

        Assert.Equal(5 + 10 + 500, MessageFootprint.Of(message));
        Assert.Equal(15, MessageFootprint.Of(new RoutedMessage("big/t", new byte[10], 1, false)));
    }

    [Fact]
    public void Properties_count_their_content_and_the_objects_of_each_user_property()
    {
        Assert.Equal(0, MessageFootprint.OfProperties(0, 0));
        Assert.Equal(40, MessageFootprint.OfProperties(40, 0));
        Assert.Equal(2 + MessageFootprint.PerUserPropertyBytes, MessageFootprint.OfProperties(2, 1));

        // What the review's message held on the host (about 15 MB), not the 280 KB of its characters.
        Assert.InRange(ReviewProperties, 15_000_000, 17_000_000);
        Assert.Equal(int.MaxValue, MessageFootprint.OfProperties(long.MaxValue / 2, int.MaxValue));
    }

    [Fact]
    public void The_count_travels_with_every_copy_of_a_message_and_not_to_the_next_one_routed()
    {
        var borrowed = new RoutedMessage("t", new byte[4], 1, false) { IsBorrowed = true, EngineProperties = new FixedProperties(300) };

        Assert.Equal(1 + 4 + 300, MessageFootprint.Of(borrowed.Detach()));
        Assert.Equal(8 + 4 + 300, MessageFootprint.Of(borrowed.Readdressed("gw/p2p/x", 1)));

        borrowed.Reuse("t", new byte[4], 0, 4, 1, false, "sender", borrowed: true);
        Assert.Null(borrowed.EngineProperties);
        Assert.Equal(1 + 4, MessageFootprint.Of(borrowed));
    }

    [Fact]
    public void The_offline_quota_refuses_heavy_properties_as_it_refuses_a_heavy_payload()
    {
        var store = new MemoryOfflineStore(new OfflineLimits { MaxBytesPerClient = 1024 * 1024 });
        var heavyPayload = new RoutedMessage("inbox/x", new byte[ReviewProperties], 1, false);
        var heavyProperties = new RoutedMessage("inbox/x", [], 1, false) { EngineProperties = new FixedProperties(ReviewProperties) };
        var light = new RoutedMessage("inbox/x", new byte[100], 1, false) { EngineProperties = new FixedProperties(1000) };

        Assert.Equal(0, store.Append("dev", heavyPayload, 1, false, null, long.MaxValue));
        Assert.Equal(0, store.Append("dev", heavyProperties, 1, false, null, long.MaxValue));
        Assert.True(store.Append("dev", light, 1, false, null, long.MaxValue) > 0);

        // 1,107 bytes each: 947 fit into the quota, not the 1,000 their topics and payloads would allow.
        var kept = 1;
        while (store.Append("dev", light, 1, false, null, long.MaxValue) > 0)
        {
            kept++;
        }

        Assert.Equal(1024 * 1024 / 1107, kept);
    }

    [Fact]
    public void Qos0_kept_for_an_away_session_counts_its_properties_in_the_total()
    {
        var broker = new TestBroker();
        broker.Limits.MaxQos0BytesKept = 2 * (3 + 8 + 1000 + OfflineLimits.KeptQos0OverheadBytes);
        broker.ConnectThenLeave("a", TestBroker.Persistent, "s/a");

        Assert.Equal(PublishOutcome.Queued, broker.Core.Publish("sender", WithProperties(1000)));
        Assert.Equal(PublishOutcome.Queued, broker.Core.Publish("sender", WithProperties(1000)));
        Assert.Equal(PublishOutcome.QuotaExceeded, broker.Core.Publish("sender", WithProperties(1)));

        static RoutedMessage WithProperties(int propertyBytes) =>
            new("s/a", "12345678"u8.ToArray(), 0, false) { EngineProperties = new FixedProperties(propertyBytes) };
    }

    [Fact]
    public void A_retained_message_counts_its_properties_and_what_the_engine_keeps_beside_them()
    {
        var message = new RoutedMessage("state/a", new byte[10], 0, true) { EngineProperties = new FixedProperties(200) };

        Assert.Equal(7 + 10 + 200, new RetainedMessages(10, 0, null, null).SizeOf(message));
        Assert.Equal(7 + 10 + 200 + 5, new RetainedMessages(10, 0, _ => 5, null).SizeOf(message));
    }

    [Fact]
    public void The_outbound_queue_admits_by_footprint_so_heavy_properties_wait_only_in_an_empty_queue()
    {
        var limits = new Outbound.OutboundQueueLimits(1000, 4 * 1024 * 1024);
        var size = (int)MessageFootprint.Of(new RoutedMessage("big/t", [], 1, false) { EngineProperties = new FixedProperties(ReviewProperties) });

        Assert.True(limits.Admits(1, 0, 0, size));
        Assert.False(limits.Admits(1, 1, size, size));
    }
}
