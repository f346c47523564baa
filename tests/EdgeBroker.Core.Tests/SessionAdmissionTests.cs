using EdgeBroker.Core.Sessions;
using EdgeBroker.Core.Tests.Support;

namespace EdgeBroker.Core.Tests;

/// <summary>
/// Admission against <see cref="BrokerCore.MaxSessions"/>: a CONNECT of a new client ID takes its place when it is
/// admitted, under the same lock as the check, and keeps it until it is connected (the place is its session's) or
/// refused (the place is free again) — so CONNECTs at the same moment cannot each take the last place. A session that
/// outlives its connection holds the session store's room with its place, taken in the same step.
/// </summary>
public class SessionAdmissionTests
{
    const int MaxSessions = 2;

    readonly TestBroker _broker = new();

    public SessionAdmissionTests()
    {
        _broker.Core.MaxSessions = MaxSessions;
    }

    [Fact]
    public void Places_held_by_connects_under_way_count_until_released()
    {
        var first = _broker.Core.ReserveSession("a", false);
        var second = _broker.Core.ReserveSession("b", false);

        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.Null(_broker.Core.ReserveSession("c", false));
        Assert.Equal(0, _broker.Core.SessionCount);

        _broker.Core.ReleaseSession(second!);
        Assert.Equal(1, _broker.Core.SessionPlacesTaken);
        Assert.NotNull(_broker.Core.ReserveSession("c", false));
    }

    [Fact]
    public void A_refused_connect_leaves_no_place_taken()
    {
        var places = new[] { _broker.Core.ReserveSession("a", false)!, _broker.Core.ReserveSession("b", false)! };

        foreach (var place in places)
        {
            _broker.Core.ReleaseSession(place);
        }

        Assert.Equal(0, _broker.Core.SessionPlacesTaken);
        _broker.Connect("c");
        _broker.Connect("d");
        Assert.Equal(MaxSessions, _broker.Core.SessionCount);
    }

    [Fact]
    public void A_connected_place_is_its_session_and_is_counted_once()
    {
        var place = _broker.Core.ReserveSession("a", false)!;
        _broker.Connect("a");
        Assert.Equal(1, _broker.Core.SessionPlacesTaken);

        _broker.Core.ReleaseSession(place);

        Assert.Equal(1, _broker.Core.SessionPlacesTaken);
        Assert.NotNull(_broker.Core.ReserveSession("b", false));
        Assert.Null(_broker.Core.ReserveSession("c", false));
    }

    [Fact]
    public void Connects_of_one_client_id_share_its_place()
    {
        var first = _broker.Core.ReserveSession("a", false)!;
        var second = _broker.Core.ReserveSession("a", false)!;
        Assert.NotNull(_broker.Core.ReserveSession("b", false));
        Assert.Equal(MaxSessions, _broker.Core.SessionPlacesTaken);

        _broker.Core.ReleaseSession(first);
        Assert.Equal(MaxSessions, _broker.Core.SessionPlacesTaken);
        _broker.Core.ReleaseSession(second);
        Assert.Equal(1, _broker.Core.SessionPlacesTaken);
    }

    [Fact]
    public void A_session_that_ends_while_a_connect_of_its_client_id_waits_leaves_the_place_to_that_connect()
    {
        RecordingConnection leaving = _broker.Connect("a");
        _broker.Connect("b");
        var reconnecting = _broker.Core.ReserveSession("a", false)!;

        _broker.Disconnect(leaving);

        Assert.Equal(1, _broker.Core.SessionCount);
        Assert.Null(_broker.Core.ReserveSession("c", false));
        _broker.Connect("a");
        _broker.Core.ReleaseSession(reconnecting);
        Assert.Equal(MaxSessions, _broker.Core.SessionCount);
        Assert.Equal(MaxSessions, _broker.Core.SessionPlacesTaken);
    }

    [Fact]
    public void Of_many_connects_of_new_client_ids_at_once_exactly_the_places_left_are_admitted()
    {
        const int Racing = 64;
        _broker.Core.MaxSessions = 10;
        using var start = new Barrier(Racing);
        var places = new SessionReservation?[Racing];

        Parallel.For(0, Racing, new ParallelOptions { MaxDegreeOfParallelism = Racing }, i =>
        {
            start.SignalAndWait();
            places[i] = _broker.Core.ReserveSession("racer-" + i, false);
        });

        Assert.Equal(10, places.Count(place => place is not null));
        Assert.Equal(10, _broker.Core.SessionPlacesTaken);
    }

    [Fact]
    public void Of_many_persistent_connects_at_once_exactly_the_store_room_left_is_admitted()
    {
        const int Racing = 64;
        var store = new RoomLimitedSessionStore(room: 4);
        var broker = new TestBroker(sessionStore: store);
        using var start = new Barrier(Racing);
        var places = new SessionReservation?[Racing];

        Parallel.For(0, Racing, new ParallelOptions { MaxDegreeOfParallelism = Racing }, i =>
        {
            start.SignalAndWait();
            places[i] = broker.Core.ReserveSession("racer-" + i, outlivesConnection: true);
        });

        Assert.Equal(4, places.Count(place => place is not null));
        Assert.Equal(4, store.Taken);
    }

    [Fact]
    public void A_refused_persistent_connect_gives_the_store_room_back_and_a_connected_one_keeps_it()
    {
        var store = new RoomLimitedSessionStore(room: 2);
        var broker = new TestBroker(sessionStore: store);
        var refused = broker.Core.ReserveSession("refused", outlivesConnection: true)!;
        var kept = broker.Core.ReserveSession("kept", outlivesConnection: true)!;
        Assert.Null(broker.Core.ReserveSession("third", outlivesConnection: true));
        Assert.NotNull(broker.Core.ReserveSession("clean", outlivesConnection: false));

        broker.Core.ReleaseSession(refused);
        broker.Connect("kept", TestBroker.Persistent, cleanStart: false);
        broker.Core.ReleaseSession(kept);

        Assert.Equal(1, store.Taken);
        Assert.NotNull(broker.Core.ReserveSession("third", outlivesConnection: true));
        Assert.Null(broker.Core.ReserveSession("fourth", outlivesConnection: true));
    }

    [Fact]
    public void A_connected_client_id_that_asks_for_a_persistent_session_needs_the_store_room_too()
    {
        var store = new RoomLimitedSessionStore(room: 1);
        var broker = new TestBroker(sessionStore: store);
        broker.Connect("clean");
        broker.Connect("kept", TestBroker.Persistent, cleanStart: false);

        Assert.Null(broker.Core.ReserveSession("clean", outlivesConnection: true));
        Assert.NotNull(broker.Core.ReserveSession("kept", outlivesConnection: true));
    }

    /// <summary>Before: the store's own exception reached the engines, which closed the connection without a CONNACK,
    /// and the refusal was counted nowhere.</summary>
    [Fact]
    public void A_new_session_the_store_cannot_take_is_refused_counted_and_not_kept()
    {
        var store = new RoomLimitedSessionStore(room: 4) { FailSaves = true };
        var broker = new TestBroker(sessionStore: store);
        broker.Core.MaxSessions = 1;
        var place = broker.Core.ReserveSession("new", outlivesConnection: true)!;

        var refusal = Assert.Throws<SessionNotStoredException>(() => broker.Connect("new", TestBroker.Persistent, cleanStart: false));
        broker.Core.ReleaseSession(place);

        Assert.IsType<IOException>(refusal.InnerException);
        Assert.Contains("no room left on the device", refusal.Message);
        Assert.Equal(1, broker.Core.SessionsRefused);
        Assert.False(broker.Core.HasSession("new"));
        Assert.Equal(0, broker.Core.SessionPlacesTaken);
        Assert.Equal(0, store.Taken);
        store.FailSaves = false;
        Assert.NotNull(broker.Core.ReserveSession("other", outlivesConnection: true));
    }

    /// <summary>An away session whose reconnect the store cannot record is refused too, and stays away as it was: its
    /// subscriptions and the messages kept for it wait for a CONNECT the store can take.</summary>
    [Fact]
    public void A_reconnect_the_store_cannot_record_is_refused_and_leaves_the_away_session_as_it_was()
    {
        var store = new RoomLimitedSessionStore(room: 4);
        var broker = new TestBroker(sessionStore: store);
        var first = broker.ConnectSubscribed("away", TestBroker.Persistent, "kept/#");
        broker.Disconnect(first);
        store.FailSaves = true;

        var reconnect = new RecordingConnection("away", TestBroker.Persistent);
        Assert.Throws<SessionNotStoredException>(() => broker.Core.Connect("away", false, TestBroker.Persistent, reconnect));

        Assert.Equal(1, broker.Core.SessionsRefused);
        Assert.True(broker.Core.HasSession("away"));
        Assert.Null(broker.Core.ConnectionOf("away"));
        store.FailSaves = false;
        Assert.True(broker.Connect("away", TestBroker.Persistent, cleanStart: false).SessionPresent);
    }
}
