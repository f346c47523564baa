using System.Text.Json;
using EdgeBroker.Core.Presence;
using EdgeBroker.Core.Tests.Support;

namespace EdgeBroker.Core.Tests.Presence;

/// <summary>Presence as engines report it: events per TCP connection, independent of sessions, and the live count.</summary>
public class PresenceTrackerTests
{
    const string Device = "GID_x@@@dev1";
    const string Address = "192.168.1.7:50312";

    readonly TestBroker _broker = new();
    readonly RecordingConnection _application;

    public PresenceTrackerTests()
    {
        _application = _broker.ConnectSubscribed("application", "$SYS/presence/#");
    }

    BrokerCore Core => _broker.Core;

    [Fact]
    public void CleanExit_PublishesConnectDisconnectAndTcpClean_OnOneChannel()
    {
        long before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        RecordingConnection device = Accept(Device);

        Core.DisconnectReceived(Device, device);
        _broker.Disconnect(device);
        Core.ConnectionClosed(Device, device);

        var events = Events();
        Assert.Equal(["connect", "disconnect", "tcpclean"], events.Select(e => e.Type));
        Assert.Equal(["$SYS/presence/GID_x/connect", "$SYS/presence/GID_x/disconnect", "$SYS/presence/GID_x/tcpclean"],
            events.Select(e => e.Topic));
        Assert.All(events, e =>
        {
            Assert.Equal(1, e.Qos);
            Assert.Equal(Device, e.ClientId);
            Assert.Equal(device.ChannelId, e.ChannelId);
            Assert.Equal(Address, e.ClientIp);
            Assert.InRange(e.Time, before, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        });
        Assert.Equal(0, Core.LiveConnectionCount(Device));
    }

    [Fact]
    public void NetworkLoss_PublishesConnectThenTcpClean()
    {
        RecordingConnection device = Accept(Device);

        Core.ConnectionClosed(Device, device);

        Assert.Equal(["connect", "tcpclean"], Events().Select(e => e.Type));
    }

    [Fact]
    public void Takeover_CountsBothConnectionsUntilTheOldOneCloses_ThoughTheSessionIgnoresItsEnd()
    {
        RecordingConnection old = Accept(Device);
        RecordingConnection current = Accept(Device);
        Assert.Equal(2, Core.LiveConnectionCount(Device));

        _broker.Disconnect(old);
        Core.ConnectionClosed(Device, old);

        Assert.Equal(1, Core.LiveConnectionCount(Device));
        Assert.Same(current, Core.ConnectionOf(Device));
        var events = Events();
        Assert.Equal([("connect", old.ChannelId), ("connect", current.ChannelId), ("tcpclean", old.ChannelId)],
            events.Select(e => (e.Type, e.ChannelId)));
    }

    [Fact]
    public void ConnectionsOfOneClient_CloseInAnyOrder_AndEachEndsItsOwnChannel()
    {
        RecordingConnection first = Accept(Device);
        RecordingConnection second = Accept(Device);
        RecordingConnection third = Accept(Device);

        Core.ConnectionClosed(Device, second);
        Assert.Equal(2, Core.LiveConnectionCount(Device));
        Core.ConnectionClosed(Device, first);
        Assert.Equal(1, Core.LiveConnectionCount(Device));
        Core.ConnectionClosed(Device, third);

        Assert.Equal(0, Core.LiveConnectionCount(Device));
        Assert.Equal([second.ChannelId, first.ChannelId, third.ChannelId],
            Events().Where(e => e.Type == "tcpclean").Select(e => e.ChannelId));
        Assert.Empty(Core.LiveConnections());
    }

    [Fact]
    public void RepeatedAndStrayReports_PublishNothingMore()
    {
        RecordingConnection device = Accept(Device);
        Core.ConnectionAccepted(Device, device);
        Core.DisconnectReceived(Device, device);
        Core.DisconnectReceived(Device, device);
        Core.ConnectionClosed(Device, device);
        Core.ConnectionClosed(Device, device);
        Core.DisconnectReceived(Device, device);

        var neverAccepted = new RecordingConnection("GID_x@@@other", 0);
        Core.DisconnectReceived("GID_x@@@other", neverAccepted);
        Core.ConnectionClosed("GID_x@@@other", neverAccepted);

        Assert.Equal(["connect", "disconnect", "tcpclean"], Events().Select(e => e.Type));
    }

    [Fact]
    public void Events_ReachOnlyPresenceSubscribers()
    {
        RecordingConnection spy = _broker.ConnectSubscribed("spy", "#", "+/presence/#");
        RecordingConnection otherGroup = _broker.ConnectSubscribed("other-app", "$SYS/presence/GID_y/+");

        Core.ConnectionClosed(Device, Accept(Device));

        Assert.Empty(spy.Received);
        Assert.Empty(otherGroup.Received);
        Assert.Equal(2, Events().Count);
    }

    [Fact]
    public void ClientIdWithoutSeparator_IsInGroupDefault()
    {
        Accept("plain-device");

        Assert.Equal("$SYS/presence/default/connect", Assert.Single(Events()).Topic);
    }

    [Fact]
    public void AnApplicationAwayWithAPersistentSession_GetsTheEventsWhenItReturns()
    {
        _broker.ConnectThenLeave("durable-app", TestBroker.Persistent, "$SYS/presence/#");

        Core.ConnectionClosed(Device, Accept(Device));
        RecordingConnection back = _broker.Connect("durable-app", TestBroker.Persistent, cleanStart: false);

        Assert.Equal(["connect", "tcpclean"], back.Received.Select(d => Parse(d).Type));
    }

    [Fact]
    public void Snapshot_ListsLiveConnectionsOldestFirst()
    {
        RecordingConnection first = Accept("GID_x@@@a");
        Accept("GID_x@@@b");
        RecordingConnection third = Accept("GID_y@@@c");
        Core.ConnectionClosed("GID_x@@@a", first);

        var live = Core.LiveConnections().Cast<LiveConnection>().ToList();

        Assert.Equal(["GID_x@@@b", "GID_y@@@c"], live.Select(c => c.ClientId));
        Assert.Equal(third.ChannelId, live[1].ChannelId);
        Assert.Equal(Address, live[1].ClientAddress);
    }

    [Fact]
    public void EventPublished_IsToldEachEventInOrder_WithItsGroupAndThePublishedPayload()
    {
        var told = new List<(string Group, string Json)>();
        Core.PresenceEventPublished = (group, json) => told.Add((group, json));

        RecordingConnection device = Accept(Device);
        Core.DisconnectReceived(Device, device);
        Core.ConnectionClosed("plain-device", Accept("plain-device"));

        Assert.Equal(["GID_x", "GID_x", "default", "default"], told.Select(t => t.Group));
        Assert.Equal(_application.Received.Select(d => d.Payload), told.Select(t => t.Json));
    }

    /// <summary>What an engine does when a CONNECT is accepted: the session first, then presence.</summary>
    RecordingConnection Accept(string clientId)
    {
        RecordingConnection connection = _broker.Connect(clientId);
        connection.ClientAddress = Address;
        Core.ConnectionAccepted(clientId, connection);
        return connection;
    }

    List<PresenceEvent> Events() => _application.Received.Select(Parse).ToList();

    static PresenceEvent Parse(Delivery delivery)
    {
        using var json = JsonDocument.Parse(delivery.Payload);
        var root = json.RootElement;
        return new PresenceEvent(delivery.Topic, delivery.Qos, root.GetProperty("clientId").GetString()!,
            root.GetProperty("time").GetInt64(), root.GetProperty("eventType").GetString()!,
            root.GetProperty("channelId").GetString()!, root.GetProperty("clientIp").GetString()!);
    }

    sealed record PresenceEvent(string Topic, int Qos, string ClientId, long Time, string Type, string ChannelId, string ClientIp);
}
