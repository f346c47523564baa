using EdgeBroker.Firmware.Relay;
using EdgeBroker.Relay.Tests.Support;
using Xunit.Abstractions;

namespace EdgeBroker.Relay.Tests.Buffers;

/// <summary>
/// A clean session's full queue (<c>max_queued_messages_per_client</c>, <c>max_queued_bytes_per_client</c>) drops QoS 1
/// messages whose publisher was acknowledged — the documented bound, as mosquitto's <c>max_queued_messages</c>. Such a
/// drop is counted and logged (once, then at most once a minute), naming the receiver and whether its queue was full or
/// its connection closing; a QoS 0 message that gives way and a persistent session's message, which stays stored, are
/// not logged. Before, the emulator's benchmark lost 1 and
/// 64 acknowledged messages in two rounds without a line in its log.
/// </summary>
public class QueueFullDropTests(ITestOutputHelper output)
{
    const int Messages = 300;
    const int PayloadBytes = 200;

    [Fact]
    public void A_clean_sessions_full_queue_drops_QoS_1_messages_counted_and_logged_once_naming_the_receiver()
    {
        var log = new RecordingLog();
        using var relay = new SynchronousRelay(maxClients: 5, log: log, configure: settings =>
        {
            // Only the client's own queue refuses: the buffers' bound holds every queue full at once.
            settings.MaxBufferBytes = 1024 * 1024;
            settings.MaxOfflineMessagesPerClient = 2 * Messages;
            settings.MaxOfflineBytesPerClient = 1024 * 1024;
            settings.FlashStoreBytes = 16 * 1024 * 1024;
            settings.OfflineBatchIntervalSeconds = 1;
        });
        var flood = new SubscriberFlood(relay, PayloadBytes);

        // stalled-00: persistent at QoS 1 (kept in the store); stalled-01: clean at QoS 1; stalled-02: clean at QoS 0.
        flood.ConnectStalled(3, firstPersistent: true);
        flood.Publish(0, Messages);
        var received = flood.ReadStalledAgain(new Housekeeping(relay.Context));

        int qos1Dropped = Messages - received[1].Count;
        int qos0Dropped = Messages - received[2].Count;
        output.WriteLine($"clean QoS 1 receiver got {received[1].Count}, clean QoS 0 receiver {received[2].Count}, persistent {received[0].Count}; "
            + $"EngineDropped {relay.Context.Core.Counters.EngineDropped}");
        foreach (var warning in log.Warnings)
        {
            output.WriteLine("warn: " + warning);
        }

        Assert.InRange(qos1Dropped, 1, Messages - 1);
        Assert.InRange(qos0Dropped, 1, Messages - 1);
        Assert.Equal(qos1Dropped + qos0Dropped, relay.Context.Core.Counters.EngineDropped);
        Assert.Equal(Enumerable.Range(0, Messages), received[0]);
        var line = Assert.Single(log.Warnings);
        Assert.StartsWith("Dropped QoS 1 messages for client stalled-01, acknowledged to their publishers: its queue was full "
            + "(max_queued_messages_per_client 64 or max_queued_bytes_per_client 8192, or the buffers at max_buffer_bytes): it reads more "
            + "slowly than it is sent to and its clean session keeps nothing", line);
        Assert.EndsWith("(the first; further ones are logged at most once a minute, with their count)", line);
        flood.EndStalled();
    }

    /// <summary>A closing connection (taken over, past its deadline, ended by the housekeeping) refuses every message
    /// until its reader has ended it, as a full queue refuses them; the line says which, where it said "a full queue
    /// … or it was closing", so no one raises a queue bound for a client that was going away.</summary>
    [Fact]
    public void A_closing_connections_refusal_is_logged_as_its_closing_not_as_a_full_queue()
    {
        var log = new RecordingLog();
        using var relay = new SynchronousRelay(log: log);
        var publisher = relay.Connect("publisher");
        var leaving = relay.Connect("leaving");
        relay.Handle(leaving.Client, leaving.Connection, Packets.Subscribe(1, ("jobs/#", 1)));
        leaving.Connection.AwaitingPacket();
        leaving.Connection.Close();

        relay.Handle(publisher.Client, publisher.Connection, Packets.Publish("jobs/1", "one", qos: 1, packetId: 1));

        Assert.Equal(1, relay.Context.Core.Counters.EngineDropped);
        var line = Assert.Single(log.Warnings);
        output.WriteLine(line);
        Assert.StartsWith("Dropped QoS 1 messages for client leaving, acknowledged to their publishers: its connection was closing and "
            + "its clean session keeps nothing", line);
        leaving.Connection.Terminate();
        relay.Forget(leaving.Connection);
    }
}
