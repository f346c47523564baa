using EdgeBroker.Firmware.Relay;
using EdgeBroker.Relay.Tests.Support;
using Xunit.Abstractions;

namespace EdgeBroker.Relay.Tests.Buffers;

/// <summary>
/// All but two of the device's clients stop reading while a publisher floods them (<see cref="SubscriberFlood"/>): the
/// relay's buffers stay within <c>max_buffer_bytes</c> beyond one message in hand per client, the publisher and the
/// subscriber that reads are served throughout, and what was refused is counted — dropped for the clean sessions, kept
/// in the store for the persistent one, which gets every message once it reads again.
/// </summary>
public class BufferBoundTests(ITestOutputHelper output)
{
    const int Stalled = 12;
    const int Messages = 300;
    const int PayloadBytes = 200;

    [Fact]
    public void Subscribers_that_stop_reading_hold_at_most_the_bound_while_the_others_are_served_and_refusals_are_counted()
    {
        var log = new RecordingLog();
        using var relay = new SynchronousRelay(maxClients: Stalled + 2, log: log, configure: settings =>
        {
            // Room in the store for every message of the persistent session: what the bound refuses must stay there.
            settings.MaxOfflineMessagesPerClient = 2 * Messages;
            settings.MaxOfflineBytesPerClient = 1024 * 1024;
            settings.FlashStoreBytes = 16 * 1024 * 1024;

            // Its backlog follows a second after the live deliveries it acknowledged, not five.
            settings.OfflineBatchIntervalSeconds = 1;
        });
        var pool = relay.Context.Buffers;
        var flood = new SubscriberFlood(relay, PayloadBytes);
        flood.ConnectStalled(Stalled, firstPersistent: true);

        // Beyond the bound: the next message of each subscriber (its queue's first) and the publisher's packet in hand.
        int buffer = pool.SizeFor(PayloadBytes + 20) + BufferPool.PerBufferBytes;
        int inHand = (Stalled + 2) * buffer;
        int mostHeld = 0;
        flood.Publish(0, Messages, afterEach: () => mostHeld = Math.Max(mostHeld, pool.HeldBytes));

        output.WriteLine($"{Stalled} stalled subscribers, {Messages} messages of {PayloadBytes} bytes: the pool held at most {mostHeld} bytes "
            + $"(bound {pool.MaxBytes}, packets in hand up to {inHand}); {pool.Refused} buffers refused");
        Assert.InRange(mostHeld, pool.MaxBytes - buffer + 1, pool.MaxBytes + inHand);
        Assert.True(pool.Refused > 0, "the bound refused nothing");
        Assert.Equal(Enumerable.Range(0, Messages), flood.ReaderReceived);
        Assert.Equal(Messages, relay.Store.Offline.Count(SubscriberFlood.PersistentId));
        Assert.Single(log.Warnings, line => line.Contains("message for the connection of client stalled-") && line.Contains("max_buffer_bytes (8192 bytes)"));

        var received = flood.ReadStalledAgain(new Housekeeping(relay.Context));

        // Every message a clean session did not get was dropped and counted; the persistent session got them all.
        var engineDropped = relay.Context.Core.Counters.EngineDropped;
        output.WriteLine($"clean sessions received {string.Join(", ", received.Skip(1).Select(messages => messages.Count))}, "
            + $"EngineDropped {engineDropped}; the persistent session {received[0].Count}");
        Assert.Equal((Stalled - 1) * Messages, received.Skip(1).Sum(messages => messages.Count) + engineDropped);
        Assert.All(received.Skip(1), messages => Assert.Equal(messages.Distinct().Order(), messages));
        Assert.Equal(Enumerable.Range(0, Messages), received[0]);
        Assert.Equal(0, relay.Store.Offline.Count(SubscriberFlood.PersistentId));
        Assert.InRange(pool.HeldBytes, 0, pool.MaxBytes);
        flood.EndStalled();
    }
}
