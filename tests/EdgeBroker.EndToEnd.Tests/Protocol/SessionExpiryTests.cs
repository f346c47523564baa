using EdgeBroker.EndToEnd.Tests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;

namespace EdgeBroker.EndToEnd.Tests.Protocol;

/// <summary>MQTT 5 Session Expiry Interval (§3.1.2.11, §3.14.2.2.2) on the host: 0 ends the session with its
/// connection, a finite value keeps it (and its messages) that long, 0xFFFFFFFF for ever; a DISCONNECT may change it but
/// not raise it from 0; a restart of the broker does not reset the clock (on both engines).</summary>
public sealed class SessionExpiryTests : IDisposable
{
    const string Client = "expiring";
    readonly DirectoryInfo _dataDir = Directory.CreateTempSubdirectory("edgebroker-expiry-");

    /// <summary>The host sweeping expired sessions every second, on a data directory that survives a restart.</summary>
    Task<RunningBroker> StartHostAsync() => Engines.StartAsync(Engines.Host, new Dictionary<string, string?>
    {
        ["EdgeBroker:SessionExpirySweepSeconds"] = "1",
        [HostEngine.DataDirKey] = _dataDir.FullName,
    });

    static Task<TestClient> ConnectAsync(RunningBroker broker, uint expiry, bool cleanStart = false) =>
        TestClient.ConnectAsync(broker, Client, MqttProtocolVersion.V500, cleanStart, expiry);

    /// <summary>A fresh session with <paramref name="expiry"/>, subscribed to <paramref name="filter"/>, left by DISCONNECT.</summary>
    static async Task LeaveSubscribedAsync(RunningBroker broker, uint expiry, string clientId = Client, string filter = "jobs/#")
    {
        var client = await TestClient.ConnectAsync(broker, clientId, MqttProtocolVersion.V500, cleanStart: true, expiry);
        await client.SubscribeAsync(filter);
        await client.DisposeAsync();
    }

    [Fact]
    public async Task An_expiry_of_zero_ends_the_session_with_its_connection()
    {
        await using var broker = await StartHostAsync();
        await LeaveSubscribedAsync(broker, 0);

        await using var back = await ConnectAsync(broker, 0);

        Assert.False(back.ConnectResult.IsSessionPresent);
    }

    [Fact]
    public async Task A_finite_expiry_keeps_the_session_and_its_messages_until_it_has_passed()
    {
        await using var broker = await StartHostAsync();
        await using var publisher = await TestClient.ConnectAsync(broker, "publisher");
        await LeaveSubscribedAsync(broker, 3);
        await publisher.PublishAsync("jobs/1", "kept");

        var back = await ConnectAsync(broker, 3);
        Assert.True(back.ConnectResult.IsSessionPresent);
        Assert.Equal("kept", (await back.ReceiveAsync()).ConvertPayloadToString());
        await back.DisposeAsync();
        await publisher.PublishAsync("jobs/2", "expires with the session");

        await Task.Delay(TimeSpan.FromSeconds(5));
        await using var late = await ConnectAsync(broker, 3);
        Assert.False(late.ConnectResult.IsSessionPresent);
        await late.ExpectNothingAsync();
    }

    [Fact]
    public async Task An_expiry_of_0xFFFFFFFF_never_ends_the_session()
    {
        await using var broker = await StartHostAsync();
        await LeaveSubscribedAsync(broker, uint.MaxValue);

        await Task.Delay(TimeSpan.FromSeconds(2.5));
        await using var back = await ConnectAsync(broker, uint.MaxValue);

        Assert.True(back.ConnectResult.IsSessionPresent);
    }

    [Fact]
    public async Task A_disconnect_can_lengthen_the_expiry()
    {
        await using var broker = await StartHostAsync();
        var client = await ConnectAsync(broker, 1, cleanStart: true);
        await client.SubscribeAsync("jobs/#");
        await client.Client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithSessionExpiryInterval(3600).Build());

        await Task.Delay(TimeSpan.FromSeconds(2.5));
        await using var back = await ConnectAsync(broker, 1);

        Assert.True(back.ConnectResult.IsSessionPresent);
    }

    [Fact]
    public async Task A_disconnect_with_an_expiry_of_zero_ends_the_session_and_one_without_keeps_the_connects()
    {
        await using var broker = await StartHostAsync();
        await using (var keeping = await RawMqttConnection.OpenAsync(broker))
        {
            Assert.Equal(0, await keeping.ConnectAsync(Client, protocolLevel: 5, sessionExpiry: 3600));
            await keeping.SendAsync(0xE0, [0x00, 0x00]); // normal disconnection, no properties
            Assert.True(await keeping.IsClosedByBrokerAsync(TimeSpan.FromSeconds(3)));
        }

        var back = await ConnectAsync(broker, 3600);
        Assert.True(back.ConnectResult.IsSessionPresent);
        await back.DisposeAsync();

        await using (var ending = await RawMqttConnection.OpenAsync(broker))
        {
            Assert.Equal(0, await ending.ConnectAsync(Client, cleanSession: false, protocolLevel: 5, sessionExpiry: 3600));
            await ending.SendDisconnectAsync(sessionExpiry: 0);
            Assert.True(await ending.IsClosedByBrokerAsync(TimeSpan.FromSeconds(3)));
        }

        await using var gone = await ConnectAsync(broker, 3600);
        Assert.False(gone.ConnectResult.IsSessionPresent);
    }

    [Fact]
    public async Task A_disconnect_may_not_raise_an_expiry_of_zero()
    {
        await using var broker = await StartHostAsync();
        await using var client = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, await client.ConnectAsync(Client, protocolLevel: 5));

        await client.SendDisconnectAsync(sessionExpiry: 60);

        var (type, _, body) = await client.ReadPacketAsync();
        Assert.Equal(14, type);
        Assert.Equal(0x82, body[0]);
        Assert.True(await client.IsClosedByBrokerAsync(TimeSpan.FromSeconds(3)));
        await using var back = await ConnectAsync(broker, 60);
        Assert.False(back.ConnectResult.IsSessionPresent);
    }

    [Fact]
    public async Task Sessions_and_their_messages_expire_on_time_across_a_restart()
    {
        await using (var broker = await StartHostAsync())
        {
            await LeaveSubscribedAsync(broker, 4);
            await using var publisher = await TestClient.ConnectAsync(broker, "publisher");
            await publisher.PublishAsync("jobs/1", "expires");
            await LeaveSubscribedAsync(broker, 3600, "lasting", "jobs/2");
            await publisher.PublishAsync("jobs/2", "lasts");
        }

        await Task.Delay(TimeSpan.FromSeconds(4.5));
        await using (var broker = await StartHostAsync())
        {
            await using var expired = await ConnectAsync(broker, 4);
            Assert.False(expired.ConnectResult.IsSessionPresent);
            await expired.ExpectNothingAsync();

            await using var lasting = await TestClient.ConnectAsync(broker, "lasting", MqttProtocolVersion.V500, cleanStart: false, sessionExpiry: 3600);
            Assert.True(lasting.ConnectResult.IsSessionPresent);
            Assert.Equal("lasts", (await lasting.ReceiveAsync()).ConvertPayloadToString());
        }
    }

    [Theory]
    [MemberData(nameof(Engines.Durable), MemberType = typeof(Engines))]
    public async Task A_311_session_that_expired_while_the_broker_was_stopped_is_gone_after_the_restart(string engine)
    {
        var settings = new Dictionary<string, string?>
        {
            ["EdgeBroker:Mqtt311SessionExpirySeconds"] = "3",
            [HostEngine.DataDirKey] = _dataDir.FullName,
        };
        await using (var broker = await Engines.StartAsync(engine, settings))
        {
            var device = await TestClient.ConnectAsync(broker, Client, cleanStart: false);
            await device.SubscribeAsync("jobs/#");
            await device.DisposeAsync();
            await using var publisher = await TestClient.ConnectAsync(broker, "publisher");
            await publisher.PublishAsync("jobs/1", "expires");
        }

        await Task.Delay(TimeSpan.FromSeconds(3.5));
        await using (var broker = await Engines.StartAsync(engine, settings))
        {
            await using var back = await TestClient.ConnectAsync(broker, Client, cleanStart: false);
            Assert.False(back.ConnectResult.IsSessionPresent);
            await back.ExpectNothingAsync();
        }
    }

    public void Dispose() => _dataDir.Delete(recursive: true);
}
