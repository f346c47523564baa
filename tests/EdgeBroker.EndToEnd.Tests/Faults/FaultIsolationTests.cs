using EdgeBroker.Core;
using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Sessions;
using EdgeBroker.EndToEnd.Tests.Infrastructure;
using MQTTnet.Protocol;

namespace EdgeBroker.EndToEnd.Tests.Faults;

/// <summary>
/// A fault of the broker's own (not the client's) where the engines run the core: while handling one client's PUBLISH
/// (the relay's reader thread, the host's MQTTnet handler) and in the periodic tick (the relay's housekeeping thread,
/// the host's timer). The fault is injected through the core's own callback, <see cref="IClientConnection.Send"/>, by a
/// session the test registers in the core. Each fault is logged once, with where it happened, and the broker keeps
/// serving everyone else.
/// </summary>
public class FaultIsolationTests
{
    const string Injected = "injected fault";

    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task A_fault_while_handling_a_publish_ends_that_connection_only_and_is_logged_once(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        var core = broker.Core!;
        var faulty = new FaultyConnection { Mode = FaultyConnection.Behaviour.Throw };
        SignIn(broker, "faulty");
        core.Connect("faulty", cleanStart: true, sessionExpirySeconds: 0, faulty);
        Assert.Equal(0, core.Subscribe("faulty", "fault/#", 0, false, false, 0));

        await using var bystander = await TestClient.ConnectAsync(broker, "bystander");
        await bystander.SubscribeAsync("news/#");
        await using var publisher = await TestClient.ConnectAsync(broker, "publisher");

        // The core hands the message to the faulty session, which throws inside the publisher's handling.
        await publisher.PublishAsync("fault/now", "boom", MqttQualityOfServiceLevel.AtMostOnce);
        await Eventually.WaitUntilAsync(() => Count(broker.LoggedProblems, Injected) > 0, () => "the fault was not logged");

        await using var other = await TestClient.ConnectAsync(broker, "other");
        await other.PublishAsync("news/1", "still serving");
        Assert.Equal("still serving", (await bystander.ReceivePayloadsAsync(1))[0]);
        Assert.Equal(1, Count(broker.LoggedProblems, Injected));
        Assert.Contains(broker.LoggedProblems, line => line.Contains(Injected) && line.Contains("publisher"));
    }

    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task A_fault_in_the_periodic_tick_is_logged_once_and_the_tick_carries_on(string engine)
    {
        await using var broker = await Engines.StartAsync(engine, new Dictionary<string, string?>
        {
            ["EdgeBroker:OfflineBatchIntervalSeconds"] = "1",
        });
        var core = broker.Core!;

        // A persistent session away while a message for it arrives: it is kept for the session.
        var away = new FaultyConnection();
        SignIn(broker, "faulty");
        core.Connect("faulty", cleanStart: true, sessionExpirySeconds: 3600, away);
        Assert.Equal(1, core.Subscribe("faulty", "fault/#", 1, false, false, 0));
        core.Disconnect("faulty", away, 3600);
        await using var publisher = await TestClient.ConnectAsync(broker, "publisher");
        await publisher.PublishAsync("fault/kept", "kept");

        // Back on a connection whose queue is full: the kept message waits for the tick's next batch, which throws.
        var faulty = new FaultyConnection { Mode = FaultyConnection.Behaviour.Full };
        core.Connect("faulty", cleanStart: false, sessionExpirySeconds: 3600, faulty);
        faulty.Mode = FaultyConnection.Behaviour.Throw;
        await Eventually.WaitUntilAsync(() => faulty.Faults >= 3, () => "the tick tried the batch " + faulty.Faults + " times");

        await using var subscriber = await TestClient.ConnectAsync(broker, "subscriber");
        await subscriber.SubscribeAsync("news/#");
        await publisher.PublishAsync("news/1", "still serving");
        Assert.Equal("still serving", (await subscriber.ReceivePayloadsAsync(1))[0]);

        // The tick carries on: once the fault is gone, it delivers.
        faulty.Mode = FaultyConnection.Behaviour.Accept;
        await Eventually.WaitUntilAsync(() => faulty.Delivered.Contains("fault/kept"), () => "the tick stopped after the fault");
        Assert.Equal(1, Count(broker.LoggedProblems, Injected));
        core.Disconnect("faulty", faulty, 0);
    }

    /// <summary>The firmware's access policy admits only clients its security signed in (anonymously here, as the
    /// emulator admits anonymous clients on loopback); the host without access keys admits everyone.</summary>
    static void SignIn(RunningBroker broker, string clientId)
    {
        if (broker is EmulatorEngine.RunningEmulator emulator)
        {
            Assert.True(emulator.Gateway.Relay.Security.Authenticate(clientId, null, null, "127.0.0.1", Clock.NowMs(), Clock.MonotonicMs()).IsAccepted);
        }
    }

    static int Count(IReadOnlyList<string> lines, string text) => lines.Count(line => line.Contains(text));

    /// <summary>A session's connection as the core sees it, whose delivery throws, refuses (a full queue) or records.</summary>
    sealed class FaultyConnection : IClientConnection
    {
        public enum Behaviour
        {
            Accept,
            Full,
            Throw,
        }

        int _faults;

        public volatile Behaviour Mode;

        public System.Collections.Concurrent.ConcurrentQueue<string> Delivered { get; } = new();

        public int Faults => Volatile.Read(ref _faults);

        public string ChannelId => "0000000000000000000000000000fa17";

        public string ClientAddress => "127.0.0.1:64023";

        public void ResendWith(PacketIdentifiers resends)
        {
        }

        public void CopyUnacknowledged(PacketIdentifiers into)
        {
        }

        public bool Send(RoutedMessage message, int qos, bool retain, int[] subscriptionIdentifiers, long deliveryTag, bool duplicate)
        {
            switch (Mode)
            {
                case Behaviour.Throw:
                    Interlocked.Increment(ref _faults);
                    throw new InvalidOperationException(Injected);
                case Behaviour.Full:
                    return false;
                default:
                    Delivered.Enqueue(message.Topic);
                    return true;
            }
        }
    }
}
