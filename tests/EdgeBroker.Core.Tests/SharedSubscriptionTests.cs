using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Tests.Support;
using EdgeBroker.Core.Topics;

namespace EdgeBroker.Core.Tests;

/// <summary>Shared subscriptions (<c>$share/{name}/{filter}</c>, MQTT 5 §4.8.2): one member of the group gets each
/// message, in turn among the connected members; what a leaving member did not acknowledge goes to another.</summary>
public class SharedSubscriptionTests
{
    readonly TestBroker _broker = new();

    RecordingConnection Member(string clientId, string filter = "$share/workers/jobs/+", int qos = 1, uint expiry = TestBroker.EndsWithConnection)
    {
        RecordingConnection connection = _broker.Connect(clientId, expiry);
        Assert.Equal(qos, _broker.Subscribe(clientId, filter, qos));
        return connection;
    }

    [Theory]
    [InlineData("$share/g/a/b", true)]
    [InlineData("$share/g/#", true)]
    [InlineData("$share/g/+/x", true)]
    [InlineData("$share/g", false)]
    [InlineData("$share/g/", false)]
    [InlineData("$share//a", false)]
    [InlineData("$share/g+/a", false)]
    [InlineData("$share/#/a", false)]
    [InlineData("$share/g/a/#/b", false)]
    public void ShareName_AndFilter_MustBeValid(string filter, bool valid)
    {
        Assert.True(SharedFilter.IsShared(filter));
        Assert.Equal(valid, SharedFilter.IsValid(filter));
        _broker.Connect("member");
        Assert.Equal(valid ? 1 : BrokerCore.TopicFilterInvalid, _broker.Subscribe("member", filter, qos: 1));
    }

    [Fact]
    public void NoLocal_OnASharedSubscription_IsAProtocolError()
    {
        _broker.Connect("member");

        Assert.Equal(BrokerCore.ProtocolError, _broker.Subscribe("member", "$share/g/a", qos: 1, noLocal: true));
        Assert.Equal(0, _broker.Core.Subscriptions.Count);
    }

    [Fact]
    public void EachMessage_GoesToOneMember_InTurn()
    {
        RecordingConnection a = Member("a");
        RecordingConnection b = Member("b");
        RecordingConnection c = Member("c");

        for (int i = 0; i < 9; i++)
        {
            Assert.Equal(PublishOutcome.Delivered, _broker.Publish("publisher", "jobs/" + i, qos: 1, payload: i.ToString()));
        }

        Assert.Equal(new[] { "0", "3", "6" }, a.Payloads);
        Assert.Equal(new[] { "1", "4", "7" }, b.Payloads);
        Assert.Equal(new[] { "2", "5", "8" }, c.Payloads);
    }

    [Fact]
    public void DisconnectedMembers_StopReceiving_TheOthersShareEverything()
    {
        RecordingConnection a = Member("a", expiry: TestBroker.Persistent);
        RecordingConnection b = Member("b");
        RecordingConnection c = Member("c");
        _broker.Disconnect(a);

        for (int i = 0; i < 4; i++)
        {
            _broker.Publish("publisher", "jobs/x", qos: 1, payload: i.ToString());
        }

        Assert.Empty(a.Received);
        Assert.Equal(0, _broker.Offline.Count("a"));
        Assert.Equal(new[] { "0", "2" }, b.Payloads);
        Assert.Equal(new[] { "1", "3" }, c.Payloads);
    }

    [Fact]
    public void WhenNoMemberIsConnected_APersistentMemberKeepsTheMessage()
    {
        _broker.Disconnect(Member("a", expiry: TestBroker.Persistent));

        Assert.Equal(PublishOutcome.Queued, _broker.Publish("publisher", "jobs/x", qos: 1));

        RecordingConnection back = _broker.Connect("a", TestBroker.Persistent, cleanStart: false);
        Assert.Single(back.Received);
    }

    [Fact]
    public void UnacknowledgedMessages_OfALeavingMember_GoToAnother()
    {
        RecordingConnection a = Member("a");
        RecordingConnection b = Member("b");
        _broker.Publish("publisher", "jobs/1", qos: 1, payload: "one");   // to a
        _broker.Publish("publisher", "jobs/2", qos: 1, payload: "two");   // to b
        _broker.Publish("publisher", "jobs/3", qos: 1, payload: "three"); // to a
        Delivery first = a.Received[0];
        Assert.True(first.DeliveryTag < 0);
        _broker.Core.Acknowledge("a", first.DeliveryTag);

        _broker.Disconnect(a);

        Assert.Equal(new[] { "two", "three" }, b.Payloads);
        Assert.False(b.Received[1].Duplicate);
    }

    [Fact]
    public void AcknowledgedMessages_AreNotHandedOn_NorQosZeroOnes()
    {
        RecordingConnection a = Member("a");
        RecordingConnection b = Member("b");
        _broker.Publish("publisher", "jobs/1", qos: 0, payload: "zero"); // to a, not tracked
        _broker.Publish("publisher", "jobs/2", qos: 1, payload: "one");  // to b
        _broker.Publish("publisher", "jobs/3", qos: 1, payload: "two");  // to a
        Assert.Equal(0, a.Received[0].DeliveryTag);
        _broker.Core.Acknowledge("a", a.Received[1].DeliveryTag);

        _broker.Disconnect(a);

        Assert.Equal(new[] { "one" }, b.Payloads);
    }

    [Fact]
    public void AFullQueue_PassesTheMessageToTheNextMember()
    {
        RecordingConnection a = Member("a");
        RecordingConnection b = Member("b");
        a.QueueFull = true;

        _broker.Publish("publisher", "jobs/1", qos: 1, payload: "one");

        Assert.Equal(new[] { "one" }, b.Payloads);
        _broker.Disconnect(a);
        Assert.Single(b.Received); // nothing of a's refused attempt is handed on again
    }

    /// <summary>One member's full queue loses nothing (the next takes it): nothing is counted as dropped nor reported,
    /// so the log does not cry wolf.</summary>
    [Fact]
    public void AFullQueue_TheNextMemberTakes_IsNeitherADropNorReported()
    {
        RecordingConnection a = Member("a");
        Member("b");
        a.QueueFull = true;

        Assert.Equal(PublishOutcome.Delivered, _broker.Publish("publisher", "jobs/1", qos: 1, payload: "one"));

        Assert.Equal(0, _broker.Counters.EngineDropped);
        Assert.False(_broker.Core.QueueFullDropToReport(out _, out _));
    }

    /// <summary>Before, when every connected member's queue was full and no persistent member could keep it, an
    /// acknowledged QoS 1 message vanished without a line (and its publisher was told no one subscribed, counted as
    /// such): now it is dropped as one subscriber's full queue drops it — counted once, the publisher acknowledged,
    /// reported naming the member whose queue refused it last.</summary>
    [Fact]
    public void EveryMembersQueueFull_Qos1Dropped_CountedOnceAndReported_NamingTheMember()
    {
        RecordingConnection a = Member("a");
        RecordingConnection b = Member("b");
        a.QueueFull = true;
        b.QueueFull = true;

        Assert.Equal(PublishOutcome.Delivered, _broker.Publish("publisher", "jobs/1", qos: 1, payload: "one"));

        Assert.Equal(1, _broker.Counters.EngineDropped);
        Assert.Equal(0, _broker.Counters.NoMatchingSubscribers);
        Assert.True(_broker.Core.QueueFullDropToReport(out string? receiver, out _));
        Assert.Equal("b", receiver);
    }

    /// <summary>A message the group's members take at QoS 0 gives way under pressure, as QoS 0 does for any subscriber:
    /// counted, not reported.</summary>
    [Fact]
    public void EveryMembersQueueFull_AtQos0_CountedNotReported()
    {
        RecordingConnection a = Member("a", qos: 0);
        a.QueueFull = true;

        Assert.Equal(PublishOutcome.Delivered, _broker.Publish("publisher", "jobs/1", qos: 1, payload: "one"));

        Assert.Equal(1, _broker.Counters.EngineDropped);
        Assert.False(_broker.Core.QueueFullDropToReport(out _, out _));
    }

    [Fact]
    public void Groups_AreIndependent_AndOrdinarySubscribersGetTheirOwnCopy()
    {
        RecordingConnection a = Member("a", "$share/one/jobs/#");
        RecordingConnection b = Member("b", "$share/two/jobs/#");
        RecordingConnection plain = _broker.ConnectSubscribed("plain", "jobs/#");
        _broker.Subscribe("a", "jobs/#", qos: 1);

        _broker.Publish("publisher", "jobs/x", qos: 1);

        Assert.Equal(2, a.Received.Count); // its own subscription and its group's turn
        Assert.Single(b.Received);
        Assert.Single(plain.Received);
    }

    [Fact]
    public void SharedDeliveries_CarryTheMembersOptions()
    {
        RecordingConnection a = _broker.Connect("a");
        _broker.Subscribe("a", "$share/g/t", qos: 1, retainAsPublished: true, identifier: 7);

        _broker.Publish("publisher", "t", qos: 2, retain: true);

        Delivery delivery = Assert.Single(a.Received);
        Assert.Equal(1, delivery.Qos);
        Assert.True(delivery.Retain);
        Assert.Equal(new[] { 7 }, delivery.SubscriptionIdentifiers);
    }

    [Fact]
    public void P2PMessages_NeverGoThroughAShare()
    {
        RecordingConnection member = Member("member", "$share/g/#");
        RecordingConnection target = _broker.Connect("target");

        _broker.Publish("publisher", "app/p2p/target", qos: 1);

        Assert.Single(target.Received);
        Assert.Empty(member.Received);
    }

    [Fact]
    public void Unsubscribe_LeavesTheGroup_AndAnEmptyGroupIsGone()
    {
        RecordingConnection a = Member("a");
        RecordingConnection b = Member("b");

        Assert.True(_broker.Core.Unsubscribe("a", "$share/workers/jobs/+"));
        _broker.Publish("publisher", "jobs/1", qos: 1);
        _broker.Publish("publisher", "jobs/2", qos: 1);
        Assert.True(_broker.Core.Unsubscribe("b", "$share/workers/jobs/+"));

        Assert.Empty(a.Received);
        Assert.Equal(2, b.Received.Count);
        Assert.Equal(0, _broker.Core.Subscriptions.Count);
        Assert.Equal(PublishOutcome.NoMatchingSubscribers, _broker.Publish("publisher", "jobs/3", qos: 1));
    }

    [Fact]
    public void SharedSubscriptions_SurviveARestore()
    {
        _broker.Disconnect(Member("a", expiry: TestBroker.Persistent));
        var restarted = new TestBroker(sessionStore: _broker.SessionStore, offlineStore: _broker.Offline);
        restarted.Core.Restore();

        RecordingConnection back = restarted.Connect("a", TestBroker.Persistent, cleanStart: false);
        restarted.Publish("publisher", "jobs/x", qos: 1);

        Assert.True(back.SessionPresent);
        Assert.Single(back.Received);
    }

    [Fact]
    public void A_member_also_subscribed_on_its_own_gets_both_copies_however_many_sessions_match()
    {
        // Enough matching sessions that the match set grows its table between the share group's turn and the member's
        // own subscription: the group's entry must stay its own, not take the member's subscription in.
        var others = new[] { "a", "b", "c" }.Select(id => _broker.ConnectSubscribed(id, "#")).ToList();
        others.Add(_broker.ConnectSubscribed("d", "t"));
        var member = Member("member", "$share/g/t", qos: 0);
        others.Add(_broker.ConnectSubscribed("e", "+"));
        _broker.Subscribe("member", "+");

        _broker.Publish("publisher", "t");

        Assert.All(others, other => Assert.Single(other.Received));
        Assert.Equal(2, member.Received.Count);
    }
}
