using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Tests.Support;

namespace EdgeBroker.Core.Tests;

/// <summary>The budget of held wills (<see cref="BrokerCore.MaxWillBytes"/>): a will that does not fit refuses its
/// CONNECT before anything changes, and every way a will goes — published, discarded, replaced — gives its room back.</summary>
public class WillBudgetTests
{
    const string Client = "dev1";
    const string WillTopic = "status/dev1";

    /// <summary>What the will of <see cref="Will"/> counts: topic, payload and the engine's objects.</summary>
    const int Counted = 11 + 4 + ExtraBytes;

    const int ExtraBytes = 100;

    readonly TestBroker _broker = new();
    readonly RecordingConnection _watcher;

    public WillBudgetTests()
    {
        _broker.Core.WillExtraBytes = ExtraBytes;
        _broker.Core.MaxWillBytes = 2 * Counted;
        _watcher = _broker.ConnectSubscribed("watcher", "status/#");
    }

    static RoutedMessage Will(string topic = WillTopic) => TestBroker.Message(topic, qos: 1, payload: "gone");

    [Fact]
    public void AWill_CountsItsFootprintWithItsPropertiesAndWhatTheEngineHoldsBesideIt()
    {
        var will = Will();
        will.EngineProperties = new FixedProperties(MessageFootprint.OfProperties(10, 2));

        Assert.Equal(MessageFootprint.Of(will) + ExtraBytes, _broker.Core.WillFootprint(will));
        Assert.Equal(11 + 4 + 10 + 2 * MessageFootprint.PerUserPropertyBytes + ExtraBytes, _broker.Core.WillFootprint(will));
    }

    [Fact]
    public void AWillThatDoesNotFit_IsRefusedBeforeTheCoreHearsOfTheClient()
    {
        _broker.ConnectWithWill("dev2", Will("status/dev2"));
        _broker.ConnectWithWill("dev3", Will("status/dev3"));

        Assert.Null(_broker.ConnectWithWill(Client, Will()));

        Assert.Equal(2 * Counted, _broker.Core.WillBytes);
        Assert.False(_broker.Core.HasSession(Client));
    }

    /// <summary>Counted where the decision is, so both engines' refusals reach <c>$SYS</c>, <c>/metrics</c> and the
    /// emulator's status alike; admitted wills, and a client's own will replaced, are not counted.</summary>
    [Fact]
    public void EveryRefusedWill_IsCountedOnce_AndNoAdmittedOne()
    {
        _broker.ConnectWithWill("dev2", Will("status/dev2"));
        _broker.ConnectWithWill("dev3", Will("status/dev3"));
        _broker.ConnectWithWill("dev3", Will("status/dev3"));

        Assert.Null(_broker.ConnectWithWill(Client, Will()));
        Assert.Null(_broker.Core.ReserveWill(Client, Will()));

        Assert.Equal(2, _broker.Core.WillsRefused);
    }

    [Fact]
    public void AWillLargerThanTheWholeBudget_IsRefusedEvenAlone()
    {
        Assert.Null(_broker.Core.ReserveWill(Client, TestBroker.Message(WillTopic, payload: new string('x', 2 * Counted))));
        Assert.Equal(0, _broker.Core.WillBytes);
    }

    [Fact]
    public void WithoutALimit_EveryWillIsStillCounted()
    {
        _broker.Core.MaxWillBytes = 0;
        for (var i = 0; i < 10; i++)
        {
            Assert.NotNull(_broker.ConnectWithWill("c" + i, Will("status/c" + i)));
        }

        Assert.Equal(10 * (Counted - 11 + 9), _broker.Core.WillBytes);
    }

    [Fact]
    public void AReservation_WhoseConnectGoesNoFurther_GivesItsRoomBack()
    {
        var reservation = _broker.Core.ReserveWill(Client, Will());
        Assert.Equal(Counted, _broker.Core.WillBytes);

        reservation!.Dispose();
        reservation.Dispose();

        Assert.Equal(0, _broker.Core.WillBytes);
    }

    [Fact]
    public void AWillTheCoreDoesNotKeep_GivesItsRoomBack()
    {
        RecordingConnection connection = _broker.Connect(Client);
        using var reservation = _broker.Core.ReserveWill(Client, Will("status/+"));

        Assert.False(_broker.Core.KeepWill(Client, connection, reservation!, 0));
        Assert.Equal(0, _broker.Core.WillBytes);
    }

    [Fact]
    public void AKeptWill_KeepsItsRoom_WhenItsReservationIsDisposed()
    {
        _broker.ConnectWithWill(Client, Will());

        Assert.Equal(Counted, _broker.Core.WillBytes);
    }

    public static TheoryData<string> WaysAWillGoes => new()
    {
        "published: connection lost",
        "discarded: normal DISCONNECT",
        "published: taken over",
        "discarded: delayed, clean start",
        "discarded: delayed, client back",
        "published: delay passed",
        "published: session expired",
        "published: the DISCONNECT ends the session",
        "replaced: back within the delay with a new will",
        "not published: the broker stops",
    };

    [Theory]
    [MemberData(nameof(WaysAWillGoes))]
    public void EveryWayAWillGoes_GivesItsRoomBack(string way)
    {
        var delayed = way.Contains("delay") || way.Contains("expired") || way.Contains("session");
        RecordingConnection connection = _broker.ConnectWithWill(Client, Will(), willDelaySeconds: delayed ? 600u : 0u,
            sessionExpirySeconds: way.Contains("expired") ? 10u : 3600u)!;
        Assert.Equal(Counted, _broker.Core.WillBytes);

        switch (way)
        {
            case "published: connection lost":
                _broker.Disconnect(connection);
                break;
            case "discarded: normal DISCONNECT":
                _broker.Core.DisconnectReceived(Client, connection);
                _broker.Disconnect(connection);
                break;
            case "published: taken over":
                _broker.Connect(Client, 3600, cleanStart: false);
                break;
            case "discarded: delayed, clean start":
                _broker.Connect(Client, 3600, cleanStart: true);
                break;
            case "discarded: delayed, client back":
                _broker.Disconnect(connection);
                _broker.Connect(Client, 3600, cleanStart: false);
                break;
            case "published: delay passed":
                _broker.Disconnect(connection);
                _broker.Core.Tick(Clock.NowMs(), Clock.MonotonicMs() + 601_000);
                break;
            case "published: session expired":
                _broker.Disconnect(connection);
                Assert.Single(_broker.Core.ExpireSessions(Clock.NowMs() + 11_000));
                break;
            case "published: the DISCONNECT ends the session":
                // MQTT 5: a DISCONNECT with reason 0x04 (keep the will) and Session Expiry Interval 0.
                _broker.Core.DisconnectReceived(Client, connection, keepWill: true);
                _broker.Core.Disconnect(Client, connection, 0);
                break;
            case "replaced: back within the delay with a new will":
                _broker.Disconnect(connection);
                RecordingConnection back = _broker.ConnectWithWill(Client, Will(), 600, 3600, cleanStart: false)!;
                Assert.Equal(Counted, _broker.Core.WillBytes);
                _broker.Core.DisconnectReceived(Client, back);
                break;
            case "not published: the broker stops":
                _broker.Core.BeginShutdown();
                _broker.Disconnect(connection);
                break;
        }

        Assert.Equal(0, _broker.Core.WillBytes);
        Assert.Equal(way.StartsWith("published") ? 1 : 0, _watcher.Received.Count);
    }

    [Fact]
    public void AClientWhoseWillFillsTheBudget_MayComeBackWithItsWill_WhileItsOldOneWaitsOutItsDelay()
    {
        _broker.Core.MaxWillBytes = Counted;
        _broker.Disconnect(_broker.ConnectWithWill(Client, Will(), willDelaySeconds: 600, sessionExpirySeconds: 3600)!);

        Assert.Null(_broker.ConnectWithWill("other", Will("status/other")));
        Assert.NotNull(_broker.ConnectWithWill(Client, Will(), willDelaySeconds: 600, sessionExpirySeconds: 3600, cleanStart: false));

        Assert.Equal(Counted, _broker.Core.WillBytes);
        _broker.Core.Tick(Clock.NowMs(), Clock.MonotonicMs() + 601_000);
        Assert.Empty(_watcher.Received);
    }
}
