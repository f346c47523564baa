using System.Globalization;
using EdgeBroker.Core.Offline;
using EdgeBroker.EndToEnd.Tests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace EdgeBroker.EndToEnd.Tests.Offline;

/// <summary>Offline messages for persistent sessions: batches, acknowledgements, expiry and quotas.</summary>
public sealed class OfflineDeliveryTests
{
    const string Device = "GID_sensors@@@sleepy";
    const string Topic = "app/p2p/" + Device;

    [Theory]
    [MemberData(nameof(Engines.WithTunableOffline), MemberType = typeof(Engines))]
    public async Task The_backlog_comes_in_batches_paced_by_acknowledgements_or_the_interval(string engine)
    {
        await using var broker = await Engines.StartAsync(engine, new Dictionary<string, string?>
        {
            ["EdgeBroker:OfflineBatchSize"] = "5",
            ["EdgeBroker:OfflineBatchIntervalSeconds"] = "2",
        });
        await LeaveAsync(broker);
        await using var sender = await TestClient.ConnectAsync(broker, "sender");
        for (var i = 0; i < 12; i++)
        {
            await sender.PublishAsync(Topic, "m" + i);
        }

        // A device that does not acknowledge gets one batch, then the next only after the interval.
        await using var device = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, await device.ConnectAsync(Device, cleanSession: false));
        var firstBatch = await ReadPayloadsAsync(device, 5);
        Assert.Equal(["m0", "m1", "m2", "m3", "m4"], firstBatch);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => device.ReadPacketAsync(TimeSpan.FromSeconds(1)));
        Assert.Equal(["m5", "m6", "m7", "m8", "m9"], await ReadPayloadsAsync(device, 5, TimeSpan.FromSeconds(5)));
    }

    [Theory]
    [MemberData(nameof(Engines.WithTunableOffline), MemberType = typeof(Engines))]
    public async Task An_acknowledging_device_gets_the_whole_backlog_at_once(string engine)
    {
        await using var broker = await Engines.StartAsync(engine, new Dictionary<string, string?>
        {
            ["EdgeBroker:OfflineBatchSize"] = "5",
            ["EdgeBroker:OfflineBatchIntervalSeconds"] = "30",
        });
        await LeaveAsync(broker);
        await using var sender = await TestClient.ConnectAsync(broker, "sender");
        var sent = Enumerable.Range(0, 23).Select(i => "m" + i).ToList();
        foreach (var payload in sent)
        {
            await sender.PublishAsync(Topic, payload);
        }

        await using var device = await TestClient.ConnectAsync(broker, Device, cleanStart: false);

        Assert.Equal(sent, await device.ReceivePayloadsAsync(sent.Count));
    }

    [Theory]
    [MemberData(nameof(Engines.WithTunableOffline), MemberType = typeof(Engines))]
    public async Task With_batching_off_a_backlog_larger_than_the_engines_send_queue_arrives_whole_and_in_order(string engine)
    {
        // Host: over MQTTnet's default of 1,000 pending messages per client, which drops the oldest when full. Firmware:
        // over the 64 deliveries a connection tracks until their PUBACKs, within what its 64 KB flash log holds.
        var backlog = engine == Engines.Host ? 2500 : 200;
        await using var broker = await Engines.StartAsync(engine, new Dictionary<string, string?>
        {
            ["EdgeBroker:OfflineBatchSize"] = "0",
            ["EdgeBroker:MaxOfflineMessagesPerClient"] = "3000",
        });
        await LeaveAsync(broker);
        await using var sender = await TestClient.ConnectAsync(broker, "sender");
        var sent = Enumerable.Range(0, backlog).Select(i => "m" + i).ToList();
        foreach (var payload in sent)
        {
            await sender.PublishAsync(Topic, payload);
        }

        await using var device = await TestClient.ConnectAsync(broker, Device, cleanStart: false);

        Assert.Equal(sent, await device.ReceivePayloadsAsync(sent.Count));
    }

    /// <summary>QoS 0 messages kept in memory for an away session come in the order they were published among the stored
    /// QoS 1 ones, so the last value of a state topic is the last one published (they used to come all first).</summary>
    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task Kept_QoS_0_and_stored_QoS_1_messages_arrive_in_the_order_they_were_published(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using (var subscribing = await TestClient.ConnectAsync(broker, Device, cleanStart: false, sessionExpiry: 300))
        {
            await subscribing.SubscribeAsync("state/#");
        }

        await Eventually.WaitUntilAsync(() => !broker.IsConnected(Device), () => Device + " is still connected");
        await using var sender = await TestClient.ConnectAsync(broker, "sender");
        var sent = Enumerable.Range(0, 8).Select(i => "m" + i).ToList();
        for (var i = 0; i < sent.Count; i++)
        {
            await sender.PublishAsync("state/lamp", sent[i], i % 2 == 0 ? MqttQualityOfServiceLevel.AtMostOnce : MqttQualityOfServiceLevel.AtLeastOnce);
        }

        await using var device = await TestClient.ConnectAsync(broker, Device, cleanStart: false);

        Assert.Equal(sent, await device.ReceivePayloadsAsync(sent.Count));
    }

    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task A_message_not_acknowledged_before_the_connection_drops_is_redelivered_with_dup(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        await LeaveAsync(broker);
        await using var sender = await TestClient.ConnectAsync(broker, "sender");
        await sender.PublishAsync(Topic, "important");

        var first = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, await first.ConnectAsync(Device, cleanSession: false));
        var delivery = await first.ReadPublishAsync();
        Assert.False(delivery.Duplicate);
        first.Abort();

        await using var second = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, await second.ConnectAsync(Device, cleanSession: false));
        var redelivery = await second.ReadPublishAsync();
        Assert.Equal("important", redelivery.Payload);
        Assert.True(redelivery.Duplicate);
        await second.SendPubAckAsync(redelivery.PacketId);

        // Acknowledged now: a third connection gets nothing. (It connects once the broker has seen the DISCONNECT that
        // followed the PUBACK: a connection that overtook it would be a takeover, for which a redelivery with DUP is right.)
        await second.SendAsync(0xE0, []);
        await Eventually.WaitUntilAsync(() => !broker.IsConnected(Device), () => Device + " is still connected after its DISCONNECT");
        await using var third = await TestClient.ConnectAsync(broker, Device, cleanStart: false);
        await third.ExpectNothingAsync();
    }

    [Theory]
    [MemberData(nameof(Engines.WithMqtt5), MemberType = typeof(Engines))]
    public async Task Mqtt5_message_expiry_drops_a_waiting_message_and_shortens_the_interval_of_a_delivered_one(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        await LeaveAsync(broker, MqttProtocolVersion.V500);
        await using var sender = await TestClient.ConnectAsync(broker, "sender", MqttProtocolVersion.V500);
        await sender.Client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(Topic).WithPayload("short-lived")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).WithMessageExpiryInterval(1).Build());
        await sender.Client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(Topic).WithPayload("long-lived")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).WithMessageExpiryInterval(100).Build());

        await Task.Delay(TimeSpan.FromSeconds(2.2));
        await using var device = await TestClient.ConnectAsync(broker, Device, MqttProtocolVersion.V500, cleanStart: false, sessionExpiry: 300);

        var message = await device.ReceiveAsync();
        Assert.Equal("long-lived", message.ConvertPayloadToString());
        Assert.InRange(message.MessageExpiryInterval, 90u, 98u);
        await device.ExpectNothingAsync();
    }

    [Theory]
    [MemberData(nameof(Engines.WithTunableOffline), MemberType = typeof(Engines))]
    public async Task The_default_lifetime_drops_messages_that_waited_too_long(string engine)
    {
        await using var broker = await Engines.StartAsync(engine, new Dictionary<string, string?>
        {
            ["EdgeBroker:OfflineMessageTtlHours"] = (1.0 / 3600).ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        await LeaveAsync(broker);
        await using var sender = await TestClient.ConnectAsync(broker, "sender");
        await sender.PublishAsync(Topic, "stale");

        await Task.Delay(TimeSpan.FromSeconds(1.5));
        await using var device = await TestClient.ConnectAsync(broker, Device, cleanStart: false);

        await device.ExpectNothingAsync();
    }

    [Theory]
    [MemberData(nameof(Engines.WithMqtt5), MemberType = typeof(Engines))]
    public async Task A_full_quota_refuses_new_messages_with_0x97_and_keeps_the_old(string engine)
    {
        await using var broker = await Engines.StartAsync(engine, new Dictionary<string, string?>
        {
            ["EdgeBroker:MaxOfflineMessagesPerClient"] = "3",
        });
        await LeaveAsync(broker);
        await using var sender = await TestClient.ConnectAsync(broker, "sender", MqttProtocolVersion.V500);

        var codes = new List<MqttClientPublishReasonCode>();
        for (var i = 0; i < 5; i++)
        {
            codes.Add((await sender.PublishAsync(Topic, "m" + i)).ReasonCode);
        }

        Assert.Equal(
            [MqttClientPublishReasonCode.Success, MqttClientPublishReasonCode.Success, MqttClientPublishReasonCode.Success,
             MqttClientPublishReasonCode.QuotaExceeded, MqttClientPublishReasonCode.QuotaExceeded],
            codes);
        await using var device = await TestClient.ConnectAsync(broker, Device, cleanStart: false);
        Assert.Equal(["m0", "m1", "m2"], await device.ReceivePayloadsAsync(3));
        await device.ExpectNothingAsync();
    }

    [Theory]
    [MemberData(nameof(Engines.WithTunableOffline), MemberType = typeof(Engines))]
    public async Task A_flood_past_a_full_quota_logs_its_first_drop_and_counts_every_one(string engine)
    {
        await using var broker = await Engines.StartAsync(engine, new Dictionary<string, string?>
        {
            ["EdgeBroker:MaxOfflineMessagesPerClient"] = "3",
        });
        await LeaveAsync(broker);
        await using var sender = await TestClient.ConnectAsync(broker, "sender");
        for (var i = 0; i < 50; i++)
        {
            await sender.PublishAsync(Topic, "m" + i);
        }

        Assert.Equal(47, broker.Counters!.QuotaDropped);
        var logged = Assert.Single(broker.LoggedProblems, line => line.Contains("quota is full", StringComparison.Ordinal));
        Assert.EndsWith("the receiver's offline quota is full (the first; further ones are logged at most once a minute, with their count)", logged);
    }

    /// <summary>The device subscribes with a persistent session and leaves; returns once the broker has seen it go, so a
    /// message published next is kept for it, not sent to the connection that is closing (which a redelivery would then
    /// mark as a duplicate).</summary>
    [Theory]
    [MemberData(nameof(Engines.WithTunableOffline), MemberType = typeof(Engines))]
    public async Task A_connected_receiver_gets_what_comes_past_its_full_quota_sent_without_being_kept(string engine)
    {
        await using var broker = await Engines.StartAsync(engine, new Dictionary<string, string?>
        {
            ["EdgeBroker:MaxOfflineMessagesPerClient"] = "3",
        });

        // Connected, and slower than the sender: it acknowledges nothing, so its three kept messages fill the quota.
        var device = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, await device.ConnectAsync(Device, cleanSession: false));
        await using var sender = await TestClient.ConnectAsync(broker, "sender");
        for (var i = 0; i < 10; i++)
        {
            await sender.PublishAsync(Topic, "m" + i);
        }

        Assert.Equal(["m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9"], await ReadPayloadsAsync(device, 10));
        Assert.Equal((7, 0), (broker.Counters!.SentUnkept, broker.Counters.QuotaDropped));

        // Only the kept three outlive the connection.
        device.Abort();
        await using var again = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, await again.ConnectAsync(Device, cleanSession: false));
        Assert.Equal(["m0", "m1", "m2"], await ReadPayloadsAsync(again, 3));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => again.ReadPacketAsync(TimeSpan.FromSeconds(1)));
    }

    [Theory]
    [MemberData(nameof(Engines.WithTunableOffline), MemberType = typeof(Engines))]
    public async Task Qos0_kept_for_away_sessions_stays_within_the_configured_bytes(string engine)
    {
        await using var broker = await Engines.StartAsync(engine, new Dictionary<string, string?>
        {
            ["EdgeBroker:MaxOfflineQos0Bytes"] = (2 * (34 + OfflineLimits.KeptQos0OverheadBytes) + 20).ToString(CultureInfo.InvariantCulture),
        });
        await using (var away = await TestClient.ConnectAsync(broker, Device, cleanStart: false, sessionExpiry: 300))
        {
            await away.SubscribeAsync("q0/#", MqttQualityOfServiceLevel.AtMostOnce);
        }

        await Eventually.WaitUntilAsync(() => !broker.IsConnected(Device), () => Device + " is still connected");
        await using var sender = await TestClient.ConnectAsync(broker, "sender");
        for (var i = 0; i < 10; i++)
        {
            // 4 + 30 bytes each, and what each kept message holds beside them: two fit.
            await sender.PublishAsync("q0/x", i + new string('.', 29), MqttQualityOfServiceLevel.AtMostOnce);
        }

        await Eventually.WaitUntilAsync(() => broker.Counters!.QuotaDropped == 8, () => $"{broker.Counters!.QuotaDropped} dropped, not 8");
        await using var device = await TestClient.ConnectAsync(broker, Device, cleanStart: false, sessionExpiry: 300);
        Assert.Equal(["0" + new string('.', 29), "1" + new string('.', 29)], await device.ReceivePayloadsAsync(2));
        await device.ExpectNothingAsync();
    }

    /// <summary>A clean start clears a stored backlog at once and deletes its rows afterwards, a part at a time (host:
    /// 128 rows a transaction): the client back right away, while the rows are still being deleted, gets none of them,
    /// and what is stored for its new session meanwhile is kept and delivered.</summary>
    [Fact]
    public async Task A_client_back_while_its_cleared_backlog_is_deleted_gets_only_its_new_sessions_messages()
    {
        const int Backlog = 10_000;
        await using var broker = await Engines.StartAsync(Engines.Host, new Dictionary<string, string?>
        {
            ["EdgeBroker:MaxOfflineMessagesPerClient"] = Backlog.ToString(CultureInfo.InvariantCulture),
        });
        await LeaveAsync(broker);
        await using var sender = await TestClient.ConnectAsync(broker, "sender");
        foreach (var chunk in Enumerable.Range(0, Backlog).Chunk(500))
        {
            var results = await Task.WhenAll(chunk.Select(i => sender.PublishAsync(Topic, "old" + i)));
            Assert.All(results, result => Assert.True(result.IsSuccess));
        }

        var cleared = await TestClient.ConnectAsync(broker, Device, cleanStart: true);
        await cleared.DisposeAsync();
        await using (var back = await TestClient.ConnectAsync(broker, Device, cleanStart: false))
        {
            Assert.False(back.ConnectResult.IsSessionPresent);
            await sender.PublishAsync(Topic, "new0");
            await sender.PublishAsync(Topic, "new1");
            Assert.Equal(["new0", "new1"], await back.ReceivePayloadsAsync(2));
            await back.ExpectNothingAsync();
        }

        await Eventually.WaitUntilAsync(() => !broker.IsConnected(Device), () => Device + " is still connected after its DISCONNECT");
        await sender.PublishAsync(Topic, "away0");
        await sender.PublishAsync(Topic, "away1");
        await using var again = await TestClient.ConnectAsync(broker, Device, cleanStart: false);
        Assert.True(again.ConnectResult.IsSessionPresent);
        Assert.Equal(["away0", "away1"], await again.ReceivePayloadsAsync(2));
        await again.ExpectNothingAsync();
    }

    static async Task LeaveAsync(RunningBroker broker, MqttProtocolVersion protocol = MqttProtocolVersion.V311)
    {
        var device = await TestClient.ConnectAsync(broker, Device, protocol, cleanStart: false, sessionExpiry: 300);
        await device.DisposeAsync();
        await Eventually.WaitUntilAsync(() => !broker.IsConnected(Device), () => Device + " is still connected after its DISCONNECT");
    }

    static async Task<List<string>> ReadPayloadsAsync(RawMqttConnection connection, int count, TimeSpan? timeout = null)
    {
        var payloads = new List<string>();
        for (var i = 0; i < count; i++)
        {
            payloads.Add((await connection.ReadPublishAsync(timeout)).Payload);
        }

        return payloads;
    }
}
