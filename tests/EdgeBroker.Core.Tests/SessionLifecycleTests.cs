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

    [Fact]
    public void MaxSessions_AdmitsNoNewClientId_WhileAwayAndConnectedSessionsFillIt_ButEveryHeldOne()
    {
        _broker.Core.MaxSessions = 2;
        _broker.ConnectThenLeave(Client, TestBroker.Persistent, SubscribedTopic);
        RecordingConnection other = _broker.Connect("other");

        Assert.False(Admits("newcomer"));
        Assert.True(Admits(Client));
        Assert.True(Admits("other"));

        _broker.Disconnect(other);
        Assert.True(Admits("newcomer"));

        _broker.Core.MaxSessions = 0;
        _broker.Connect("newcomer");
        Assert.True(Admits("one-more"));
    }

    /// <summary>Whether a CONNECT of <paramref name="clientId"/> is admitted now; the place it took is given back.</summary>
    bool Admits(string clientId)
    {
        var place = _broker.Core.ReserveSession(clientId, false);
        if (place is null)
        {
            return false;
        }

        _broker.Core.ReleaseSession(place);
        return true;
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
    public void A_session_taken_with_proof_of_its_id_stays_marked_while_it_is_away()
    {
        RecordingConnection signed = _broker.Connect(Client, TestBroker.Persistent, credentialsProveId: true);
        Assert.True(_broker.Core.IsHeldWithProvenId(Client));

        _broker.Disconnect(signed);

        Assert.True(_broker.Core.IsHeldWithProvenId(Client));
    }

    [Fact]
    public void A_session_that_ended_or_was_taken_without_proof_is_not_marked()
    {
        RecordingConnection signed = _broker.Connect(Client, credentialsProveId: true);
        _broker.Disconnect(signed);
        Assert.False(_broker.Core.IsHeldWithProvenId(Client));

        _broker.Connect(Client, TestBroker.Persistent, credentialsProveId: true);
        _broker.Connect(Client, TestBroker.Persistent, cleanStart: false);

        Assert.False(_broker.Core.IsHeldWithProvenId(Client));
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

    [Theory]
    [InlineData(0u, 0u, true)]
    [InlineData(0u, 60u, false)]
    [InlineData(60u, 0u, true)]
    [InlineData(60u, 3600u, true)]
    [InlineData(60u, BrokerCore.NeverExpires, true)]
    public void Disconnect_MayNotRaiseAnExpiryOfZero(uint atConnect, uint atDisconnect, bool allowed)
    {
        RecordingConnection connection = _broker.Connect(Client, atConnect);

        Assert.Equal(allowed, _broker.Core.MayChangeSessionExpiry(Client, connection, atDisconnect));
    }

    [Fact]
    public void ExpiryChangedAtDisconnect_IsTheOneThatCounts()
    {
        RecordingConnection connection = _broker.ConnectSubscribed(Client, 3600, SubscribedTopic);

        _broker.Core.Disconnect(Client, connection, sessionExpirySeconds: 5);

        Assert.Single(_broker.Core.ExpireSessions(Clock.NowMs() + 6_000));
    }

    [Fact]
    public void RestoredSessions_ExpireWhenTheyWouldHaveWithoutTheRestart()
    {
        _broker.ConnectThenLeave(Client, sessionExpirySeconds: 60, SubscribedTopic);
        _broker.Publish("sender", SubscribedTopic, qos: 1);
        long leftAtMs = Clock.NowMs();
        var restarted = new TestBroker(sessionStore: _broker.SessionStore, offlineStore: _broker.Offline);
        restarted.Core.Restore();

        Assert.Empty(restarted.Core.ExpireSessions(leftAtMs + 30_000));
        Assert.Single(restarted.Core.ExpireSessions(leftAtMs + 61_000));
        Assert.Equal(0, restarted.Offline.Count(Client));
    }

    [Fact]
    public void AnExpiredSession_IsGoneOnReconnect_EvenBeforeTheSweep()
    {
        RecordingConnection connection = _broker.ConnectSubscribed(Client, 1, SubscribedTopic);
        _broker.Core.Disconnect(Client, connection, sessionExpirySeconds: 1);
        Thread.Sleep(1100);

        RecordingConnection back = _broker.Connect(Client, 1, cleanStart: false);

        Assert.False(back.SessionPresent);
        Assert.Equal(0, _broker.Core.Subscriptions.Count);
        Assert.Equal(1, _broker.Core.SessionsExpired);
    }
}
