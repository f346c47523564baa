using EdgeBroker.EndToEnd.Tests.Infrastructure;
using MQTTnet;

namespace EdgeBroker.EndToEnd.Tests.DeviceLimits;

/// <summary>
/// The limits the firmware enforces to fit an ESP32 (docs/firmware.md, "Device limits"), with the behaviour MQTT 3.1.1 prescribes
/// for each. Settings use the keys of the device's edgebroker.conf. Firmware only: the host has no such limits.
/// </summary>
public sealed class DeviceLimitTests
{
    [Theory]
    [MemberData(nameof(Engines.WithDeviceLimits), MemberType = typeof(Engines))]
    public async Task The_connect_beyond_max_clients_gets_server_unavailable_and_a_freed_place_is_reused(string engine)
    {
        await using var broker = await Engines.StartAsync(engine, new Dictionary<string, string?> { ["max_clients"] = "2" });
        var first = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, await first.ConnectAsync("first"));
        await using var second = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, await second.ConnectAsync("second"));

        await using (var third = await RawMqttConnection.OpenAsync(broker))
        {
            Assert.Equal(0x03, await third.ConnectAsync("third"));
            Assert.True(await third.IsClosedByBrokerAsync(TimeSpan.FromSeconds(3)));
        }

        // Taking over a connected client ID is not a further client.
        await using var secondAgain = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, await secondAgain.ConnectAsync("second"));

        await first.SendAsync(0xE0, []);
        Assert.True(await first.IsClosedByBrokerAsync(TimeSpan.FromSeconds(3)));
        await first.DisposeAsync();
        await WaitUntilAsync(() => !broker.IsConnected("first"));
        await using var fourth = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, await fourth.ConnectAsync("fourth"));
    }

    [Theory]
    [MemberData(nameof(Engines.WithDeviceLimits), MemberType = typeof(Engines))]
    public async Task Client_ids_cycled_with_clean_session_0_fill_only_the_sessions_share_and_kept_messages_still_flow(string engine)
    {
        // 16 KB of flash: sessions and subscriptions may take a quarter.
        await using var broker = await Engines.StartAsync(engine, new Dictionary<string, string?>
        {
            ["flash_store_bytes"] = "16384",
            ["max_connections_per_source"] = "0",
        });
        await using var keeper = await TestClient.ConnectAsync(broker, "keeper", cleanStart: false);
        await keeper.SubscribeAsync("keep/#", MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce);

        var accepted = 0;
        var refused = 0;
        for (var i = 0; i < 200 && refused == 0; i++)
        {
            await using var cycling = await RawMqttConnection.OpenAsync(broker);
            var code = await cycling.ConnectAsync($"cyc-{i:D3}-" + new string('x', 20), cleanSession: false);
            accepted += code == 0 ? 1 : 0;
            refused += code == 0x03 ? 1 : 0;
        }

        Assert.Equal(1, refused);
        Assert.InRange(accepted, 20, 120);
        Assert.Contains(broker.LoggedProblems, line => line.Contains("share for persistent sessions is full"));

        // The messages the keeper's session is kept for still have their room.
        await using var publisher = await TestClient.ConnectAsync(broker, "publisher");
        for (var i = 0; i < 10; i++)
        {
            await publisher.PublishAsync("keep/x", "m" + i, MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce);
        }

        Assert.Equal(10, (await keeper.ReceivePayloadsAsync(10)).Count);
    }

    [Theory]
    [MemberData(nameof(Engines.WithDeviceLimits), MemberType = typeof(Engines))]
    public async Task A_client_that_sends_and_never_reads_is_closed_with_the_reason_logged(string engine)
    {
        await using var broker = await Engines.StartAsync(engine, new Dictionary<string, string?> { ["max_queued_bytes_per_client"] = "4096" });
        await using var flooder = await RawMqttConnection.OpenAsync(broker, receiveBufferBytes: 1024);
        Assert.Equal(0, await flooder.ConnectAsync("flooder"));

        // PINGREQs, never reading the PINGRESPs: the kernel's buffers, then the client's queue, fill.
        var pings = Enumerable.Repeat(new byte[] { 0xC0, 0x00 }, 4096).SelectMany(ping => ping).ToArray();
        try
        {
            for (var i = 0; i < 200 && !broker.LoggedProblems.Any(line => line.Contains("Closed connection of client flooder")); i++)
            {
                await flooder.SendRawAsync(pings);
            }
        }
        catch (IOException)
        {
            // Closed by the broker while this was still sending.
        }

        // Whichever comes first — its answers fill the queue, or the socket stays full for send_timeout_seconds — the log
        // says why, not that the client went away.
        await Eventually.WaitUntilAsync(
            () => broker.LoggedProblems.Any(line => line.StartsWith("Closed connection of client flooder: it sends but does not read", StringComparison.Ordinal)
                || line.StartsWith("Closed connection of client flooder: it read nothing for", StringComparison.Ordinal)),
            () => "logged: " + string.Join(" | ", broker.LoggedProblems), TimeSpan.FromSeconds(20));
    }

    [Theory]
    [MemberData(nameof(Engines.WithDeviceLimits), MemberType = typeof(Engines))]
    public async Task A_packet_over_the_maximum_size_closes_that_connection_only(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using var bystander = await TestClient.ConnectAsync(broker, "bystander");
        await bystander.SubscribeAsync("big/#");
        await using var publisher = await TestClient.ConnectAsync(broker, "publisher");

        // 4096 bytes is the limit, fixed header included: this PUBLISH fits exactly; one more byte does not.
        const int fitting = 4096 - 3 - 2 - 5;
        await publisher.PublishAsync("big/1", new string('x', fitting), MQTTnet.Protocol.MqttQualityOfServiceLevel.AtMostOnce);
        Assert.Equal(fitting, (await bystander.ReceiveAsync()).Payload.Length);

        await using var offender = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, await offender.ConnectAsync("offender"));
        var body = new List<byte> { 0x00, 0x05 };
        body.AddRange("big/2"u8.ToArray());
        body.AddRange(new byte[fitting + 1]);
        await offender.SendAsync(0x30, body);

        Assert.True(await offender.IsClosedByBrokerAsync(TimeSpan.FromSeconds(3)));
        await publisher.PublishAsync("big/3", "small");
        Assert.Equal("small", (await bystander.ReceiveAsync()).ConvertPayloadToString());
    }

    [Theory]
    [MemberData(nameof(Engines.WithDeviceLimits), MemberType = typeof(Engines))]
    public async Task Subscriptions_beyond_the_per_client_limit_get_failure_0x80(string engine)
    {
        await using var broker = await Engines.StartAsync(engine, new Dictionary<string, string?> { ["max_subscriptions_per_client"] = "2" });
        await using var client = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, await client.ConnectAsync("client"));

        Assert.Equal(1, await client.SubscribeAsync("a/1"));
        Assert.Equal(1, await client.SubscribeAsync("a/2"));
        Assert.Equal(0x80, await client.SubscribeAsync("a/3"));
        Assert.Equal(0, await client.SubscribeAsync("a/2", qos: 0));
    }

    [Theory]
    [MemberData(nameof(Engines.WithDeviceLimits), MemberType = typeof(Engines))]
    public async Task Retained_messages_beyond_the_limit_are_not_kept_but_kept_topics_can_change(string engine)
    {
        await using var broker = await Engines.StartAsync(engine, new Dictionary<string, string?> { ["max_retained_messages"] = "1" });
        await using var publisher = await TestClient.ConnectAsync(broker, "publisher");
        await publisher.PublishAsync("state/a", "a1", retain: true);
        await publisher.PublishAsync("state/b", "b1", retain: true);
        await publisher.PublishAsync("state/a", "a2", retain: true);

        await using var subscriber = await TestClient.ConnectAsync(broker, "subscriber");
        await subscriber.SubscribeAsync("state/#");

        Assert.Equal("a2", (await subscriber.ReceiveAsync()).ConvertPayloadToString());
        await subscriber.ExpectNothingAsync();
    }

    [Theory]
    [MemberData(nameof(Engines.WithDeviceLimits), MemberType = typeof(Engines))]
    public async Task An_mqtt5_client_is_told_unacceptable_protocol_version(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using var client = await RawMqttConnection.OpenAsync(broker);

        Assert.Equal(0x01, await client.ConnectAsync("v5", protocolLevel: 5));
        Assert.True(await client.IsClosedByBrokerAsync(TimeSpan.FromSeconds(3)));
    }

    [Theory]
    [MemberData(nameof(Engines.WithDeviceLimits), MemberType = typeof(Engines))]
    public async Task Sockets_trickling_CONNECTs_are_closed_at_the_connect_timeout_and_give_their_threads_back(string engine)
    {
        // As many as the device has sockets. Each held a reader thread (and on the device a socket) for as long as it
        // kept sending a byte now and then, so a dozen of them locked every client out.
        const int Sockets = 16;
        await using var broker = await Engines.StartAsync(engine, new Dictionary<string, string?> { ["connect_timeout_seconds"] = "2" });
        var relay = ((EmulatorEngine.RunningEmulator)broker).Gateway.Relay;
        var slow = new List<RawMqttConnection>();
        try
        {
            // The deadline runs from each socket's accept, and opening them takes a while.
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var openedAt = new List<TimeSpan>();
            for (var i = 0; i < Sockets; i++)
            {
                slow.Add(await RawMqttConnection.OpenAsync(broker));
                openedAt.Add(clock.Elapsed);
            }

            byte[] connect = [0x10, 0x2A, 0x00, 0x04, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 0x04, 0x02, 0x00, 0x3C, 0x00, 0x1E, .. new byte[30].Select(_ => (byte)'c')];
            var trickleStart = clock.Elapsed;
            var trickles = await Task.WhenAll(slow.Select(connection => connection.TrickleAsync(connect, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(5))));

            Assert.All(trickles, trickle => Assert.True(trickle.Closed && trickle.AnswerType is null && trickle.BytesSent < connect.Length,
                $"a trickling CONNECT was not cut off: {trickle}"));
            Assert.All(trickles.Select((trickle, i) => trickleStart + trickle.After - openedAt[i]),
                open => Assert.InRange(open, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(7)));
            await WaitUntilAsync(() => relay.OpenConnections().Count == 0);

            // Logged once for the address, not once per connection. The first socket's deadline may pass before its
            // first byte (opening sixteen takes a while on a loaded machine): "no CONNECT" or "no complete CONNECT".
            Assert.Single(broker.LoggedProblems, problem => problem.Contains("CONNECT within 2 s"));
        }
        finally
        {
            foreach (var connection in slow)
            {
                await connection.DisposeAsync();
            }
        }

        var clients = new List<RawMqttConnection>();
        try
        {
            for (var i = 0; i < Engines.MaxClients(engine); i++)
            {
                var client = await RawMqttConnection.OpenAsync(broker);
                clients.Add(client);
                Assert.Equal(0, await client.ConnectAsync("after-" + i));
            }
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    static Task WaitUntilAsync(Func<bool> condition) =>
        Eventually.WaitUntilAsync(condition, () => "condition not met in time", TestClient.ReceiveTimeout);
}
