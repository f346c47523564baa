using System.Collections;
using System.Text;
using EdgeBroker.Core.Retained;
using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Tests.Support;

namespace EdgeBroker.Core.Tests;

/// <summary>The bounded retained-message store the firmware relay keeps (MQTT 3.1.1 §3.3.1.3).</summary>
public class RetainedMessagesTests
{
    [Fact]
    public void The_last_message_per_topic_is_kept_and_an_empty_payload_clears_it()
    {
        var store = new RetainedMessages(4, null);
        store.Update(TestBroker.Message("status/a", payload: "1", retain: true));
        store.Update(TestBroker.Message("status/a", payload: "2", retain: true));
        store.Update(TestBroker.Message("status/b", payload: "x", retain: true));
        store.Update(TestBroker.Message("status/b", payload: "", retain: true));

        Assert.Equal(["2"], Matching(store, "status/#"));
    }

    [Fact]
    public void A_full_store_refuses_new_topics_but_still_replaces_kept_ones()
    {
        var store = new RetainedMessages(1, null);
        Assert.True(store.Update(TestBroker.Message("a", payload: "1", retain: true)));

        Assert.False(store.Update(TestBroker.Message("b", payload: "1", retain: true)));
        Assert.True(store.Update(TestBroker.Message("a", payload: "2", retain: true)));
        Assert.Equal(1, store.Refused);
        Assert.Equal(["2"], Matching(store, "#"));
    }

    [Fact]
    public void The_byte_bound_refuses_what_would_exceed_it_but_a_shrinking_replacement_and_a_clear_make_room()
    {
        // Topic characters + payload bytes: "a" + 4 = 5 each.
        var store = new RetainedMessages(10, 10, null, null);
        Assert.True(store.Update(TestBroker.Message("a", payload: "1234", retain: true)));
        Assert.True(store.Update(TestBroker.Message("b", payload: "1234", retain: true)));

        Assert.False(store.Update(TestBroker.Message("c", payload: "1", retain: true)));
        Assert.False(store.Update(TestBroker.Message("a", payload: "12345", retain: true)));
        Assert.True(store.Update(TestBroker.Message("a", payload: "1", retain: true)));
        Assert.True(store.Update(TestBroker.Message("c", payload: "12", retain: true)));
        Assert.Equal(10, store.Bytes);
        Assert.True(store.Update(TestBroker.Message("b", payload: "", retain: true)));
        Assert.True(store.Update(TestBroker.Message("d", payload: "1234", retain: true)));

        Assert.Equal(2, store.Refused);
        Assert.Equal(["1", "12", "1234"], Matching(store, "#").Order());
    }

    [Fact]
    public void What_the_engine_keeps_beside_topic_and_payload_counts_and_kept_messages_count_from_the_start()
    {
        var store = new RetainedMessages(10, 100, message => message.Topic == "big" ? 50 : 0,
            new ListedStore(TestBroker.Message("kept", payload: new string('k', 60), retain: true)));

        Assert.Equal(64, store.Bytes);
        Assert.False(store.Update(TestBroker.Message("big", payload: "x", retain: true)));
        Assert.True(store.Update(TestBroker.Message("small", payload: new string('s', 30), retain: true)));
        Assert.Equal(99, store.Bytes);
    }

    [Fact]
    public void P2P_messages_are_never_kept()
    {
        var store = new RetainedMessages(4, null);

        Assert.False(store.Update(TestBroker.Message("app/p2p/dev", payload: "private", retain: true)));
        Assert.Empty(Matching(store, "#"));
    }

    [Fact]
    public void A_borrowed_payload_is_copied_before_it_is_kept()
    {
        var store = new RetainedMessages(4, null);
        var buffer = Encoding.UTF8.GetBytes("xxonline");
        var borrowed = new RoutedMessage("status/gw", buffer, 0, true) { PayloadOffset = 2, PayloadLength = 6, IsBorrowed = true };

        store.Update(borrowed);
        Array.Clear(buffer);

        Assert.Equal(["online"], Matching(store, "status/gw"));
    }

    [Fact]
    public void Wildcards_at_the_first_level_do_not_see_dollar_topics()
    {
        var store = new RetainedMessages(4, null);
        store.Update(TestBroker.Message("$SYS/x", payload: "sys", retain: true));

        Assert.Empty(Matching(store, "#"));
        Assert.Equal(["sys"], Matching(store, "$SYS/#"));
    }

    [Theory]
    [InlineData("a/#", "a,a/,a/x,a/x/y")]
    [InlineData("a/+", "a/,a/x")]
    [InlineData("a", "a")]
    [InlineData("a/", "a/")]
    [InlineData("+", "a,ab")]
    [InlineData("+/x", "a/x,ab/x")]
    [InlineData("#", "a,a/,a/x,a/x/y,ab,ab/x")]
    public void A_filter_finds_exactly_its_topics_among_neighbours_sharing_its_start(string filter, string expected)
    {
        var store = new RetainedMessages(16, null);
        foreach (var topic in new[] { "ab/x", "a/x/y", "ab", "a", "a/x", "a/", "$SYS/a" })
        {
            store.Update(TestBroker.Message(topic, payload: topic, retain: true));
        }

        Assert.Equal(expected.Split(','), Matching(store, filter));
    }

    [Fact]
    public void What_the_store_kept_comes_back_in_topic_order_the_later_of_a_topic_given_twice()
    {
        var store = new RetainedMessages(4, new ListedStore(
            TestBroker.Message("b", payload: "b1", retain: true),
            TestBroker.Message("a", payload: "a", retain: true),
            TestBroker.Message("b", payload: "b2", retain: true)));

        Assert.Equal(2, store.Count);
        Assert.Equal(["a", "b2"], Matching(store, "#"));
    }

    /// <summary>A durable store that gives back what it was made with.</summary>
    [Fact]
    public void A_message_whose_expiry_interval_ran_out_is_not_matched_and_is_deleted_from_the_store_once_due()
    {
        var now = Clock.NowMs();
        var kept = new ListedStore();
        var store = new RetainedMessages(10, kept);
        store.Update(Expiring("e/gone", "1234", publishedAtMs: now - 2_000, seconds: 1));
        store.Update(Expiring("e/lives", "5678", publishedAtMs: now - 2_000, seconds: 100));
        store.Update(TestBroker.Message("e/always", payload: "9", retain: true));

        Assert.Equal(["9", "5678"], Matching(store, "e/#"));
        Assert.Equal(3, store.Count);

        store.RemoveExpired(now);

        Assert.Equal(2, store.Count);
        Assert.Equal("e/always".Length + 1 + "e/lives".Length + 4, store.Bytes);
        Assert.Equal(["e/gone"], kept.Deleted);
        Assert.Equal(["9", "5678"], Matching(store, "e/#"));
    }

    [Fact]
    public void A_message_the_store_gave_back_expires_counted_from_its_publication_not_from_the_start()
    {
        var now = Clock.NowMs();
        var kept = new ListedStore(Expiring("e/old", "x", publishedAtMs: now - 5_000, seconds: 2),
            Expiring("e/young", "y", publishedAtMs: now - 5_000, seconds: 60));
        var store = new RetainedMessages(10, kept);

        Assert.Equal(["y"], Matching(store, "e/#"));
        store.RemoveExpired(now);
        Assert.Equal(["e/old"], kept.Deleted);
        Assert.Equal(1, store.Count);
    }

    static RoutedMessage Expiring(string topic, string payload, long publishedAtMs, uint seconds)
    {
        var message = TestBroker.Message(topic, payload: payload, retain: true);
        message.PublishedAtMs = publishedAtMs;
        message.MessageExpiryInterval = seconds;
        return message;
    }

    /// <summary>Soak review: a dead uplink's status, retained under $SYS, was written to the store twice per
    /// reconnect attempt for as long as the outage lasted (27 MB a day on the host, 2.5 MB of flash log on the
    /// emulator). The broker publishes it again as it starts, so it is kept on the heap only.</summary>
    [Fact]
    public void The_brokers_own_status_is_kept_on_the_heap_only_and_an_earlier_stored_one_is_deleted()
    {
        var kept = new ListedStore(TestBroker.Message("$SYS/uplink/cloud/state", payload: "old", retain: true),
            TestBroker.Message("s/t", payload: "v", retain: true));
        var store = new RetainedMessages(10, kept);
        Assert.Equal(["$SYS/uplink/cloud/state"], kept.Deleted);
        Assert.Equal(["v"], Matching(store, "#"));

        Assert.True(store.Update(TestBroker.Message("$SYS/uplink/cloud/state", payload: "connecting", retain: true)));
        Assert.True(store.Update(TestBroker.Message("$SYS/uplink/cloud/state", payload: "backing off", retain: true)));
        Assert.Equal(["backing off"], Matching(store, "$SYS/#"));
        Assert.True(store.Update(TestBroker.Message("$SYS/uplink/cloud/state", payload: "", retain: true)));

        Assert.Empty(kept.Saved);
        Assert.Equal(["$SYS/uplink/cloud/state"], kept.Deleted);
    }

    sealed class ListedStore(params RoutedMessage[] kept) : IRetainedStore
    {
        public List<string> Deleted { get; } = [];

        public List<string> Saved { get; } = [];

        public ArrayList LoadRetained() => new(kept);

        public bool SaveRetained(RoutedMessage message)
        {
            Saved.Add(message.Topic);
            return true;
        }

        public void DeleteRetained(string topic) => Deleted.Add(topic);
    }

    /// <summary>Review D7: one SUBSCRIBE of 8,000 filters against 20,000 retained messages held a host core for 13.4 s,
    /// each filter copying and matching every kept message. A filter now looks only at the run of topics its text
    /// before the first wildcard selects.</summary>
    [Fact]
    public void Matching_thousands_of_filters_costs_what_they_can_match_not_filters_times_messages()
    {
        var store = new RetainedMessages(100_000, null);
        for (int i = 0; i < 20_000; i++)
        {
            store.Update(TestBroker.Message("r/" + i, payload: "v", retain: true));
        }

        var found = new ArrayList();
        var elapsed = System.Diagnostics.Stopwatch.StartNew();
        for (int i = 0; i < 8_000; i++)
        {
            store.CollectMatching("nomatch/" + i + "/+", found);
            store.CollectMatching("r/" + i, found);
        }

        Assert.True(elapsed.Elapsed < TimeSpan.FromSeconds(2), $"took {elapsed.Elapsed}");
        Assert.Equal(8_000, found.Count);
    }

    static List<string> Matching(RetainedMessages store, string filter)
    {
        var found = new ArrayList();
        store.CollectMatching(filter, found);
        return found.Cast<RoutedMessage>()
            .Select(m => Encoding.UTF8.GetString(m.Payload, m.PayloadOffset, m.PayloadLength))
            .ToList();
    }
}
