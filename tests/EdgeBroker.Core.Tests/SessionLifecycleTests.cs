using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Tests.Support;

namespace EdgeBroker.Core.Tests;

/// <summary>Sessions across connections: clean start, resumption, takeover, end and expiry.</summary>
public class SessionLifecycleTests
{
    const string Client = "dev1";
    const string P2PTopic = "a/p2p/" + Client;
    const string SubscribedTopic = "a/b";

    readonly TestBroker _broker = new();

    [Fact]
    public void Resume_KeepsSubscriptions_AndReportsTheSessionPresent()
    {
        _broker.ConnectThenLeave(Client, TestBroker.Persistent, SubscribedTopic);

        RecordingConnection back = _broker.Connect(Client, TestBroker.Persistent, cleanStart: false);
        _broker.Publish("sender", SubscribedTopic);

        Assert.True(back.SessionPresent);
        Assert.Single(back.Received);
    }

    [Fact]
    public void CleanStart_DiscardsOldSubscriptionsAndOfflineMessages()
    {
        _broker.ConnectThenLeave(Client, TestBroker.Persistent, SubscribedTopic);
        _broker.Publish("sender", SubscribedTopic, qos: 1);
        _broker.Publish("sender", P2PTopic, qos: 1);

        RecordingConnection fresh = _broker.Connect(Client, TestBroker.Persistent, cleanStart: true);

        Assert.False(fresh.SessionPresent);
        Assert.Empty(fresh.Received);
        Assert.Equal(0, _broker.Offline.Count(Client));
        Assert.Equal(0, _broker.Core.Subscriptions.Count);
        Assert.Equal(PublishOutcome.NoMatchingSubscribers, _broker.Publish("sender", SubscribedTopic));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Takeover_DisconnectOfTheOldConnectionIsIgnored(bool cleanStart)
    {
        RecordingConnection old = _broker.Connect(Client);
        RecordingConnection current = _broker.Connect(Client, cleanStart: cleanStart);

        _broker.Disconnect(old);
        _broker.Publish("sender", P2PTopic);

        Assert.Same(current, _broker.Core.ConnectionOf(Client));
        Assert.Single(current.Received);
        Assert.Empty(old.Received);
    }

    [Fact]
    public void NonPersistentSession_EndsWithItsConnection()
    {
        RecordingConnection connection = _broker.ConnectSubscribed(Client, TestBroker.EndsWithConnection, SubscribedTopic);

        _broker.Disconnect(connection);

        Assert.False(_broker.Core.HasSession(Client));
        Assert.Equal(0, _broker.Core.Subscriptions.Count);
        Assert.Equal(PublishOutcome.NoMatchingSubscribers, _broker.Publish("sender", P2PTopic, qos: 1));
        Assert.Equal(1, _broker.Counters.P2PDroppedNoSession);
    }

    [Fact]
    public void DisconnectSettingExpiryToZero_EndsAPersistentSession()
    {
        RecordingConnection connection = _broker.Connect(Client, TestBroker.Persistent);

        _broker.Core.Disconnect(Client, connection, sessionExpirySeconds: 0);

        Assert.False(_broker.Core.HasSession(Client));
    }

    [Theory]
    [InlineData(TestBroker.Persistent, true)]
    [InlineData(TestBroker.EndsWithConnection, false)]
    public void DisconnectWithoutANewExpiry_KeepsTheOneTheConnectSet(uint sessionExpirySeconds, bool kept)
    {
        RecordingConnection connection = _broker.Connect(Client, sessionExpirySeconds);

        _broker.Core.Disconnect(Client, connection);

        Assert.Equal(kept, _broker.Core.HasSession(Client));
        Assert.Null(_broker.Core.ConnectionOf(Client));
    }

    [Fact]
    public void ExpireSessions_EndsSessionsWhoseExpiryHasPassed()
    {
        _broker.ConnectThenLeave(Client, sessionExpirySeconds: 60, SubscribedTopic);
        _broker.Publish("sender", P2PTopic, qos: 1);

        Assert.Empty(_broker.Core.ExpireSessions(Clock.NowMs()));
        Assert.True(_broker.Core.HasSession(Client));

        var expired = _broker.Core.ExpireSessions(Clock.NowMs() + 61_000);

        Assert.Equal(new object[] { Client }, expired.ToArray());
        Assert.False(_broker.Core.HasSession(Client));
        Assert.Equal(0, _broker.Offline.Count(Client));
        Assert.Equal(0, _broker.Core.Subscriptions.Count);
    }

    [Fact]
    public void ExpireSessions_NeverEndsOnlineOrNeverExpiringSessions()
    {
        _broker.Connect("online", sessionExpirySeconds: 60);
        _broker.ConnectThenLeave("forever", TestBroker.Persistent);

        Assert.Empty(_broker.Core.ExpireSessions(long.MaxValue));
        Assert.Equal(2, _broker.Core.SessionCount);
    }
}
