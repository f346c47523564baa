using EdgeBroker.Core.Tests.Support;
using EdgeBroker.Core.Uplink;
using static EdgeBroker.Core.Tests.Uplink.UplinkFixture;

namespace EdgeBroker.Core.Tests.Uplink;

public class UplinkQueueTests
{
    [Fact]
    public void Matching_messages_are_queued_remapped_with_the_lower_QoS_and_a_dedupe_id()
    {
        var uplink = Connected(Settings(rules: new UplinkRule(UplinkDirection.Forward, "s/#", 0, "s/", "site/s/")));

        Assert.Equal(UplinkOfferOutcome.Queued, uplink.Offer(Message("s/t", "21.5", qos: 1, retain: true), 1000));
        Assert.Equal(UplinkOfferOutcome.NotForwarded, uplink.Offer(Message("other/t"), 1000));

        var entry = Assert.Single(Take(uplink));
        Assert.Equal(("site/s/t", "21.5", 0, true, 1000L), (entry.RemoteTopic, PayloadOf(entry), entry.Qos, entry.Retain, entry.EnqueuedAtMs));
        Assert.False(string.IsNullOrEmpty(entry.DedupeId));
    }

    [Fact]
    public void A_message_that_came_down_this_uplink_never_goes_back_up_it()
    {
        var uplink = Connected(Settings(rules: new[] { UplinkRule.Forward("#", 1), UplinkRule.Subscribe("#", 1) }));
        var down = uplink.Down("cmd/x", "on"u8.ToArray(), 1, false)!;

        Assert.Equal("cloud", down.OriginUplink);
        Assert.Equal(UplinkOfferOutcome.NotForwarded, uplink.Offer(down, 0));
        Assert.Equal(UplinkOfferOutcome.Queued, uplink.Offer(Message("cmd/x"), 0));
    }

    [Fact]
    public void Entries_go_out_in_order_within_the_in_flight_window_and_leave_the_store_only_when_acknowledged()
    {
        var store = new MemoryUplinkQueueStore();
        var uplink = Connected(Settings(window: 3), store);
        for (int i = 0; i < 5; i++)
        {
            uplink.Offer(Message("t", "m" + i), 0);
        }

        var first = Take(uplink);
        Assert.Equal(new[] { "m0", "m1", "m2" }, first.Select(PayloadOf));
        Assert.Empty(Take(uplink));
        Assert.Equal(5, store.Count("cloud"));

        uplink.Acknowledged(first[1].Sequence);
        Assert.Equal(4, store.Count("cloud"));
        Assert.Equal(new[] { "m3" }, Take(uplink).Select(PayloadOf));
        uplink.Acknowledged(first[1].Sequence);
        Assert.Equal(4, store.Count("cloud"));
    }

    [Fact]
    public void An_upstream_receive_maximum_below_the_window_narrows_it_resends_included()
    {
        var uplink = Connected(Settings(window: 3));
        for (int i = 0; i < 5; i++)
        {
            uplink.Offer(Message("t", "m" + i), 0);
        }

        var sent = Take(uplink);
        uplink.ConnectionLost("network", 10);
        Assert.NotNull(uplink.NextConnect(100_000));
        uplink.Connected(100_000, receiveMaximum: 1);

        var resent = Take(uplink);
        Assert.Equal(new[] { "m0" }, resent.Select(PayloadOf));
        Assert.Empty(Take(uplink));
        uplink.Acknowledged(sent[0].Sequence);
        Assert.Equal(new[] { "m1" }, Take(uplink).Select(PayloadOf));
        uplink.Acknowledged(sent[1].Sequence);
        Assert.Equal(new[] { "m2" }, Take(uplink).Select(PayloadOf));
        uplink.Acknowledged(sent[2].Sequence);
        Assert.Equal(new[] { "m3" }, Take(uplink).Select(PayloadOf));
    }

    [Fact]
    public void After_a_lost_connection_unacknowledged_entries_are_resent_first_with_DUP()
    {
        var uplink = Connected(Settings(window: 2));
        for (int i = 0; i < 4; i++)
        {
            uplink.Offer(Message("t", "m" + i), 0);
        }

        var sent = Take(uplink);
        uplink.Acknowledged(sent[0].Sequence);
        uplink.ConnectionLost("network", 10);
        Assert.Empty(Take(uplink));

        Assert.NotNull(uplink.NextConnect(100_000));
        uplink.Connected(100_000);
        var again = Take(uplink);

        Assert.Equal(new[] { "m1", "m2" }, again.Select(PayloadOf));
        Assert.Equal(new[] { true, false }, again.Select(e => e.Duplicate));
    }

    [Fact]
    public void Drop_oldest_keeps_the_newest_within_the_count_bound_and_counts_the_drops()
    {
        long reported = 0;
        var uplink = Connected(Settings(maxMessages: 3));
        uplink.Dropped = (_, total) => reported = total;
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(UplinkOfferOutcome.Queued, uplink.Offer(Message("t", "m" + i), 0));
        }

        Assert.Equal(new[] { "m2", "m3", "m4" }, Take(uplink).Select(PayloadOf));
        Assert.Equal(2, uplink.Status(0).Dropped);
        Assert.Equal(2, reported);
    }

    [Fact]
    public void Drop_oldest_drops_the_oldest_entry_not_yet_sent_and_never_one_in_flight()
    {
        var uplink = Connected(Settings(window: 2, maxMessages: 3));
        uplink.Offer(Message("t", "m0"), 0);
        uplink.Offer(Message("t", "m1"), 0);
        var inFlight = Take(uplink);
        for (int i = 2; i < 5; i++)
        {
            Assert.Equal(UplinkOfferOutcome.Queued, uplink.Offer(Message("t", "m" + i), 0));
        }

        // m2 and m3 made room in turn; m0 and m1 are on their way and still hold the window.
        Assert.Empty(Take(uplink));
        Assert.Equal((3, 2, 2L), (uplink.Status(0).Queued, uplink.Status(0).InFlight, uplink.Status(0).Dropped));

        inFlight.ForEach(entry => uplink.Acknowledged(entry.Sequence));
        Assert.Equal(new[] { "m4" }, Take(uplink).Select(PayloadOf));
        Assert.Equal((2L, 2L), (uplink.Status(0).Acknowledged, uplink.Status(0).Dropped));
    }

    [Fact]
    public void Drop_oldest_keeps_the_entries_a_lost_connection_left_unacknowledged_and_resends_them_first()
    {
        var uplink = Connected(Settings(window: 2, maxMessages: 3));
        uplink.Offer(Message("t", "m0"), 0);
        uplink.Offer(Message("t", "m1"), 0);
        Take(uplink);
        uplink.ConnectionLost("network", 10);
        for (int i = 2; i < 5; i++)
        {
            uplink.Offer(Message("t", "m" + i), 10);
        }

        Assert.NotNull(uplink.NextConnect(100_000));
        uplink.Connected(100_000);
        var again = Take(uplink);
        Assert.Equal(new[] { ("m0", true), ("m1", true) }, again.Select(e => (PayloadOf(e), e.Duplicate)));
        again.ForEach(entry => uplink.Acknowledged(entry.Sequence));
        Assert.Equal(new[] { "m4" }, Take(uplink).Select(PayloadOf));
        Assert.Equal(2, uplink.Status(0).Dropped);
    }

    [Fact]
    public void Drop_oldest_refuses_a_new_message_while_only_entries_in_flight_fill_the_queue()
    {
        var uplink = Connected(Settings(maxMessages: 2));
        uplink.Offer(Message("t", "m0"), 0);
        uplink.Offer(Message("t", "m1"), 0);
        var inFlight = Take(uplink);

        Assert.Equal(UplinkOfferOutcome.Full, uplink.Offer(Message("t", "m2"), 0));
        Assert.Equal((0L, 1L, 2), (uplink.Status(0).Dropped, uplink.Status(0).Refused, uplink.Status(0).InFlight));

        uplink.Acknowledged(inFlight[0].Sequence);
        Assert.Equal(UplinkOfferOutcome.Queued, uplink.Offer(Message("t", "m3"), 0));
        Assert.Equal(new[] { "m3" }, Take(uplink).Select(PayloadOf));
    }

    [Fact]
    public void Refuse_new_refuses_once_the_byte_bound_is_reached_and_accepts_again_after_an_acknowledgement()
    {
        long perEntry = UplinkEntry.SizeOf("t", 2, null);
        var uplink = Connected(Settings(maxBytes: perEntry * 2, policy: UplinkFullPolicy.RefuseNew));

        Assert.Equal(UplinkOfferOutcome.Queued, uplink.Offer(Message("t", "m0"), 0));
        Assert.Equal(UplinkOfferOutcome.Queued, uplink.Offer(Message("t", "m1"), 0));
        Assert.Equal(UplinkOfferOutcome.Full, uplink.Offer(Message("t", "m2"), 0));

        uplink.Acknowledged(Take(uplink)[0].Sequence);
        Assert.Equal(UplinkOfferOutcome.Queued, uplink.Offer(Message("t", "m3"), 0));
        Assert.Equal(1, uplink.Status(0).Refused);
    }

    /// <summary>An entry counts its message's MQTT 5 properties as every bound that keeps messages does
    /// (<see cref="EdgeBroker.Core.Routing.MessageFootprint"/>): a message with an empty payload and heavy properties
    /// makes room as one with a heavy payload would, and its acknowledgement gives back what it counted.</summary>
    [Fact]
    public void The_byte_bound_counts_what_a_messages_properties_hold()
    {
        var store = new MemoryUplinkQueueStore();
        long each = UplinkEntry.SizeOf("t", 2, new FixedProperties(1000));
        Assert.Equal(UplinkEntry.Overhead + 1 + 2 + 1000, each);
        var uplink = Connected(Settings(maxBytes: 2 * each + 10), store);

        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(UplinkOfferOutcome.Queued, uplink.Offer(WithProperties("m" + i, 1000), 0));
        }

        // Topic and payload alone (35 bytes each) would have let all three stay.
        Assert.Equal((2, 2 * each, 1L), (store.Count("cloud"), store.Bytes("cloud"), uplink.Status(0).Dropped));
        var sent = Take(uplink);
        Assert.Equal(new[] { "m1", "m2" }, sent.Select(PayloadOf));
        Assert.Equal(each, sent[0].Size);

        sent.ForEach(entry => uplink.Acknowledged(entry.Sequence));
        Assert.Equal((0, 0L), (store.Count("cloud"), store.Bytes("cloud")));
        Assert.Equal(0, uplink.Status(0).QueuedBytes);

        static EdgeBroker.Core.Routing.RoutedMessage WithProperties(string payload, int propertyBytes)
        {
            var message = Message("t", payload);
            message.EngineProperties = new FixedProperties(propertyBytes);
            return message;
        }
    }

    [Fact]
    public void A_store_that_cannot_write_fails_the_offer_and_leaves_the_bounds_untouched()
    {
        var uplink = Connected(Settings(maxMessages: 1), new FailingUplinkQueueStore());

        Assert.Equal(UplinkOfferOutcome.StoreFailed, uplink.Offer(Message("t"), 0));
        Assert.Equal(UplinkOfferOutcome.StoreFailed, uplink.Offer(Message("t"), 0));
    }

    [Fact]
    public void An_uplink_restarted_on_a_kept_store_sends_what_was_left_in_order()
    {
        var store = new MemoryUplinkQueueStore();
        var before = Connected(Settings(), store);
        for (int i = 0; i < 3; i++)
        {
            before.Offer(Message("t", "m" + i), 0);
        }

        before.Acknowledged(Take(before)[0].Sequence);

        var after = Connected(Settings(), store);
        Assert.Equal(new[] { "m1", "m2" }, Take(after).Select(PayloadOf));
        Assert.Equal(2, after.Status(0).Queued);
    }

    [Fact]
    public void QoS_0_entries_leave_when_written()
    {
        var uplink = Connected(Settings(rules: UplinkRule.Forward("#", 0)));
        uplink.Offer(Message("t"), 0);

        uplink.Written(Take(uplink)[0].Sequence);

        Assert.Equal(0, uplink.Status(0).Queued);
        Assert.Equal(1, uplink.Status(0).Acknowledged);
    }
}
