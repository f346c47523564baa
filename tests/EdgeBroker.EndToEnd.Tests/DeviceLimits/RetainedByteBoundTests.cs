using System.Text;
using EdgeBroker.EndToEnd.Tests.Infrastructure;
using EdgeBroker.Firmware.Relay;
using MQTTnet;

namespace EdgeBroker.EndToEnd.Tests.DeviceLimits;

/// <summary>
/// <c>max_retained_bytes</c>: what the device's retained messages may take of its heap (docs/firmware.md, "Device
/// limits"). A retained message beyond it is not kept but is delivered and acknowledged, as beyond
/// <c>max_retained_messages</c>; replacing a kept topic with a message no larger, or clearing it, always works.
/// </summary>
public sealed class RetainedByteBoundTests : IDisposable
{
    const string Publisher = "publisher";
    const int PayloadBytes = 1000;

    /// <summary>What the relay counts for one message of <see cref="Publisher"/>'s on state/a … state/d.</summary>
    static readonly int Each = "state/a".Length + PayloadBytes + RetainedFootprint.PerMessageBytes + Publisher.Length;

    /// <summary>Room for three such messages, not four.</summary>
    static readonly string RoomForThree = (3 * Each + Each / 2).ToString();

    static readonly string[] Topics = ["state/a", "state/b", "state/c", "state/d"];

    readonly DirectoryInfo _dataDir = Directory.CreateTempSubdirectory("edgebroker-retained-bound-");

    [Theory]
    [MemberData(nameof(Engines.WithDeviceLimits), MemberType = typeof(Engines))]
    public async Task Retained_messages_beyond_the_byte_bound_are_delivered_but_not_kept_and_kept_topics_can_shrink_or_clear(string engine)
    {
        await using var broker = await Engines.StartAsync(engine, new Dictionary<string, string?> { ["max_retained_bytes"] = RoomForThree });
        await using var live = await TestClient.ConnectAsync(broker, "live");
        await live.SubscribeAsync("state/#");
        await using var publisher = await TestClient.ConnectAsync(broker, Publisher);

        // QoS 1: each PublishAsync returns once the PUBACK came, the refused one's too.
        foreach (var topic in Topics)
        {
            await publisher.PublishAsync(topic, PayloadOf(topic), retain: true);
        }

        Assert.Equal(Topics.Select(PayloadOf), await live.ReceivePayloadsAsync(4));
        await live.ExpectNothingAsync();
        await ExpectRetainedAsync(broker, "first", "state/a", "state/b", "state/c");
        var retained = ((EmulatorEngine.RunningEmulator)broker).Gateway.Relay.Retained;
        Assert.Equal((1, 3L * Each), (retained.Refused, retained.Bytes));

        // A kept topic replaced by a smaller message makes room for the refused one.
        await publisher.PublishAsync("state/a", "small", retain: true);
        await publisher.PublishAsync("state/d", PayloadOf("state/d"), retain: true);
        Assert.Equal(["small", PayloadOf("state/d")], await live.ReceivePayloadsAsync(2));
        await ExpectRetainedAsync(broker, "second", Topics);

        foreach (var topic in Topics)
        {
            await publisher.PublishAsync(topic, "", retain: true);
        }

        await ExpectRetainedAsync(broker, "third");
        Assert.Equal((0, 0L), (retained.Count, retained.Bytes));
    }

    /// <summary>The retained messages live in the flash log too: the one the bound refused was never written there, so a
    /// restart without the bound (which loads everything the log holds) brings back only the kept ones.</summary>
    [Theory]
    [MemberData(nameof(Engines.WithDeviceLimits), MemberType = typeof(Engines))]
    public async Task A_retained_message_refused_by_the_byte_bound_is_not_in_the_flash_log_and_the_kept_ones_survive_a_restart(string engine)
    {
        await using (var broker = await Engines.StartAsync(engine, Settings(RoomForThree)))
        {
            await using var publisher = await TestClient.ConnectAsync(broker, Publisher);
            foreach (var topic in Topics)
            {
                await publisher.PublishAsync(topic, PayloadOf(topic), retain: true);
            }

            await ExpectRetainedAsync(broker, "before", "state/a", "state/b", "state/c");
        }

        var log = File.ReadAllBytes(Path.Combine(_dataDir.FullName, "edgebroker", "edgebroker.log"));
        Assert.True(Contains(log, PayloadOf("state/c")), "a kept message is in the log");
        Assert.False(Contains(log, PayloadOf("state/d")), "the refused message is not in the log");

        await using (var broker = await Engines.StartAsync(engine, Settings("0")))
        {
            await ExpectRetainedAsync(broker, "after", "state/a", "state/b", "state/c");
        }
    }

    public void Dispose() => _dataDir.Delete(recursive: true);

    Dictionary<string, string?> Settings(string maxRetainedBytes) => new()
    {
        [HostEngine.DataDirKey] = _dataDir.FullName,
        ["max_retained_bytes"] = maxRetainedBytes,
    };

    /// <summary>A payload of <see cref="PayloadBytes"/> that names its topic, so the flash log can be searched for it.</summary>
    static string PayloadOf(string topic) => ("payload of " + topic + " ").PadRight(PayloadBytes, '.');

    /// <summary>A new subscriber to state/# receives the retained messages of <paramref name="topics"/> and nothing
    /// else, each with the payload published last on it (<see cref="PayloadOf"/>, or "small").</summary>
    static async Task ExpectRetainedAsync(RunningBroker broker, string clientId, params string[] topics)
    {
        await using var newcomer = await TestClient.ConnectAsync(broker, clientId);
        await newcomer.SubscribeAsync("state/#");
        var received = new List<MqttApplicationMessage>();
        foreach (var _ in topics)
        {
            received.Add(await newcomer.ReceiveAsync());
        }

        await newcomer.ExpectNothingAsync();
        Assert.Equal(topics, received.Select(message => message.Topic).Order());
        Assert.All(received, message => Assert.True(message.Retain));
        Assert.All(received, message => Assert.Contains(message.ConvertPayloadToString(), new[] { PayloadOf(message.Topic), "small" }));
    }

    static bool Contains(byte[] bytes, string text) => bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(text)) >= 0;
}
