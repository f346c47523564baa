using System.Diagnostics;
using EdgeBroker.Core.Retained;
using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Tests.Support;
using EdgeBroker.Core.Topics;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace EdgeBroker.Core.Tests;

/// <summary>
/// Retained messages for a new subscription [MQTT-3.3.1-6], sent by the core as the connection takes them
/// (<see cref="BrokerCore.SendRetained"/>, <see cref="BrokerCore.OutboundRoom"/>). Before, the engines pushed them all
/// into the connection's queue at once and its limits dropped the rest, uncounted, from a subscriber that read.
/// </summary>
public class RetainedDeliveryTests
{
    const string Subscriber = "subscriber";

    readonly TestBroker _broker = new();
    readonly RetainedMessages _retained = new(100_000, null);

    public RetainedDeliveryTests()
    {
        _broker.Core.KeepRetained = message => _retained.Update(message);
        _broker.Core.Retained = _retained;
    }

    [Fact]
    public void A_subscriber_whose_queue_takes_three_at_a_time_gets_every_retained_message_once_in_topic_order()
    {
        var topics = Enumerable.Range(0, 100).Select(i => "ret/" + i).ToList();
        topics.ForEach(topic => Retain(topic, "v-" + topic));
        RecordingConnection subscriber = _broker.Connect(Subscriber, room: 3);

        Subscribe(subscriber, ("ret/#", 1));
        Assert.Equal(3, subscriber.Received.Count);
        _broker.Core.OutboundRoom(Subscriber, subscriber);
        Assert.Equal(3, subscriber.Received.Count); // no room given: nothing more
        DrainInSteps(subscriber, 3);

        Assert.Equal(topics.Order(StringComparer.Ordinal), subscriber.Received.Select(delivery => delivery.Topic));
        Assert.All(subscriber.Received, delivery => Assert.Equal("v-" + delivery.Topic, delivery.Payload));
        Assert.All(subscriber.Received, delivery => Assert.True(delivery.Retain));
        Assert.Equal(0, _broker.Counters.EngineDropped);
    }

    [Fact]
    public void A_value_replaced_after_the_subscribe_reaches_the_subscriber_live_and_not_again()
    {
        Retain("s/1", "old 1");
        Retain("s/2", "old 2");
        RecordingConnection subscriber = _broker.Connect(Subscriber, room: 1);
        Subscribe(subscriber, ("s/#", 0));

        subscriber.Room = 1;
        Retain("s/2", "new 2");
        DrainInSteps(subscriber, 5);

        Assert.Equal(new[] { ("s/1", "old 1", true), ("s/2", "new 2", false) },
            subscriber.Received.Select(delivery => (delivery.Topic, delivery.Payload, delivery.Retain)));
    }

    [Fact]
    public void A_value_cleared_before_its_turn_is_not_sent()
    {
        Retain("s/1", "one");
        Retain("s/2", "two");
        Retain("s/3", "three");
        RecordingConnection subscriber = _broker.Connect(Subscriber, room: 1);
        Subscribe(subscriber, ("s/+", 0));

        subscriber.Room = 1;
        Retain("s/2", ""); // a live, empty message: the subscriber gets it as any subscriber does
        DrainInSteps(subscriber, 5);

        Assert.Equal(new[] { ("s/1", "one"), ("s/2", ""), ("s/3", "three") },
            subscriber.Received.Select(delivery => (delivery.Topic, delivery.Payload)));
    }

    [Fact]
    public void A_topic_first_retained_after_the_subscribe_reaches_the_subscriber_live_only()
    {
        Retain("s/1", "one");
        Retain("s/3", "three");
        RecordingConnection subscriber = _broker.Connect(Subscriber, room: 1);
        Subscribe(subscriber, ("s/#", 0));

        subscriber.Room = 1;
        Retain("s/2", "two"); // before the cursor, in topic order
        DrainInSteps(subscriber, 5);

        Assert.Equal(new[] { ("s/1", true), ("s/2", false), ("s/3", true) },
            subscriber.Received.Select(delivery => (delivery.Topic, delivery.Retain)));
    }

    [Fact]
    public void Overlapping_filters_of_one_subscribe_send_each_topic_once_at_the_highest_qos_granted_never_above_its_own()
    {
        Retain("a/b", "qos 2", qos: 2);
        Retain("a/c", "qos 1", qos: 1);
        Retain("a", "parent", qos: 2);
        RecordingConnection subscriber = _broker.Connect(Subscriber);

        _broker.Subscribe(Subscriber, "a/#", qos: 0);
        _broker.Subscribe(Subscriber, "a/+", qos: 2);
        _broker.Subscribe(Subscriber, "a/b", qos: 1);
        _broker.Core.SendRetained(Subscriber, subscriber, ["a/#", "a/+", "a/b"], [0, 2, 1], 3, subscriptionIdentifier: 7);

        Assert.Equal(new[] { ("a", 0), ("a/b", 2), ("a/c", 1) },
            subscriber.Received.Select(delivery => (delivery.Topic, delivery.Qos)));
        Assert.All(subscriber.Received, delivery => Assert.Equal(new[] { 7 }, delivery.SubscriptionIdentifiers));
    }

    [Fact]
    public void Refused_and_shared_filters_get_no_retained_messages()
    {
        Retain("a/b", "x");
        RecordingConnection subscriber = _broker.Connect(Subscriber);

        _broker.Core.SendRetained(Subscriber, subscriber, ["a/#", "$share/g/a/#", "a/+"], [0x80, 0, BrokerCore.NotAuthorized], 3, 0);

        Assert.Empty(subscriber.Received);
    }

    [Fact]
    public void Unsubscribing_stops_what_is_left_of_the_filter()
    {
        RetainNumbered("a/", 10);
        RetainNumbered("b/", 10);
        RecordingConnection subscriber = _broker.Connect(Subscriber, room: 2);
        Subscribe(subscriber, ("a/#", 0), ("b/#", 0));

        Assert.True(_broker.Core.Unsubscribe(Subscriber, "b/#"));
        DrainInSteps(subscriber, 4);

        Assert.Equal(Numbered("a/", 10), subscriber.Received.Select(delivery => delivery.Topic));
    }

    [Fact]
    public void Subscribing_again_to_a_filter_sends_its_messages_once_more_not_the_older_rest_as_well()
    {
        RetainNumbered("a/", 10);
        RecordingConnection subscriber = _broker.Connect(Subscriber, room: 4);
        Subscribe(subscriber, ("a/#", 0));

        Subscribe(subscriber, ("a/#", 0));
        DrainInSteps(subscriber, 4);

        Assert.Equal(Numbered("a/", 4).Concat(Numbered("a/", 10)), subscriber.Received.Select(delivery => delivery.Topic));
    }

    [Fact]
    public void A_later_subscribe_follows_what_an_earlier_one_still_has_to_send()
    {
        RetainNumbered("a/", 5);
        RetainNumbered("b/", 5);
        RecordingConnection subscriber = _broker.Connect(Subscriber, room: 2);
        Subscribe(subscriber, ("a/#", 0));
        Subscribe(subscriber, ("b/#", 0));

        DrainInSteps(subscriber, 2);

        Assert.Equal(Numbered("a/", 5).Concat(Numbered("b/", 5)), subscriber.Received.Select(delivery => delivery.Topic));
    }

    [Fact]
    public void A_closed_connection_is_sent_nothing_more_and_its_successor_nothing_of_it()
    {
        RetainNumbered("a/", 10);
        RecordingConnection first = _broker.Connect(Subscriber, TestBroker.Persistent, room: 2);
        Subscribe(first, ("a/#", 0));
        _broker.Core.ConnectionClosed(Subscriber, first);
        _broker.Disconnect(first);

        first.Room = 100;
        _broker.Core.OutboundRoom(Subscriber, first);
        RecordingConnection second = _broker.Connect(Subscriber, TestBroker.Persistent, cleanStart: false);
        _broker.Core.OutboundRoom(Subscriber, second);

        Assert.Equal(2, first.Received.Count);
        Assert.Empty(second.Received);
    }

    [Fact]
    public void A_connection_taken_over_hands_nothing_to_its_successor_and_the_successors_subscribe_is_served()
    {
        RetainNumbered("a/", 6);
        RecordingConnection first = _broker.Connect(Subscriber, TestBroker.Persistent, room: 2);
        Subscribe(first, ("a/#", 0));
        RecordingConnection second = _broker.Connect(Subscriber, TestBroker.Persistent, cleanStart: false, room: 3);

        Subscribe(second, ("a/#", 0));
        first.Room = 100;
        _broker.Core.OutboundRoom(Subscriber, first);
        DrainInSteps(second, 3);

        Assert.Equal(2, first.Received.Count);
        Assert.Equal(Numbered("a/", 6), second.Received.Select(delivery => delivery.Topic));
    }

    /// <summary>Review D7: one SUBSCRIBE of 8,000 filters against 20,000 retained messages took 13.4 s on the host
    /// (each filter copied and matched every message). A filter now looks only at the run of topics its literal start
    /// selects.</summary>
    [Fact]
    public void Thousands_of_filters_cost_what_they_can_match_not_filters_times_retained_messages()
    {
        for (int i = 0; i < 20_000; i++)
        {
            Retain("r/" + i, "v");
        }

        RecordingConnection subscriber = _broker.Connect(Subscriber);
        string[] missing = Enumerable.Range(0, 8_000).Select(i => "nomatch/" + i + "/+").ToArray();
        string[] exact = Enumerable.Range(0, 8_000).Select(i => "r/" + (i * 2)).ToArray();
        var elapsed = Stopwatch.StartNew();

        _broker.Core.SendRetained(Subscriber, subscriber, missing, new int[missing.Length], missing.Length, 0);
        _broker.Core.SendRetained(Subscriber, subscriber, exact, new int[exact.Length], exact.Length, 0);

        Assert.True(elapsed.Elapsed < TimeSpan.FromSeconds(2), $"took {elapsed.Elapsed}");
        Assert.Equal(exact.Order(StringComparer.Ordinal), subscriber.Received.Select(delivery => delivery.Topic));
    }

    /// <summary>
    /// For any kept topics and any SUBSCRIBE, whatever the connection takes at a time: every kept topic some filter
    /// matches arrives once, in topic order, at the highest QoS a matching filter was granted (at most its own) — the
    /// reference being <see cref="TopicMatcher"/> over all of them.
    /// </summary>
    [Property(MaxTest = 1000)]
    public Property Paced_delivery_agrees_with_matching_every_kept_topic_against_every_filter()
    {
        return Prop.ForAll(SmallAlphabet.Cases, testCase =>
        {
            var (kept, filters, room) = testCase;
            var retained = new RetainedMessages(100, null);
            var broker = new TestBroker();
            broker.Core.Retained = retained;
            foreach (var (topic, qos) in kept)
            {
                retained.Update(TestBroker.Message(topic, qos, retain: true, payload: topic));
            }

            var latest = kept.GroupBy(entry => entry.Topic).ToDictionary(group => group.Key, group => group.Last().Qos);
            var expected = latest.Keys.Order(StringComparer.Ordinal)
                .Select(topic => (topic, qos: filters.Where(filter => TopicMatcher.Matches(filter.Filter, topic)).Select(filter => Math.Min(filter.Qos, latest[topic])).DefaultIfEmpty(-1).Max()))
                .Where(entry => entry.qos >= 0)
                .ToList();

            RecordingConnection subscriber = broker.Connect(Subscriber, room: room);
            broker.Core.SendRetained(Subscriber, subscriber, filters.Select(filter => filter.Filter).ToArray(),
                filters.Select(filter => filter.Qos).ToArray(), filters.Length, 0);
            for (int steps = 0; steps < 200 && subscriber.Received.Count < expected.Count; steps++)
            {
                subscriber.Room = room;
                broker.Core.OutboundRoom(Subscriber, subscriber);
            }

            var actual = subscriber.Received.Select(delivery => (delivery.Topic, delivery.Qos)).ToList();
            return expected.SequenceEqual(actual)
                .Label($"kept [{string.Join(", ", kept)}], filters [{string.Join(", ", filters)}], room {room}: got [{string.Join(", ", actual)}]");
        });
    }

    [Fact]
    public void A_retained_message_whose_expiry_interval_ran_out_is_not_sent_and_the_tick_deletes_it()
    {
        var now = Clock.NowMs();
        RetainExpiring("x/gone", publishedAtMs: now - 1_500, seconds: 1);
        RetainExpiring("x/lives", publishedAtMs: now - 1_500, seconds: 2);
        RecordingConnection subscriber = _broker.Connect(Subscriber);

        Subscribe(subscriber, ("x/#", 1));

        Assert.Equal(["x/lives"], subscriber.Received.Select(delivery => delivery.Topic));
        _broker.Core.Tick(now, Clock.MonotonicMs());
        Assert.Equal(1, _retained.Count);
        _broker.Core.Tick(now + 500, Clock.MonotonicMs());
        Assert.Equal(0, _retained.Count);
    }

    [Fact]
    public void A_retained_message_that_expires_while_its_subscriber_is_not_reading_is_not_sent_when_it_reads_again()
    {
        var now = Clock.NowMs();
        Retain("y/a", "first");
        RetainExpiring("y/b", publishedAtMs: now - 999, seconds: 1);
        RecordingConnection subscriber = _broker.Connect(Subscriber, room: 1);
        Subscribe(subscriber, ("y/#", 0));
        Assert.Equal(["y/a"], subscriber.Received.Select(delivery => delivery.Topic));

        Thread.Sleep(50);
        DrainInSteps(subscriber, 1);

        Assert.Equal(["y/a"], subscriber.Received.Select(delivery => delivery.Topic));
    }

    void RetainExpiring(string topic, long publishedAtMs, uint seconds)
    {
        RoutedMessage message = TestBroker.Message(topic, qos: 1, retain: true, payload: "v-" + topic);
        message.PublishedAtMs = publishedAtMs;
        message.MessageExpiryInterval = seconds;
        Assert.NotEqual(PublishOutcome.TopicNameInvalid, _broker.Core.Publish("publisher", message));
    }

    void Retain(string topic, string payload, int qos = 0)
    {
        Assert.NotEqual(PublishOutcome.TopicNameInvalid, _broker.Publish("publisher", topic, qos, retain: true, payload: payload));
    }

    void RetainNumbered(string prefix, int count)
    {
        for (int i = 0; i < count; i++)
        {
            Retain(prefix + i, "v" + i);
        }
    }

    static IEnumerable<string> Numbered(string prefix, int count) =>
        Enumerable.Range(0, count).Select(i => prefix + i).Order(StringComparer.Ordinal);

    /// <summary>What an engine does at a SUBSCRIBE: the core takes the subscriptions, then sends their retained messages.</summary>
    void Subscribe(RecordingConnection connection, params (string Filter, int Qos)[] filters)
    {
        var codes = filters.Select(filter => _broker.Subscribe(connection.ClientId, filter.Filter, filter.Qos)).ToArray();
        _broker.Core.SendRetained(connection.ClientId, connection, filters.Select(filter => filter.Filter).ToArray(), codes, filters.Length, 0);
    }

    /// <summary>The engine drains the connection's queue, <paramref name="room"/> messages at a time, and says so each
    /// time, until nothing more comes.</summary>
    void DrainInSteps(RecordingConnection connection, int room)
    {
        int before;
        do
        {
            before = connection.Received.Count;
            connection.Room = room;
            _broker.Core.OutboundRoom(connection.ClientId, connection);
        }
        while (connection.Received.Count > before);
    }

    static class SmallAlphabet
    {
        static readonly Gen<string> Text = Gen.Elements('a', 'b', '/', '+', '#', '$')
            .ArrayOf()
            .Select(chars => new string(chars))
            .Resize(6);

        static readonly Gen<string> Filter = Text.Where(TopicValidator.IsValidTopicFilter);

        static readonly Gen<string> Topic = Text.Where(TopicValidator.IsValidTopicName);

        public static readonly Arbitrary<((string Topic, int Qos)[] Kept, (string Filter, int Qos)[] Filters, int Room)> Cases =
            Gen.Choose(0, 12).SelectMany(count => Topic.Zip(Gen.Choose(0, 2)).ArrayOf(count))
                .Zip(Gen.Choose(1, 4).SelectMany(count => Filter.Zip(Gen.Choose(0, 2)).ArrayOf(count)))
                .Zip(Gen.Choose(1, 3))
                .Select(all => (all.Item1.Item1, all.Item1.Item2, all.Item2))
                .ToArbitrary();
    }
}
