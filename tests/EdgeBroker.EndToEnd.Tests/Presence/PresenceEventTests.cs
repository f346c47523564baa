using EdgeBroker.EndToEnd.Tests.Infrastructure;

namespace EdgeBroker.EndToEnd.Tests.Presence;

/// <summary>
/// Presence events as an application sees them: connect, disconnect and tcpclean per TCP connection (channel), on
/// <c>$SYS/presence/{groupId}/{eventType}</c>, for every way a connection can end.
/// </summary>
public sealed class PresenceEventTests
{
    const string Device = "GID_x@@@dev1";
    const string GroupFilter = "$SYS/presence/GID_x/+";

    [Theory]
    [MemberData(nameof(Engines.WithPresence), MemberType = typeof(Engines))]
    public async Task A_clean_exit_yields_connect_disconnect_and_tcpclean_on_one_channel(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using var watcher = await PresenceWatcher.StartAsync(broker, GroupFilter);
        var before = Now();
        await using var device = await ConnectAsync(broker, Device);

        await device.SendAsync(0xE0, []);

        var events = await watcher.NextAsync(3);
        Assert.Equal(["connect", "disconnect", "tcpclean"], events.Select(e => e.EventType));
        AssertOneChannel(events, Device, device.LocalEndPoint, before);
        Assert.All(events, e => Assert.Equal("$SYS/presence/GID_x/" + e.EventType, e.Topic));
        Assert.Matches("^[0-9a-f]{32}$", events[0].ChannelId);
    }

    [Theory]
    [MemberData(nameof(Engines.WithPresence), MemberType = typeof(Engines))]
    public async Task A_network_drop_yields_connect_and_tcpclean(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using var watcher = await PresenceWatcher.StartAsync(broker, GroupFilter);
        var before = Now();
        var device = await ConnectAsync(broker, Device);
        var address = device.LocalEndPoint;

        device.Abort();

        var events = await watcher.NextAsync(2);
        Assert.Equal(["connect", "tcpclean"], events.Select(e => e.EventType));
        AssertOneChannel(events, Device, address, before);
        await watcher.ExpectNothingAsync();
    }

    [Theory]
    [MemberData(nameof(Engines.WithPresence), MemberType = typeof(Engines))]
    public async Task Keep_alive_expiry_yields_tcpclean_without_disconnect(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using var watcher = await PresenceWatcher.StartAsync(broker, GroupFilter);
        var before = Now();

        await using var device = await ConnectAsync(broker, Device, keepAliveSeconds: 1);

        var events = await watcher.NextAsync(2);
        Assert.Equal(["connect", "tcpclean"], events.Select(e => e.EventType));
        AssertOneChannel(events, Device, device.LocalEndPoint, before);
        Assert.InRange(events[1].Time - events[0].Time, 1000, 5000);
        Assert.True(await device.IsClosedByBrokerAsync(TimeSpan.FromSeconds(1)));
    }

    [Theory]
    [MemberData(nameof(Engines.WithPresence), MemberType = typeof(Engines))]
    public async Task A_takeover_ends_the_old_channel_and_starts_a_new_one(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using var watcher = await PresenceWatcher.StartAsync(broker, GroupFilter);
        var before = Now();
        await using var first = await ConnectAsync(broker, Device);
        var firstConnect = await watcher.NextAsync();

        await using var second = await ConnectAsync(broker, Device);

        // Which of the two comes first is the engine's business; each channel's own events are in order.
        var takeover = await watcher.NextAsync(2);
        var oldChannel = takeover.Where(e => e.ChannelId == firstConnect.ChannelId).ToList();
        var newChannel = takeover.Where(e => e.ChannelId != firstConnect.ChannelId).ToList();
        Assert.Equal("tcpclean", Assert.Single(oldChannel).EventType);
        Assert.Equal("connect", Assert.Single(newChannel).EventType);
        AssertOneChannel([firstConnect, oldChannel[0]], Device, first.LocalEndPoint, before);
        Assert.Equal(second.LocalEndPoint, newChannel[0].ClientIp);
        Assert.True(await first.IsClosedByBrokerAsync(TimeSpan.FromSeconds(3)));

        await second.SendAsync(0xE0, []);

        var end = await watcher.NextAsync(2);
        Assert.Equal(["disconnect", "tcpclean"], end.Select(e => e.EventType));
        AssertOneChannel([newChannel[0], .. end], Device, second.LocalEndPoint, before);
    }

    [Theory]
    [MemberData(nameof(Engines.WithPresence), MemberType = typeof(Engines))]
    public async Task Parallel_connections_each_get_their_own_channel_and_both_events(string engine)
    {
        // As many as the engine serves at once, beside the watcher (the device's default is 12 clients).
        var deviceCount = Math.Min(30, Engines.MaxClients(engine) - 1);
        await using var broker = await Engines.StartAsync(engine);
        await using var watcher = await PresenceWatcher.StartAsync(broker, GroupFilter);
        var before = Now();

        var devices = await Task.WhenAll(Enumerable.Range(0, deviceCount).Select(async i =>
        {
            var device = await ConnectAsync(broker, $"GID_x@@@dev{i}");
            return (ClientId: $"GID_x@@@dev{i}", Address: device.LocalEndPoint, Connection: device);
        }));
        foreach (var device in devices)
        {
            device.Connection.Abort();
        }

        var events = await watcher.NextAsync(2 * deviceCount);
        foreach (var device in devices)
        {
            var ofDevice = events.Where(e => e.ClientId == device.ClientId).ToList();
            Assert.Equal(["connect", "tcpclean"], ofDevice.Select(e => e.EventType));
            AssertOneChannel(ofDevice, device.ClientId, device.Address, before);
        }

        Assert.Equal(deviceCount, events.Select(e => e.ChannelId).Distinct().Count());
        Assert.All(devices, device => Assert.False(broker.IsConnected(device.ClientId)));
    }

    [Theory]
    [MemberData(nameof(Engines.WithPresence), MemberType = typeof(Engines))]
    public async Task Events_go_to_their_group_and_a_client_id_without_separator_is_in_group_default(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using var sensors = await PresenceWatcher.StartAsync(broker, "$SYS/presence/GID_sensors/+");
        await using var defaults = await PresenceWatcher.StartAsync(broker, "$SYS/presence/default/+");

        await ConnectAndDropAsync(broker, "GID_lights@@@lamp");
        await ConnectAndDropAsync(broker, "plain-device");
        await ConnectAndDropAsync(broker, "GID_sensors@@@probe");

        Assert.Equal(["$SYS/presence/default/connect", "$SYS/presence/default/tcpclean"],
            (await defaults.NextAsync(2)).Select(e => e.Topic));
        var sensorEvents = await sensors.NextAsync(2);
        Assert.All(sensorEvents, e => Assert.Equal("GID_sensors@@@probe", e.ClientId));
        await sensors.ExpectNothingAsync();
        await defaults.ExpectNothingAsync();
    }

    [Theory]
    [MemberData(nameof(Engines.WithPresence), MemberType = typeof(Engines))]
    public async Task Wildcard_subscribers_never_see_presence_events(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using var spy = await TestClient.ConnectAsync(broker, "spy");
        await spy.SubscribeAsync("#");
        await spy.SubscribeAsync("+/presence/#");

        await ConnectAndDropAsync(broker, Device);

        await spy.ExpectNothingAsync();
    }

    [Theory]
    [MemberData(nameof(Engines.WithPresence), MemberType = typeof(Engines))]
    public async Task Client_ids_with_json_and_topic_characters_are_escaped(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using var watcher = await PresenceWatcher.StartAsync(broker);
        const string Awkward = "GID_a/b+#%@@@say \"hi\" \\ \t bye ü";

        await ConnectAndDropAsync(broker, Awkward);

        var events = await watcher.NextAsync(2);
        Assert.All(events, e => Assert.Equal(Awkward, e.ClientId));
        Assert.Equal("$SYS/presence/GID_a%2Fb%2B%23%25/connect", events[0].Topic);
    }

    static async Task<RawMqttConnection> ConnectAsync(RunningBroker broker, string clientId, ushort keepAliveSeconds = 60)
    {
        var device = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, await device.ConnectAsync(clientId, keepAliveSeconds));
        return device;
    }

    static async Task ConnectAndDropAsync(RunningBroker broker, string clientId) => (await ConnectAsync(broker, clientId)).Abort();

    /// <summary>Events of one channel: same client, channel and address, times from <paramref name="notBefore"/> to
    /// now and never going back.</summary>
    static void AssertOneChannel(IReadOnlyList<PresenceEvent> events, string clientId, string clientIp, long notBefore)
    {
        var now = Now();
        Assert.All(events, e =>
        {
            Assert.Equal(clientId, e.ClientId);
            Assert.Equal(events[0].ChannelId, e.ChannelId);
            Assert.Equal(clientIp, e.ClientIp);
            Assert.InRange(e.Time, notBefore, now);
        });
        Assert.Equal(events.Select(e => e.Time).Order(), events.Select(e => e.Time));
    }

    static long Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
}
