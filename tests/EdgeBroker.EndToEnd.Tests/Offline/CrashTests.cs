using System.Diagnostics;
using EdgeBroker.EndToEnd.Tests.Infrastructure;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeBroker.EndToEnd.Tests.Offline;

/// <summary>
/// Nothing acknowledged is ever lost: the broker runs as a child process and is killed with SIGKILL at random moments
/// while a publisher sends QoS 1 P2P messages to an away device; after each kill it restarts on the same data directory.
/// At the end the device reconnects and must receive every message whose PUBACK the publisher got — in order, a
/// message seen twice only with DUP set. Run against both programs: the host, and the firmware emulator, where a kill
/// stands in for the gateway losing power.
/// </summary>
public sealed class CrashTests : IDisposable
{
    const string Device = "GID_sensors@@@battery";
    const string Topic = "app/p2p/" + Device;
    const int Rounds = 4;

    /// <summary>Acknowledgements each round waits for before its random delay to the kill, so a slow (loaded) machine
    /// still has the test prove something.</summary>
    const int MinimumPerRound = 10;

    static readonly string EmulatorDll = Path.Combine(AppContext.BaseDirectory, "EdgeBroker.Emulator.dll");

    readonly DirectoryInfo _dataDir = Directory.CreateTempSubdirectory("edgebroker-crash-");
    readonly int _port = FreePorts.Next();

    [Theory]
    [MemberData(nameof(Engines.Durable), MemberType = typeof(Engines))]
    public async Task Every_acknowledged_message_survives_repeated_kill_minus_9(string engine)
    {
        var random = new Random();
        var acknowledged = new List<int>();
        var next = 0;
        await RegisterDeviceAsync(engine);

        for (var round = 0; round < Rounds; round++)
        {
            await using var broker = await StartBrokerAsync(engine);
            using var publisher = await ConnectAsync("GID_app@@@publisher", cleanStart: true);
            var killer = KillAfterAcknowledgementsAsync(broker, () => Count(acknowledged), Count(acknowledged) + MinimumPerRound, random.Next(100, 600));
            await PublishUntilKilledAsync(publisher, () => next++, acknowledged);
            await killer;
        }

        Assert.True(acknowledged.Count > 20, $"only {acknowledged.Count} messages were acknowledged before the kills; the test proves little");
        await AssertDeviceReceivesAsync(engine, new Dictionary<string, List<int>> { ["GID_app@@@publisher"] = acknowledged });
    }

    /// <summary>Group commit: many publishers at once, so the host's SQLite transactions each hold several of their
    /// messages, and the kill lands while batches are being written. A message is acknowledged only after the commit
    /// that holds it; what was acknowledged survives, each publisher's order kept.</summary>
    [Theory]
    [MemberData(nameof(Engines.Durable), MemberType = typeof(Engines))]
    public async Task Every_acknowledged_message_of_concurrent_publishers_survives_kill_minus_9_mid_batch(string engine)
    {
        const int Publishers = 8;
        const int MinimumAcknowledged = 200;
        var acknowledged = Enumerable.Range(0, Publishers).ToDictionary(i => $"GID_app@@@publisher-{i}", _ => new List<int>());
        await RegisterDeviceAsync(engine);

        await using (var broker = await StartBrokerAsync(engine))
        {
            var publishers = await Task.WhenAll(acknowledged.Keys.Select(clientId => ConnectAsync(clientId, cleanStart: true)));
            var killer = KillAfterAcknowledgementsAsync(broker, () => Total(acknowledged), MinimumAcknowledged, new Random().Next(0, 200));
            await Task.WhenAll(publishers.Select(publisher =>
            {
                var next = 0;
                return PublishUntilKilledAsync(publisher, () => next++, acknowledged[publisher.Options.ClientId]);
            }));
            await killer;
            foreach (var publisher in publishers)
            {
                publisher.Dispose();
            }
        }

        Assert.True(Total(acknowledged) >= MinimumAcknowledged, "too few messages were acknowledged before the kill; the test proves little");
        await AssertDeviceReceivesAsync(engine, acknowledged);
    }

    /// <summary>One publisher with many QoS 1 PUBLISHes in flight: the host reads its next PUBLISH while earlier ones
    /// commit, so one SQLite transaction holds several of its messages and their PUBACKs wait for that commit; the
    /// kill lands while they do. What was acknowledged survives, in order.</summary>
    [Theory]
    [MemberData(nameof(Engines.Durable), MemberType = typeof(Engines))]
    public Task Every_acknowledged_message_of_a_publisher_with_many_in_flight_survives_kill_minus_9(string engine) =>
        KillWithManyInFlightAsync(engine, synchronousFull: false);

    /// <summary>The same with the host's <c>SqliteSynchronous: Full</c> (a sync per group commit): the other setting an
    /// operator may choose, and the one whose commits take longest, so the most PUBACKs wait when the kill lands.</summary>
    [Fact]
    public Task Every_acknowledged_message_of_a_publisher_with_many_in_flight_survives_kill_minus_9_with_synchronous_full() =>
        KillWithManyInFlightAsync(Engines.Host, synchronousFull: true);

    async Task KillWithManyInFlightAsync(string engine, bool synchronousFull)
    {
        const int Window = 64;
        const int MinimumAcknowledged = 500;
        var acknowledged = new List<int>();
        await RegisterDeviceAsync(engine);

        await using (var broker = await StartBrokerAsync(engine, synchronousFull))
        {
            using var publisher = await ConnectAsync("GID_app@@@pipeline", cleanStart: true);
            var killer = KillAfterAcknowledgementsAsync(broker, () => Count(acknowledged), MinimumAcknowledged, new Random().Next(0, 100));
            using var slots = new SemaphoreSlim(Window);
            var publishes = new List<Task>();
            for (var sequence = 0; !killer.IsCompleted; sequence++)
            {
                await slots.WaitAsync();
                publishes.Add(PublishThenReleaseAsync(publisher, sequence, acknowledged, slots));
            }

            await Task.WhenAll(publishes);
        }

        Assert.True(Count(acknowledged) >= MinimumAcknowledged, "too few messages were acknowledged before the kill; the test proves little");
        await AssertDeviceReceivesAsync(engine, new Dictionary<string, List<int>> { ["GID_app@@@pipeline"] = acknowledged });
    }

    static async Task PublishThenReleaseAsync(IMqttClient publisher, int sequence, List<int> acknowledged, SemaphoreSlim slots)
    {
        try
        {
            await PublishAsync(publisher, sequence, acknowledged);
        }
        finally
        {
            slots.Release();
        }
    }

    /// <summary>Kills the broker <paramref name="delayMs"/> after <paramref name="acknowledged"/> reached
    /// <paramref name="minimum"/> (or after 30 s), whatever the machine's load.</summary>
    static async Task KillAfterAcknowledgementsAsync(ProcessRunner broker, Func<int> acknowledged, int minimum, int delayMs)
    {
        var waited = Stopwatch.StartNew();
        while (acknowledged() < minimum && waited.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(5);
        }

        await Task.Delay(delayMs);
        Kill(broker);
    }

    static int Total(Dictionary<string, List<int>> acknowledged) => acknowledged.Values.Sum(Count);

    static int Count(List<int> acknowledged)
    {
        lock (acknowledged)
        {
            return acknowledged.Count;
        }
    }

    async Task RegisterDeviceAsync(string engine)
    {
        await using var broker = await StartBrokerAsync(engine);
        using var device = await ConnectAsync(Device, cleanStart: false);
        await device.DisconnectAsync();
    }

    /// <summary>Publishes QoS 1 P2P messages to the away device, numbered by <paramref name="next"/>, one PUBACK at a
    /// time, until the broker dies; adds each acknowledged number to <paramref name="acknowledged"/>.</summary>
    static async Task PublishUntilKilledAsync(IMqttClient publisher, Func<int> next, List<int> acknowledged)
    {
        while (await PublishAsync(publisher, next(), acknowledged))
        {
        }
    }

    /// <summary>Publishes message <paramref name="sequence"/> (QoS 1, P2P to the away device) and adds it to
    /// <paramref name="acknowledged"/> once its PUBACK came; false when the broker died under it.</summary>
    static async Task<bool> PublishAsync(IMqttClient publisher, int sequence, List<int> acknowledged)
    {
        var clientId = publisher.Options.ClientId;
        try
        {
            var result = await publisher.PublishAsync(new MqttApplicationMessageBuilder()
                .WithTopic(Topic).WithPayload($"{clientId} {sequence}").WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
            if (result.IsSuccess)
            {
                lock (acknowledged)
                {
                    acknowledged.Add(sequence);
                }
            }

            return true;
        }
        catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException or ObjectDisposedException)
        {
            // The broker died under the publisher: whatever was acknowledged so far must survive.
            return false;
        }
    }

    /// <summary>Restarts the broker; the device reconnects and must receive every acknowledged message of every
    /// publisher, in each publisher's order, a repeat only with DUP set.</summary>
    async Task AssertDeviceReceivesAsync(string engine, Dictionary<string, List<int>> acknowledged)
    {
        await using var broker = await StartBrokerAsync(engine);
        var received = new List<(string Publisher, int Sequence, bool Duplicate)>();
        var allArrived = new TaskCompletionSource();
        var expected = acknowledged.SelectMany(publisher => publisher.Value.Select(sequence => (publisher.Key, sequence))).ToHashSet();
        using var device = new MqttClientFactory().CreateMqttClient();
        device.ApplicationMessageReceivedAsync += e =>
        {
            var parts = e.ApplicationMessage.ConvertPayloadToString().Split(' ');
            lock (received)
            {
                received.Add((parts[0], int.Parse(parts[1]), e.ApplicationMessage.Dup));
                if (expected.IsSubsetOf(received.Select(r => (r.Publisher, r.Sequence))))
                {
                    allArrived.TrySetResult();
                }
            }

            return Task.CompletedTask;
        };
        await device.ConnectAsync(Options(Device, cleanStart: false));

        // Until everything arrived, or nothing more for 10 s: a long backlog on a loaded machine takes a while.
        var lastCount = -1;
        while (!allArrived.Task.IsCompleted)
        {
            await Task.WhenAny(allArrived.Task, Task.Delay(TimeSpan.FromSeconds(10)));
            int count;
            lock (received)
            {
                count = received.Count;
            }

            if (count == lastCount)
            {
                break;
            }

            lastCount = count;
        }

        lock (received)
        {
            var missing = expected.Except(received.Select(r => (r.Publisher, r.Sequence))).ToList();
            Assert.True(missing.Count == 0, $"{missing.Count} acknowledged messages were lost, e.g. {string.Join(", ", missing.Take(10))}");
            var seen = new HashSet<(string, int)>();
            var last = new Dictionary<string, int>();
            foreach (var (publisher, sequence, duplicate) in received)
            {
                if (!seen.Add((publisher, sequence)))
                {
                    Assert.True(duplicate, $"message {sequence} of {publisher} arrived twice without DUP");
                    continue;
                }

                Assert.True(sequence > last.GetValueOrDefault(publisher, -1), $"message {sequence} of {publisher} arrived after {last.GetValueOrDefault(publisher)}");
                last[publisher] = sequence;
            }
        }
    }

    /// <summary>The quotas (and on the firmware the store's size) are raised so that every refusal would be a
    /// durability failure, not a full quota: a 3.1.1 publisher is acknowledged even when its message is refused. The
    /// host's HTTP API takes a free port: on its default, 8080, a second broker on the machine makes it exit after its
    /// MQTT listener is already up.</summary>
    async Task<ProcessRunner> StartBrokerAsync(string engine, bool synchronousFull = false)
    {
        var broker = engine == Engines.Host
            ? ProcessRunner.Start(
                new Dictionary<string, string>
                {
                    ["EdgeBroker__MaxOfflineMessagesPerClient"] = "1000000",
                    ["EdgeBroker__SqliteSynchronous"] = synchronousFull ? "Full" : "Normal",
                },
                "dotnet", HostProgram.Dll, "--port", _port.ToString(), "--data-dir", _dataDir.FullName, "--http-port", "0")
            : StartEmulator();
        await broker.WaitForOutputAsync(TimeSpan.FromSeconds(20), "MQTT listener on");
        return broker;
    }

    ProcessRunner StartEmulator()
    {
        File.WriteAllLines(Path.Combine(_dataDir.FullName, "edgebroker.conf"),
        [
            "max_offline_messages_per_client = 100000",
            "max_offline_bytes_per_client = 16777216",
            "flash_store_bytes = 16777216",
        ]);
        return ProcessRunner.Start("dotnet", EmulatorDll, "--port", _port.ToString(), "--data-dir", _dataDir.FullName);
    }

    static void Kill(ProcessRunner broker) => Process.GetProcessById(broker.ProcessId).Kill();

    async Task<IMqttClient> ConnectAsync(string clientId, bool cleanStart)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(Options(clientId, cleanStart));
        return client;
    }

    MqttClientOptions Options(string clientId, bool cleanStart) => new MqttClientOptionsBuilder()
        .WithTcpServer("127.0.0.1", _port)
        .WithClientId(clientId)
        .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V311)
        .WithCleanSession(cleanStart)
        .WithTimeout(TimeSpan.FromSeconds(5))
        .Build();

    public void Dispose() => _dataDir.Delete(recursive: true);
}
