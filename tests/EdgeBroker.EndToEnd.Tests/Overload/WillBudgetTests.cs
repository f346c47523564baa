using EdgeBroker.EndToEnd.Tests.Infrastructure;
using EdgeBroker.Firmware.Relay;
using EdgeBroker.Host.Mqtt;
using MQTTnet;
using MQTTnet.Formatter;

namespace EdgeBroker.EndToEnd.Tests.Overload;

/// <summary>
/// The wills a broker holds take at most <c>MaxWillBytes</c> (device: <c>max_will_bytes</c>): a CONNECT whose will does
/// not fit is refused — MQTT 3.1.1 CONNACK 0x03, MQTT 5 0x97 — before anything of it is kept, logged once per address,
/// and the room comes back as a will is published or discarded. Before, 100 MQTT 5 wills of 925 KB held by connected
/// clients took the host from 70 to 231 MB.
/// </summary>
public sealed class WillBudgetTests
{
    const string WillTopic = "status/device";

    /// <summary>What a will on <see cref="WillTopic"/> with <paramref name="payloadBytes"/> counts on
    /// <paramref name="engine"/>: topic, payload and the engine's objects.</summary>
    internal static int Counted(string engine, int payloadBytes) =>
        WillTopic.Length + payloadBytes + (engine == Engines.Host ? ConnectWill.ExtraBytes : HeldMessage.ObjectBytes);

    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task A_will_beyond_the_budget_refuses_its_connect_until_a_held_will_is_published_or_discarded(string engine)
    {
        const int Payload = 1000;
        await using var broker = await Engines.StartAsync(engine, new Dictionary<string, string?>
        {
            ["EdgeBroker:MaxWillBytes"] = (2 * Counted(engine, Payload) + 10).ToString(),
        });
        await using var watcher = await TestClient.ConnectAsync(broker, "watcher");
        await watcher.SubscribeAsync("status/#");
        var will = new string('w', Payload);
        await using var lost = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, await lost.ConnectAsync("lost", willTopic: WillTopic, willPayload: will));
        await using var leaving = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, await leaving.ConnectAsync("leaving", willTopic: WillTopic, willPayload: will));
        Assert.Equal(2 * Counted(engine, Payload), broker.Core!.WillBytes);

        // Twice from the same address: refused both times, logged once. A CONNECT without a will is still served.
        for (var attempt = 0; attempt < 2; attempt++)
        {
            await using var refused = await RawMqttConnection.OpenAsync(broker);
            Assert.Equal(0x03, await refused.ConnectAsync("third", willTopic: WillTopic, willPayload: will));
            Assert.True(await refused.IsClosedByBrokerAsync(TimeSpan.FromSeconds(3)));
        }

        Assert.False(broker.Core.HasSession("third"));
        Assert.Single(broker.LoggedProblems, line => line.Contains("third") && line.Contains("will"));
        await using (var plain = await RawMqttConnection.OpenAsync(broker))
        {
            Assert.Equal(0, await plain.ConnectAsync("plain"));
        }

        // A normal DISCONNECT discards a will: its room is free again.
        await leaving.SendDisconnectAsync();
        await Eventually.WaitUntilAsync(() => broker.Core.WillBytes == Counted(engine, Payload), () => $"{broker.Core.WillBytes} bytes of wills held");
        await using var third = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, await third.ConnectAsync("third", willTopic: WillTopic, willPayload: will));

        // A lost connection publishes its will: its room too.
        lost.Abort();
        Assert.Equal(will, (await watcher.ReceiveAsync()).ConvertPayloadToString());
        await Eventually.WaitUntilAsync(() => broker.Core.WillBytes == Counted(engine, Payload), () => $"{broker.Core.WillBytes} bytes of wills held");
        await using var fourth = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, await fourth.ConnectAsync("fourth", willTopic: WillTopic, willPayload: will));
        await watcher.ExpectNothingAsync();
    }

    /// <summary>MQTT 5 wills of large user properties — the weight that used to go uncounted — are held to the budget
    /// by their footprint, and one waiting out its Will Delay Interval for an away session keeps its room until it is
    /// published.</summary>
    [Fact]
    public async Task Mqtt5_wills_count_their_user_properties_and_a_delayed_one_keeps_its_room_until_published()
    {
        await using var broker = await Engines.StartAsync(Engines.Host, new Dictionary<string, string?>
        {
            ["EdgeBroker:MaxWillBytes"] = (3 * 1024 * 1024).ToString(),
        });
        await using var watcher = await TestClient.ConnectAsync(broker, "watcher", MqttProtocolVersion.V500);
        await watcher.SubscribeAsync("status/#");
        var clients = new List<TestClient>();
        for (var i = 0; i < 10; i++)
        {
            var client = await HeavyClientAsync(broker, "heavy-" + i, delaySeconds: 2);
            if (client.ConnectResult.ResultCode != MqttClientConnectResultCode.Success)
            {
                Assert.Equal(MqttClientConnectResultCode.QuotaExceeded, client.ConnectResult.ResultCode);
                await client.DisposeAsync();
                break;
            }

            clients.Add(client);
        }

        // 2,000 user properties of 100 bytes each: 210 KB on the wire, 425 KB counted, so seven fit in 3 MiB.
        Assert.Equal(7, clients.Count);
        Assert.InRange(broker.Core!.WillBytes, 5 * 1024 * 1024 / 2, 3 * 1024 * 1024);
        // The refusal is logged after its CONNACK is sent: wait for the line, then see it is the only one.
        static bool Heavy7Refused(string line) => line.Contains("heavy-7") && line.Contains("MaxWillBytes");
        await Eventually.WaitUntilAsync(() => broker.LoggedProblems.Any(Heavy7Refused), () => "the refusal was not logged");
        Assert.Single(broker.LoggedProblems, Heavy7Refused);

        // A lost connection of a session that lives on: its will waits out its delay, still holding its room.
        var away = clients[0];
        clients.RemoveAt(0);
        var held = broker.Core.WillBytes;
        await away.Client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.DisconnectWithWillMessage).Build());
        await Eventually.WaitUntilAsync(() => !broker.IsConnected("heavy-0"), () => "heavy-0 is still connected");
        Assert.Equal(held, broker.Core.WillBytes);
        await using (var refused = await HeavyClientAsync(broker, "heavy-8", delaySeconds: 0))
        {
            Assert.Equal(MqttClientConnectResultCode.QuotaExceeded, refused.ConnectResult.ResultCode);
        }

        Assert.Equal("status/heavy-0", (await watcher.ReceiveAsync(TimeSpan.FromSeconds(10))).Topic);
        await Eventually.WaitUntilAsync(() => broker.Core.WillBytes < held, () => $"{broker.Core.WillBytes} bytes of wills held");
        var admitted = await HeavyClientAsync(broker, "heavy-8", delaySeconds: 0);
        Assert.Equal(MqttClientConnectResultCode.Success, admitted.ConnectResult.ResultCode);
        clients.Add(admitted);

        // Normal DISCONNECTs discard them all.
        foreach (var client in clients)
        {
            await client.DisposeAsync();
        }

        await Eventually.WaitUntilAsync(() => broker.Core.WillBytes == 0, () => $"{broker.Core.WillBytes} bytes of wills held after every client left");
        await watcher.ExpectNothingAsync();
    }

    /// <summary>A user property's value is a UTF-8 string [MQTT-1.5.7-1]: no U+0000.</summary>
    static readonly byte[] PropertyValue = [.. Enumerable.Repeat((byte)'v', 92)];

    /// <summary>An MQTT 5 client whose session outlives its connection by an hour, with a will on status/<paramref name="clientId"/>
    /// carrying 2,000 user properties.</summary>
    static Task<TestClient> HeavyClientAsync(RunningBroker broker, string clientId, uint delaySeconds) =>
        TestClient.ConnectAsync(broker, clientId, MqttProtocolVersion.V500, cleanStart: true, sessionExpiry: 3600, options =>
        {
            options.WithWillTopic("status/" + clientId).WithWillPayload("gone").WithWillDelayInterval(delaySeconds);
            for (var i = 0; i < 2000; i++)
            {
                options.WithWillUserProperty($"name{i:D4}", new ReadOnlyMemory<byte>(PropertyValue));
            }
        });
}
