using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Tests.Support;

namespace EdgeBroker.Core.Tests;

/// <summary>Wills are kept by the core: published when a connection ends without DISCONNECT, after the MQTT 5 Will
/// Delay Interval unless the client comes back first, or when the session ends if that is sooner.</summary>
public class WillTests
{
    const string Client = "dev1";
    const string WillTopic = "status/dev1";

    readonly TestBroker _broker = new();
    readonly RecordingConnection _watcher;

    public WillTests()
    {
        _watcher = _broker.ConnectSubscribed("watcher", WillTopic);
    }

    RecordingConnection ConnectWithWill(uint delaySeconds, uint expiry = TestBroker.EndsWithConnection, bool cleanStart = true)
    {
        return _broker.ConnectWithWill(Client, TestBroker.Message(WillTopic, qos: 1, payload: "gone"), delaySeconds, expiry, cleanStart)!;
    }

    [Fact]
    public void LostConnection_PublishesTheWill()
    {
        _broker.Disconnect(ConnectWithWill(0));

        Assert.Equal(new[] { "gone" }, _watcher.Payloads);
    }

    [Fact]
    public void Disconnect_DiscardsTheWill()
    {
        RecordingConnection connection = ConnectWithWill(0);

        _broker.Core.DisconnectReceived(Client, connection);
        _broker.Disconnect(connection);
        _broker.Core.Tick(Clock.NowMs(), Clock.MonotonicMs() + 3_600_000);

        Assert.Empty(_watcher.Received);
    }

    [Fact]
    public void DisconnectWithWillMessage_KeepsTheWill()
    {
        RecordingConnection connection = ConnectWithWill(0);

        _broker.Core.DisconnectReceived(Client, connection, keepWill: true);
        _broker.Disconnect(connection);

        Assert.Equal(new[] { "gone" }, _watcher.Payloads);
    }

    [Fact]
    public void DelayedWill_IsPublishedOnceTheDelayHasPassed()
    {
        _broker.Disconnect(ConnectWithWill(30, expiry: 3600));

        _broker.Core.Tick(Clock.NowMs(), Clock.MonotonicMs() + 20_000);
        Assert.Empty(_watcher.Received);

        _broker.Core.Tick(Clock.NowMs(), Clock.MonotonicMs() + 31_000);
        Assert.Equal(new[] { "gone" }, _watcher.Payloads);
    }

    /// <summary>About 56 years: the device's wall clock starts near 1970 and SNTP steps it to now.</summary>
    const long SntpStepMs = 56L * 365 * 24 * 3600 * 1000;

    [Theory]
    [InlineData(SntpStepMs)]
    [InlineData(-SntpStepMs)]
    public void DelayedWill_AWallClockStep_NeitherPublishesItEarlyNorHoldsItBack(long stepMs)
    {
        _broker.Disconnect(ConnectWithWill(30, expiry: 3600));

        _broker.Core.Tick(Clock.NowMs() + stepMs, Clock.MonotonicMs() + 20_000);
        Assert.Empty(_watcher.Received);

        _broker.Core.Tick(Clock.NowMs() + stepMs, Clock.MonotonicMs() + 31_000);
        Assert.Equal(new[] { "gone" }, _watcher.Payloads);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void DelayedWill_IsNotPublished_WhenTheClientComesBackWithinTheDelay(bool cleanStart)
    {
        _broker.Disconnect(ConnectWithWill(30, expiry: 3600));

        _broker.Connect(Client, 3600, cleanStart);
        _broker.Core.Tick(Clock.NowMs(), Clock.MonotonicMs() + 60_000);

        Assert.Empty(_watcher.Received);
    }

    [Fact]
    public void DelayedWill_OfASessionThatEndsWithItsConnection_IsPublishedAtOnce()
    {
        _broker.Disconnect(ConnectWithWill(30, expiry: 0));

        Assert.Equal(new[] { "gone" }, _watcher.Payloads);
    }

    [Fact]
    public void DelayedWill_IsPublishedWhenTheSessionExpiresFirst()
    {
        _broker.Disconnect(ConnectWithWill(600, expiry: 10));

        Assert.Single(_broker.Core.ExpireSessions(Clock.NowMs() + 11_000));

        Assert.Equal(new[] { "gone" }, _watcher.Payloads);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Takeover_PublishesTheOldConnectionsWill_Once(bool cleanStart)
    {
        RecordingConnection first = ConnectWithWill(0, expiry: 3600);
        _broker.Connect(Client, 3600, cleanStart);

        _broker.Disconnect(first); // the old connection's end, reported late

        Assert.Equal(new[] { "gone" }, _watcher.Payloads);
    }

    [Fact]
    public void Takeover_CutsADelayedWillShort()
    {
        RecordingConnection first = ConnectWithWill(30, expiry: 3600);
        _broker.Connect(Client, 3600, cleanStart: false);

        _broker.Disconnect(first);
        _broker.Core.Tick(Clock.NowMs(), Clock.MonotonicMs() + 60_000);

        Assert.Empty(_watcher.Received);
    }

    [Fact]
    public void Will_IsTheClientsPublish_WithItsQos()
    {
        _broker.Disconnect(ConnectWithWill(0));

        Delivery delivery = Assert.Single(_watcher.Received);
        Assert.Equal(1, delivery.Qos);
        Assert.Equal(1, _broker.Counters.PubSubDeliveries);
    }

    [Fact]
    public void AnInvalidWillTopic_IsNotKept()
    {
        RecordingConnection connection = _broker.Connect(Client);

        Assert.False(_broker.Core.KeepWill(Client, connection, _broker.Core.ReserveWill(Client, TestBroker.Message("status/+"))!, 0));
        Assert.Equal(0, _broker.Core.WillBytes);
    }
}
