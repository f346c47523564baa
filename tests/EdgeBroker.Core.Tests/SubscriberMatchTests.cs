using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Tests.Support;

namespace EdgeBroker.Core.Tests;

/// <summary>An engine matches a PUBLISH's topic once (<see cref="BrokerCore.MatchSubscribers"/>), checks the receivers'
/// readers, and publishes with the match: the message goes exactly where publishing without it would send it.</summary>
public class SubscriberMatchTests
{
    readonly TestBroker _broker = new();

    [Fact]
    public void Publishing_with_the_match_delivers_once_per_session_at_the_highest_qos_with_every_identifier()
    {
        var (subscriber, other, _) = ConnectOverlappingSubscribers();

        var match = _broker.Core.MatchSubscribers("a/b")!;
        Assert.Equal(2, match.Connections!.Count);

        Assert.Equal(PublishOutcome.Delivered, _broker.Core.Publish("publisher", TestBroker.Message("a/b", qos: 2), match));

        var delivery = Assert.Single(subscriber.Received);
        Assert.Equal(2, delivery.Qos);
        Assert.Equal(new[] { 1, 2 }, delivery.SubscriptionIdentifiers!.Order());
        Assert.Single(other.Received);
        Assert.Equal(2, _broker.Counters.PubSubDeliveries);
    }

    [Fact]
    public void A_match_holding_a_share_group_gives_one_member_in_turn_per_message()
    {
        var first = _broker.ConnectSubscribed("first", "$share/g/t");
        var second = _broker.ConnectSubscribed("second", "$share/g/t");

        for (var i = 0; i < 4; i++)
        {
            var match = _broker.Core.MatchSubscribers("t")!;
            Assert.Equal(2, match.Connections!.Count);
            _broker.Core.PublishWithoutWaiting("publisher", TestBroker.Message("t", qos: 1), match, out _);
        }

        Assert.Equal(2, first.Received.Count);
        Assert.Equal(2, second.Received.Count);
    }

    [Fact]
    public void No_match_for_a_P2P_address_or_an_invalid_topic_and_none_means_no_subscriber()
    {
        _broker.Connect("p2p-target");

        Assert.Null(_broker.Core.MatchSubscribers("devices/p2p/p2p-target"));
        Assert.Null(_broker.Core.MatchSubscribers("a/+"));
        Assert.Null(_broker.Core.MatchSubscribers("nobody/here")!.Connections);
        Assert.Equal(PublishOutcome.NoMatchingSubscribers,
            _broker.Core.Publish("publisher", TestBroker.Message("nobody/here"), _broker.Core.MatchSubscribers("nobody/here")));
    }

    /// <summary>An engine has the core fill the same match again for its next PUBLISH: each filling holds that topic's
    /// subscribers only — folded, with identifiers and share groups as a new match would — and routes as a new one.</summary>
    [Fact]
    public void A_match_filled_again_holds_only_the_new_topics_subscribers_and_routes_as_a_new_one()
    {
        var (subscriber, other, elsewhere) = ConnectOverlappingSubscribers();
        var first = _broker.ConnectSubscribed("first", "$share/g/t");
        var second = _broker.ConnectSubscribed("second", "$share/g/t");

        var match = _broker.Core.MatchSubscribers("a/b")!;
        for (var round = 0; round < 3; round++)
        {
            Assert.Same(match, _broker.Core.MatchSubscribers("a/b", match));
            Assert.Equal(2, match.Connections!.Count);
            Assert.Equal(PublishOutcome.Delivered, _broker.Core.Publish("publisher", TestBroker.Message("a/b", qos: 2), match));

            Assert.Same(match, _broker.Core.MatchSubscribers("c/d", match));
            Assert.Same(elsewhere, Assert.Single(match.Connections!.Cast<object>()));
            Assert.Equal(PublishOutcome.Delivered, _broker.Core.Publish("publisher", TestBroker.Message("c/d"), match));

            Assert.Same(match, _broker.Core.MatchSubscribers("t", match));
            Assert.Equal(2, match.Connections!.Count);
            _broker.Core.Publish("publisher", TestBroker.Message("t", qos: 1), match);

            Assert.Same(match, _broker.Core.MatchSubscribers("nobody/here", match));
            Assert.Null(match.Connections);
            Assert.Equal(PublishOutcome.NoMatchingSubscribers, _broker.Core.Publish("publisher", TestBroker.Message("nobody/here"), match));
            Assert.Null(_broker.Core.MatchSubscribers("devices/p2p/other", match));
        }

        Assert.Equal(3, subscriber.Received.Count);
        Assert.All(subscriber.Received, delivery =>
        {
            Assert.Equal(2, delivery.Qos);
            Assert.Equal(new[] { 1, 2 }, delivery.SubscriptionIdentifiers!.Order());
        });
        Assert.Equal(3, other.Received.Count);
        Assert.Equal(3, elsewhere.Received.Count);
        Assert.Equal(3, first.Received.Count + second.Received.Count);
        Assert.InRange(first.Received.Count, 1, 2);
    }

    /// <summary>A subscriber whose two filters with identifiers 1 and 2 match <c>a/b</c>, another on <c>a/b</c> and one
    /// on <c>c/d</c>.</summary>
    (RecordingConnection Subscriber, RecordingConnection Other, RecordingConnection Elsewhere) ConnectOverlappingSubscribers()
    {
        var subscriber = _broker.Connect("subscriber");
        _broker.Subscribe("subscriber", "a/#", qos: 0, identifier: 1);
        _broker.Subscribe("subscriber", "a/+", qos: 2, identifier: 2);
        return (subscriber, _broker.ConnectSubscribed("other", "a/b"), _broker.ConnectSubscribed("elsewhere", "c/d"));
    }

    [Fact]
    public void A_persistent_session_away_when_matched_keeps_the_message()
    {
        _broker.ConnectThenLeave("away", TestBroker.Persistent, "a/b");

        var match = _broker.Core.MatchSubscribers("a/b")!;
        Assert.Null(match.Connections);
        Assert.Equal(PublishOutcome.Queued, _broker.Core.Publish("publisher", TestBroker.Message("a/b", qos: 1), match));
        Assert.Equal(1, _broker.Offline.Count("away"));
    }
}
