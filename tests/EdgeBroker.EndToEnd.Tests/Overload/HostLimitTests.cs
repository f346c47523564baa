using EdgeBroker.EndToEnd.Tests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace EdgeBroker.EndToEnd.Tests.Overload;

/// <summary>
/// The host's bounds on what clients make it keep (docs/overload.md, "What clients can make the host keep"). Each
/// refusal concerns only the client or message beyond the bound, says so in MQTT's terms, is logged once (per client or
/// address a minute), and leaves everyone else served. The device has its own limits
/// (<see cref="DeviceLimits.DeviceLimitTests"/>); these are the host's settings.
/// </summary>
public sealed class HostLimitTests
{
    [Fact]
    public async Task Subscriptions_beyond_the_per_client_limit_are_refused_the_rest_granted_and_served()
    {
        await using var broker = await Engines.StartAsync(Engines.Host, new Dictionary<string, string?> { ["EdgeBroker:MaxSubscriptionsPerClient"] = "3" });
        await using var mqtt311 = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, await mqtt311.ConnectAsync("many-311"));

        Assert.Equal([1, 1, 1, 0x80, 0x80], await mqtt311.SubscribeAsync([("a/1", 1), ("a/2", 1), ("a/3", 1), ("a/4", 1), ("a/5", 1)]));
        Assert.Equal(0x80, await mqtt311.SubscribeAsync("a/6"));

        // A filter the client holds is replaced, not added.
        Assert.Equal(0, await mqtt311.SubscribeAsync("a/2", qos: 0));

        await using var mqtt5 = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, await mqtt5.ConnectAsync("many-5", protocolLevel: 5));
        Assert.Equal([1, 1, 1, 0x97], await mqtt5.SubscribeAsync([("b/1", 1), ("b/2", 1), ("b/3", 1), ("b/4", 1)]));

        // The granted subscriptions work; another client is not held to anyone else's count.
        await using var other = await TestClient.ConnectAsync(broker, "other");
        await other.SubscribeAsync("a/1");
        await using var publisher = await TestClient.ConnectAsync(broker, "publisher");
        await publisher.PublishAsync("a/1", "one");
        Assert.Equal("a/1", (await mqtt311.ReadPublishAsync()).Topic);
        Assert.Equal("one", (await other.ReceiveAsync()).ConvertPayloadToString());

        // Once per client a minute: the first refusal of each, not the second of many-311.
        Assert.Single(broker.LoggedProblems, line => line.Contains("Refused SUBSCRIBE from many-311") && line.Contains("MaxSubscriptionsPerClient"));
        Assert.Single(broker.LoggedProblems, line => line.Contains("Refused SUBSCRIBE from many-5"));
    }

    [Fact]
    public async Task A_retained_message_beyond_the_byte_bound_is_not_kept_but_delivered_and_properties_count()
    {
        // Topic characters + payload bytes + MQTT 5 properties, against 4,000.
        await using var broker = await Engines.StartAsync(Engines.Host, new Dictionary<string, string?> { ["EdgeBroker:MaxRetainedBytes"] = "4000" });
        await using var live = await TestClient.ConnectAsync(broker, "live");
        await live.SubscribeAsync("state/#");
        await using var publisher = await TestClient.ConnectAsync(broker, "publisher", MqttProtocolVersion.V500);

        await PublishRetainedAsync(publisher, "state/a", 1000);     // 1,007
        await PublishRetainedAsync(publisher, "state/b", 1000);     // 2,014
        await PublishRetainedAsync(publisher, "state/c", 1500);     // 3,521
        await PublishRetainedAsync(publisher, "state/d", 1000);     // 4,528: not kept
        await PublishRetainedAsync(publisher, "state/a", 100);      // replaces 1,007 with 107: 2,621
        await PublishRetainedAsync(publisher, "state/e", 10, userPropertyBytes: 1400);  // 4,039 with its property: not kept

        // Every one reached the subscriber that was there.
        var delivered = await live.ReceivePayloadsAsync(6);
        Assert.Equal([1000, 1000, 1500, 1000, 100, 10], delivered.Select(payload => payload.Length));

        await using var newcomer = await TestClient.ConnectAsync(broker, "newcomer");
        await newcomer.SubscribeAsync("state/#");
        var kept = new List<MqttApplicationMessage>();
        for (var i = 0; i < 3; i++)
        {
            kept.Add(await newcomer.ReceiveAsync());
        }

        await newcomer.ExpectNothingAsync();
        Assert.Equal([("state/a", 100), ("state/b", 1000), ("state/c", 1500)],
            kept.Select(message => (message.Topic, (int)message.Payload.Length)).OrderBy(message => message.Topic));
        var refusal = Assert.Single(broker.LoggedProblems, line => line.Contains("Not retained"));
        Assert.Contains("PUBLISH from publisher to state/d", refusal);
        Assert.Contains("MaxRetainedBytes 4000", refusal);
    }

    [Fact]
    public async Task Retained_messages_beyond_the_topic_count_are_not_kept_and_kept_topics_can_change()
    {
        await using var broker = await Engines.StartAsync(Engines.Host, new Dictionary<string, string?> { ["EdgeBroker:MaxRetainedMessages"] = "2" });
        await using var publisher = await TestClient.ConnectAsync(broker, "publisher");
        await using var live = await TestClient.ConnectAsync(broker, "live");
        await live.SubscribeAsync("r/#");
        await publisher.PublishAsync("r/1", "1", retain: true);
        await publisher.PublishAsync("r/2", "2", retain: true);
        await publisher.PublishAsync("r/3", "3", retain: true);
        await publisher.PublishAsync("r/1", "1b", retain: true);
        Assert.Equal(["1", "2", "3", "1b"], await live.ReceivePayloadsAsync(4));

        await using var newcomer = await TestClient.ConnectAsync(broker, "newcomer");
        await newcomer.SubscribeAsync("r/#");
        var kept = new[] { await newcomer.ReceiveAsync(), await newcomer.ReceiveAsync() };
        await newcomer.ExpectNothingAsync();
        Assert.Equal(["1b", "2"], kept.Select(message => message.ConvertPayloadToString()).Order());
        Assert.Contains(broker.LoggedProblems, line => line.Contains("Not retained: PUBLISH from publisher to r/3") && line.Contains("MaxRetainedMessages 2"));
    }

    [Fact]
    public async Task A_connect_beyond_the_session_limit_is_refused_while_clients_with_sessions_carry_on()
    {
        await using var broker = await Engines.StartAsync(Engines.Host, new Dictionary<string, string?> { ["EdgeBroker:MaxSessions"] = "3" });

        // An away persistent session counts.
        await using (var away = await RawMqttConnection.OpenAsync(broker))
        {
            Assert.Equal(0, await away.ConnectAsync("keeper", cleanSession: false));
            Assert.Equal(1, await away.SubscribeAsync("keep/#"));
            await away.SendDisconnectAsync();
        }

        await Eventually.WaitUntilAsync(() => !broker.IsConnected("keeper"), () => "keeper is still connected");
        await using var one = await TestClient.ConnectAsync(broker, "one");
        var two = await TestClient.ConnectAsync(broker, "two");

        await using (var mqtt311 = await RawMqttConnection.OpenAsync(broker))
        {
            Assert.Equal(0x03, await mqtt311.ConnectAsync("three"));
            Assert.True(await mqtt311.IsClosedByBrokerAsync(TimeSpan.FromSeconds(3)));
        }

        await using (var mqtt5 = await RawMqttConnection.OpenAsync(broker))
        {
            Assert.Equal(0x97, await mqtt5.ConnectAsync("four", protocolLevel: 5));
            Assert.True(await mqtt5.IsClosedByBrokerAsync(TimeSpan.FromSeconds(3)));
        }

        // Refused before anything of theirs was kept; the sessions that exist are served as before.
        Assert.Equal(3, broker.Core!.SessionCount);
        await one.PublishAsync("keep/x", "kept for keeper");
        await using (var keeper = await RawMqttConnection.OpenAsync(broker))
        {
            Assert.Equal(0, await keeper.ConnectAsync("keeper", cleanSession: false));
            Assert.Equal("kept for keeper", (await keeper.ReadPublishAsync()).Payload);
            await keeper.SendDisconnectAsync();
        }

        // Logged once for the address, not once per CONNECT.
        Assert.Single(broker.LoggedProblems, line => line.Contains("MaxSessions"));

        // A session that ends makes room.
        await two.DisposeAsync();
        await Eventually.WaitUntilAsync(() => broker.Core.SessionCount == 2, () => $"{broker.Core.SessionCount} sessions, expected 2");
        await using var three = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, await three.ConnectAsync("three"));
    }

    [Fact]
    public async Task Parallel_connects_of_new_client_ids_get_only_the_sessions_left_and_a_refused_one_keeps_no_place()
    {
        const int MaxSessions = 4;
        const int Racing = 16;
        await using var broker = await Engines.StartAsync(Engines.Host, new Dictionary<string, string?>
        {
            ["EdgeBroker:MaxSessions"] = MaxSessions.ToString(),
            ["EdgeBroker:AccessKeys:0:Id"] = "AK",
            ["EdgeBroker:AccessKeys:0:Secret"] = "a-secret-of-28-characters-ok",
            ["EdgeBroker:Security:AllowAnonymous"] = "true",
            // One failed login makes every later answer to this address wait 1.5 s: the racing CONNECTs are all
            // admitted and authenticated before any reaches the core, the widest the window can be.
            ["EdgeBroker:Security:LoginThrottle:FailuresBeforeDelay"] = "1",
            ["EdgeBroker:Security:LoginThrottle:DelayMilliseconds"] = "1500",
        });
        Assert.Equal(0x04, await ConnectOnceAsync(broker, "guesser", "Signature|AK|edgebroker", "wrong"));

        var codes = await Task.WhenAll(Enumerable.Range(0, Racing).Select(i => ConnectOnceAsync(broker, $"racer-{i}")));

        Assert.Equal(MaxSessions, codes.Count(code => code == 0));
        Assert.Equal(Racing - MaxSessions, codes.Count(code => code == 0x03));

        // The racers' sessions end with their connections. CONNECTs refused for their credentials held a place while
        // they waited, and give it back: afterwards every place can be taken again, and no more.
        await Eventually.WaitUntilAsync(() => broker.Core!.SessionCount == 0, () => $"{broker.Core!.SessionCount} sessions left");
        var refused = await Task.WhenAll(Enumerable.Range(0, MaxSessions).Select(i => ConnectOnceAsync(broker, $"guess-{i}", "Signature|AK|edgebroker", "wrong")));
        Assert.All(refused, code => Assert.Equal(0x04, code));
        await using var kept = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, await kept.ConnectAsync("kept-0", cleanSession: false));
        var again = await Task.WhenAll(Enumerable.Range(1, MaxSessions).Select(i => ConnectOnceAsync(broker, $"kept-{i}", cleanSession: false)));
        Assert.Equal(MaxSessions - 1, again.Count(code => code == 0));
        Assert.Equal(1, again.Count(code => code == 0x03));
    }

    /// <summary>A CONNECT on a connection of its own, closed after the CONNACK; its return code.</summary>
    static async Task<int> ConnectOnceAsync(RunningBroker broker, string clientId, string? userName = null, string? password = null, bool cleanSession = true)
    {
        await using var connection = await RawMqttConnection.OpenAsync(broker);
        return await connection.ConnectAsync(clientId, cleanSession: cleanSession, userName: userName, password: password);
    }

    static Task PublishRetainedAsync(TestClient publisher, string topic, int payloadBytes, int userPropertyBytes = 0)
    {
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(new string('p', payloadBytes))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag();
        if (userPropertyBytes > 0)
        {
            // A value of NULs would be a malformed string property [MQTT-1.5.4-2], refused before it is retained.
            message.WithUserProperty("k", System.Text.Encoding.ASCII.GetBytes(new string('v', userPropertyBytes - 1)).AsMemory());
        }

        return publisher.Client.PublishAsync(message.Build());
    }
}
