using EdgeBroker.Firmware.Relay;
using EdgeBroker.Firmware.Relay.Settings;
using EdgeBroker.Relay.Tests.Support;
using Xunit.Abstractions;

namespace EdgeBroker.Relay.Tests.Measurements;

/// <summary>
/// The heap the relay's retained messages take: a client allowed to publish could pin 32 of the largest packets (only
/// the flash log's budget stopped it, at about 60 KB of the device's 50–110 KB heap, brought back from flash at every
/// start); <c>max_retained_bytes</c> bounds it, counted as the relay holds each message (<see cref="RetainedFootprint"/>).
/// Measured as <see cref="RelayMemoryTests"/> does: the live heap after collecting garbage, around PUBLISHes the relay
/// reads from real sockets on the test's thread; several relays at once, so that the heap's allocation granularity
/// (8 KB steps) averages out, and the least of a few rounds, as other threads of the test host allocate too.
/// </summary>
[Collection(MeasurementCollection.Name)]
public class RetainedMemoryTests(ITestOutputHelper output)
{
    const int Rounds = 3;
    const int RelaysPerRound = 8;

    [Fact]
    public void Thirty_two_retained_messages_of_4_KB_grow_the_heap_no_more_than_max_retained_bytes()
    {
        var settings = new RelaySettings();
        int bound = settings.MaxRetainedBytes;
        var bounded = LeastOfRounds(() => RetainLargestPackets(bound));
        var unbounded = LeastOfRounds(() => RetainLargestPackets(0));
        output.WriteLine($"32 retained PUBLISHes of {settings.MaxPacketSize} bytes: with max_retained_bytes = {bound} {bounded.Kept} kept, "
            + $"{bounded.Counted} bytes counted, heap +{bounded.Grown}; with no byte bound (before) {unbounded.Kept} kept (the flash "
            + $"log's budget), {unbounded.Counted} bytes counted, heap +{unbounded.Grown}");

        Assert.InRange(bounded.Counted, 1, bound);
        Assert.InRange(bounded.Grown, 1, bound);
        Assert.True(unbounded.Grown > 3 * bound, "without the bound the same PUBLISHes pin several times as much");
    }

    /// <summary><see cref="RetainedFootprint.PerMessageBytes"/> is the device's layout; on .NET the same objects must not
    /// take more than what is counted, or the bound would not bound the emulator's heap either.</summary>
    [Fact]
    public void What_is_counted_for_retained_messages_covers_the_heap_they_take()
    {
        const int Messages = 200;
        const string Topic = "sensors/{0:D3}/state";
        foreach (var payloadBytes in new[] { 1, 100, 1000 })
        {
            var round = LeastOfRounds(() => Retain(0, Messages, Topic, payloadBytes));
            long content = Messages * (string.Format(Topic, 0).Length + payloadBytes);
            output.WriteLine($"{Messages} retained messages of {payloadBytes} payload bytes: heap +{round.Grown}, counted {round.Counted} "
                + $"({(double)(round.Grown - content) / Messages:0.#} bytes a message beyond topic characters and payload on .NET, "
                + $"{(double)(round.Counted - content) / Messages:0.#} counted)");

            Assert.Equal(Messages, round.Kept);
            Assert.InRange(round.Grown, content, round.Counted);
        }
    }

    static Round LeastOfRounds(Func<Round> measure) =>
        Enumerable.Range(0, Rounds).Select(_ => measure()).MinBy(round => round.Grown);

    static Round RetainLargestPackets(int maxRetainedBytes)
    {
        // Topic r/00 … r/31: the fixed header takes 3 bytes, the topic's length 2.
        int payloadBytes = new RelaySettings().MaxPacketSize - 3 - 2 - "r/00".Length;
        return Retain(maxRetainedBytes, 32, "r/{0:D2}", payloadBytes);
    }

    /// <summary>What keeping <paramref name="messages"/> retained PUBLISHes of one client took of the heap of a fresh
    /// relay, with the device's defaults but for the byte bound (0: none): the average over <see cref="RelaysPerRound"/>.</summary>
    static Round Retain(int maxRetainedBytes, int messages, string topicFormat, int payloadBytes)
    {
        var payload = new string('p', payloadBytes);
        var relays = Enumerable.Range(0, RelaysPerRound).Select(_ => new SynchronousRelay(configure: settings =>
        {
            settings.MaxRetainedBytes = maxRetainedBytes;
            if (messages > settings.MaxRetainedMessages)
            {
                settings.MaxRetainedMessages = messages;
                settings.FlashStoreBytes = 16 * 1024 * 1024;
            }
        })).ToList();
        try
        {
            var publishers = relays.Select(relay => relay.Connect("publisher")).ToList();

            // What is made once: the relay's pooled buffer for a packet this large, the flash store's first index entries.
            string first = string.Format(topicFormat, 0);
            for (int r = 0; r < RelaysPerRound; r++)
            {
                relays[r].Handle(publishers[r].Client, publishers[r].Connection, Packets.Publish(first, payload, retain: true));
                relays[r].Handle(publishers[r].Client, publishers[r].Connection, Packets.Publish(first, "", retain: true));
            }

            long start = RelayMemoryTests.SettledHeap();
            for (int r = 0; r < RelaysPerRound; r++)
            {
                for (int i = 0; i < messages; i++)
                {
                    relays[r].Handle(publishers[r].Client, publishers[r].Connection, Packets.Publish(string.Format(topicFormat, i), payload, retain: true));
                }
            }

            long grown = RelayMemoryTests.SettledHeap() - start;
            var retained = relays[0].Context.Retained;
            Assert.All(relays, relay => Assert.Equal(retained.Bytes, relay.Context.Retained.Bytes));
            publishers.ForEach(publisher => publisher.Connection.Terminate());
            return new Round(retained.Count, retained.Bytes, grown / RelaysPerRound);
        }
        finally
        {
            relays.ForEach(relay => relay.Dispose());
        }
    }

    /// <summary>Messages kept, the bytes counted for them, and the live heap they added (one relay's).</summary>
    readonly record struct Round(int Kept, long Counted, long Grown);
}
