using EdgeBroker.Core.Uplink;
using static EdgeBroker.Core.Tests.Uplink.UplinkFixture;

namespace EdgeBroker.Core.Tests.Uplink;

/// <summary>One queued message the upstream will never take must not hold up the queue (reviewer's D2).</summary>
public class UplinkTooLargeTests
{
    static (Core.Uplink.Uplink Uplink, MemoryUplinkQueueStore Store, List<string> Reports) NewUplink()
    {
        var store = new MemoryUplinkQueueStore();
        return (new Core.Uplink.Uplink(Settings(), store, new SeededRandomSource()), store, []);
    }

    /// <summary>The engine's part: sends <paramref name="entry"/> if the core says it fits, keeping what it dropped.</summary>
    static bool Fits(Core.Uplink.Uplink uplink, UplinkEntry entry, long packetBytes, List<string> reports)
    {
        var fits = uplink.Fits(entry, packetBytes, out var dropped);
        Assert.Equal(fits, dropped is null);
        if (dropped is not null)
        {
            reports.Add(dropped);
        }

        return fits;
    }

    static void Lose(Core.Uplink.Uplink uplink, string reason, long nowMs, List<string> reports)
    {
        if (uplink.ConnectionLost(reason, nowMs) is { } dropped)
        {
            reports.Add(dropped);
        }
    }

    static void Queue(Core.Uplink.Uplink uplink, params string[] payloads)
    {
        foreach (var payload in payloads)
        {
            Assert.Equal(UplinkOfferOutcome.Queued, uplink.Offer(Message("up/seq", payload), 0));
        }
    }

    static void Connect(Core.Uplink.Uplink uplink, long nowMs, int maximumPacketSize = 0)
    {
        Assert.NotNull(uplink.NextConnect(nowMs + uplink.WaitMs(nowMs)));
        uplink.Connected(nowMs, 16, maximumPacketSize);
    }

    [Fact]
    public void An_entry_over_the_announced_maximum_packet_size_is_dropped_counted_and_reported_and_the_rest_go()
    {
        var (uplink, store, reports) = NewUplink();
        Queue(uplink, "a", new string('x', 3000), "b");
        Connect(uplink, 0, maximumPacketSize: 1000);

        var sent = Take(uplink).Where(entry => Fits(uplink, entry, entry.Payload.Length + 20, reports)).ToList();

        Assert.Equal(new[] { "a", "b" }, sent.Select(PayloadOf));
        var status = uplink.Status(0);
        Assert.Equal((1L, 2, 2), (status.TooLarge, status.Queued, status.InFlight));
        Assert.Equal(2, store.Count("cloud"));
        var dropped = Assert.Single(reports);
        Assert.Contains("3020 bytes", dropped);
        Assert.Contains("Maximum Packet Size of 1000", dropped);
        Assert.Contains("\"tooLarge\":1", status.ToJson());

        // Not sent again after a reconnect: it is gone from the queue.
        Lose(uplink, "network", 1, reports);
        Connect(uplink, 2, maximumPacketSize: 1000);
        Assert.Equal(new[] { "a", "b" }, Take(uplink, 2).Select(PayloadOf));
    }

    [Fact]
    public void Without_an_announced_limit_every_entry_fits()
    {
        var (uplink, _, reports) = NewUplink();
        Queue(uplink, new string('x', 3000));
        Connect(uplink, 0);

        Assert.True(Fits(uplink, Assert.Single(Take(uplink)), 1_000_000, reports));
        Assert.Empty(reports);
        Assert.Equal(0, uplink.Status(0).TooLarge);
    }

    [Fact]
    public void The_oldest_entry_that_each_connection_is_lost_right_after_is_dropped_at_the_third_loss_and_the_queue_moves_on()
    {
        var (uplink, store, reports) = NewUplink();
        Queue(uplink, "a", "big", "b");
        long now = 0;
        Connect(uplink, now);
        var first = Take(uplink, now);
        uplink.Acknowledged(first[0].Sequence);

        // The upstream answered on this connection, so its loss proves nothing about "big".
        Lose(uplink, "the upstream closed the connection.", now += 10, reports);
        Assert.Equal(0, uplink.Status(now).TooLarge);

        for (int loss = 1; loss <= Core.Uplink.Uplink.LossesBeforeTooLarge; loss++)
        {
            now += 5000;
            Connect(uplink, now);
            Assert.Equal("big", PayloadOf(Take(uplink, now)[0]));
            Lose(uplink, "the upstream closed the connection.", now + 10, reports);
            var lastError = uplink.Status(now).LastError;
            // The transport's full stop goes: the sentence goes on.
            Assert.StartsWith("the upstream closed the connection", lastError);
            Assert.DoesNotContain("connection.", lastError);
            Assert.Contains("for up/seq, 3 bytes of payload", lastError);
            if (loss < Core.Uplink.Uplink.LossesBeforeTooLarge)
            {
                Assert.Contains($"{loss} of 3 times in a row", lastError);
                Assert.Empty(reports);
            }
            else
            {
                Assert.Contains("dropped a message", lastError);
                Assert.Contains("too large for the upstream", lastError);
            }
        }

        var dropped = Assert.Single(reports);
        Assert.Contains("closed the connection right after it 3 times in a row", dropped);
        Assert.Equal((1L, 1), (uplink.Status(now).TooLarge, store.Count("cloud")));

        now += 5000;
        Connect(uplink, now);
        Assert.Equal(new[] { "b" }, Take(uplink, now).Select(PayloadOf));
    }

    [Fact]
    public void Losses_after_an_acknowledgement_or_of_a_stable_connection_start_the_count_again()
    {
        var (uplink, _, reports) = NewUplink();
        Queue(uplink, "a", "b", "c");
        long now = 0;

        void LoseRightAfter(string expectedHead, long upForMs, bool acknowledgeSecond = false)
        {
            now += 100_000;
            Connect(uplink, now);
            var taken = Take(uplink, now);
            Assert.Equal(expectedHead, PayloadOf(taken[0]));
            if (acknowledgeSecond)
            {
                uplink.Acknowledged(taken[1].Sequence);
            }

            Lose(uplink, "network", now + upForMs, reports);
        }

        LoseRightAfter("a", 10);
        LoseRightAfter("a", 10);
        LoseRightAfter("a", ReconnectSchedule.StableConnectionMs); // up long enough: not right after it
        LoseRightAfter("a", 10);
        LoseRightAfter("a", 10, acknowledgeSecond: true); // the upstream answered on it
        LoseRightAfter("a", 10);
        LoseRightAfter("a", 10);
        Assert.Empty(reports);
        Assert.Equal(2, uplink.Status(now).Queued);

        LoseRightAfter("a", 10);
        Assert.Single(reports);
        Assert.Equal(1, uplink.Status(now).Queued);
    }
}
