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
        var kept = new ArrayList { TestBroker.Message("kept", payload: new string('k', 60), retain: true) };
        var store = new RetainedMessages(10, 100, message => message.Topic == "big" ? 50 : 0, new FixedStore(kept));

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

    /// <summary>A durable store that kept <paramref name="kept"/> before the start and takes every change.</summary>
    sealed class FixedStore(ArrayList kept) : IRetainedStore
    {
        public ArrayList LoadRetained() => kept;

        public bool SaveRetained(RoutedMessage message) => true;

        public void DeleteRetained(string topic)
        {
        }
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
