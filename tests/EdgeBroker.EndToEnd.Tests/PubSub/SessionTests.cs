using EdgeBroker.EndToEnd.Tests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace EdgeBroker.EndToEnd.Tests.PubSub;

/// <summary>Clean and persistent sessions, client IDs and takeover (MQTT 3.1.1 §3.1.2.4, §3.1.3.1, §3.1.4).</summary>
public sealed class SessionTests
{
    [Fact]
    public async Task The_hosts_expiry_sweep_leaves_a_session_whose_interval_has_not_passed()
    {
        // The sweep once compared .NET ticks with the core's milliseconds, so every away session expired at the first sweep.
        await using var broker = await Engines.StartAsync(Engines.Host, new Dictionary<string, string?>
        {
            ["EdgeBroker:SessionExpirySweepSeconds"] = "1",
        });
        var first = await TestClient.ConnectAsync(broker, "durable", MqttProtocolVersion.V500, cleanStart: false, sessionExpiry: 3600);
        await first.SubscribeAsync("alerts/#");
        await first.DisposeAsync();
        await using var publisher = await TestClient.ConnectAsync(broker, "publisher");
        await publisher.PublishAsync("alerts/door", "open");

        await Task.Delay(TimeSpan.FromSeconds(2.5));
        await using var back = await TestClient.ConnectAsync(broker, "durable", MqttProtocolVersion.V500, cleanStart: false, sessionExpiry: 3600);

        Assert.True(back.ConnectResult.IsSessionPresent);
        Assert.Equal("open", (await back.ReceiveAsync()).ConvertPayloadToString());
    }

    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task A_persistent_session_keeps_subscriptions_and_every_qos_while_away(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        var first = await TestClient.ConnectAsync(broker, "durable", cleanStart: false);
        await first.SubscribeAsync("alerts/#", MqttQualityOfServiceLevel.AtLeastOnce);
        await first.DisposeAsync();
        // Until the broker has read the DISCONNECT the session is still online, and a QoS 0 message goes to the closing
        // connection rather than the away queue (seen once in CI on a loaded machine).
        await Eventually.WaitUntilAsync(() => !broker.IsConnected("durable"), () => "durable is still connected after its DISCONNECT");
        await using var publisher = await TestClient.ConnectAsync(broker, "publisher");

        await publisher.PublishAsync("alerts/fire", "qos0", MqttQualityOfServiceLevel.AtMostOnce);
        await publisher.PublishAsync("alerts/flood", "qos1", MqttQualityOfServiceLevel.AtLeastOnce);

        // No SUBSCRIBE this time: the session remembered it, and the QoS 0 message queued while away is not lost on resume.
        await using var back = await TestClient.ConnectAsync(broker, "durable", cleanStart: false);
        Assert.True(back.ConnectResult.IsSessionPresent);
        Assert.Equal(["qos0", "qos1"], await back.ReceivePayloadsAsync(2));
        await publisher.PublishAsync("alerts/wind", "live");
        Assert.Equal("live", (await back.ReceiveAsync()).ConvertPayloadToString());
    }

    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task A_clean_session_forgets_subscriptions(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        var first = await TestClient.ConnectAsync(broker, "forgetful", cleanStart: false);
        await first.SubscribeAsync("alerts/#");
        await first.DisposeAsync();

        await using var clean = await TestClient.ConnectAsync(broker, "forgetful", cleanStart: true);
        Assert.False(clean.ConnectResult.IsSessionPresent);
        await using var publisher = await TestClient.ConnectAsync(broker, "publisher");
        await publisher.PublishAsync("alerts/fire", "nobody listens");

        await clean.ExpectNothingAsync();
    }

    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task Mqtt311_zero_length_client_id_is_accepted_with_clean_session_and_refused_without(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);

        await using (var clean = await RawMqttConnection.OpenAsync(broker))
        {
            Assert.Equal(0x00, await clean.ConnectAsync(string.Empty, cleanSession: true));
        }

        await using var persistent = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0x02, await persistent.ConnectAsync(string.Empty, cleanSession: false));
    }

    [Theory]
    [MemberData(nameof(Engines.WithMqtt5), MemberType = typeof(Engines))]
    public async Task Mqtt5_zero_length_client_id_gets_an_assigned_identifier(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);

        await using var client = await TestClient.ConnectAsync(broker, string.Empty, MqttProtocolVersion.V500);

        Assert.False(string.IsNullOrEmpty(client.ConnectResult.AssignedClientIdentifier));
    }

    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task A_second_connection_with_the_same_client_id_takes_the_session_over(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using var old = await TestClient.ConnectAsync(broker, "GID_x@@@dev");
        var oldDisconnected = new TaskCompletionSource();
        old.Client.DisconnectedAsync += _ =>
        {
            oldDisconnected.TrySetResult();
            return Task.CompletedTask;
        };

        await using var replacement = await TestClient.ConnectAsync(broker, "GID_x@@@dev");
        await oldDisconnected.Task.WaitAsync(TestClient.ReceiveTimeout);
        await using var sender = await TestClient.ConnectAsync(broker, "sender");
        await sender.PublishAsync("app/p2p/GID_x@@@dev", "to the new one");

        Assert.Equal("to the new one", (await replacement.ReceiveAsync()).ConvertPayloadToString());
        await old.ExpectNothingAsync();
    }
}
