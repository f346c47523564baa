using EdgeBroker.Core.Uplink;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static EdgeBroker.Core.Tests.Uplink.UplinkFixture;

namespace EdgeBroker.Core.Tests.Uplink;

/// <summary>
/// FIFO and no loss under any interleaving of publishes, sends, acknowledgements (in any order) and connection losses,
/// against the memory store: what the upstream receives, with resends removed, is exactly the published sequence, in
/// order, and nothing is deleted before it was acknowledged.
/// </summary>
public class UplinkDeliveryProperties
{
    // 0 publish, 1 take and "send", 2 acknowledge one in-flight entry (chosen by the next step), 3 lose the connection.
    [Property(MaxTest = 300)]
    public bool Every_message_arrives_once_in_order_when_resends_are_dropped_by_dedupe_id(int[] steps, PositiveInt window)
    {
        var store = new MemoryUplinkQueueStore();
        var uplink = Connected(Settings(window: 1 + window.Get % 8, maxMessages: 100_000), store);
        var published = new List<string>();
        var upstream = new List<string>();
        var seenIds = new HashSet<string>();
        var unacknowledged = new List<UplinkEntry>();
        long now = 0;

        foreach (int step in steps ?? Array.Empty<int>())
        {
            switch ((step & 0x7fffffff) % 4)
            {
                case 0:
                    string payload = "m" + published.Count;
                    published.Add(payload);
                    uplink.Offer(Message("t", payload), now);
                    break;
                case 1:
                    foreach (var entry in Take(uplink))
                    {
                        if (seenIds.Add(entry.DedupeId))
                        {
                            upstream.Add(PayloadOf(entry));
                        }

                        unacknowledged.Add(entry);
                    }

                    break;
                case 2 when unacknowledged.Count > 0:
                    AcknowledgeOne(uplink, unacknowledged, step);
                    break;
                case 3:
                    now = LoseAndReconnect(uplink, unacknowledged, now);
                    break;
            }
        }

        // Drain: the acknowledgements still on their way arrive, then everything left is sent and acknowledged.
        unacknowledged.ForEach(entry => uplink.Acknowledged(entry.Sequence));
        for (int round = 0; round < published.Count + 2; round++)
        {
            foreach (var entry in Take(uplink))
            {
                if (seenIds.Add(entry.DedupeId))
                {
                    upstream.Add(PayloadOf(entry));
                }

                uplink.Acknowledged(entry.Sequence);
            }
        }

        return upstream.SequenceEqual(published) && store.Count("cloud") == 0;
    }

    // Steps as above, against a queue a few entries long: drop-oldest takes only entries not yet sent, so the window is
    // never exceeded, and each published message is either delivered, or counted as dropped or refused — never both.
    [Property(MaxTest = 300)]
    public bool Under_drop_oldest_the_window_holds_and_every_message_is_delivered_or_counted_once(int[] steps, PositiveInt window, PositiveInt bound)
    {
        int windowSize = 1 + window.Get % 4;
        var uplink = Connected(Settings(window: windowSize, maxMessages: 1 + bound.Get % 6));
        int published = 0;
        var upstream = new List<int>();
        var seenIds = new HashSet<string>();
        var unacknowledged = new List<UplinkEntry>();
        long now = 0;

        foreach (int step in steps ?? Array.Empty<int>())
        {
            switch ((step & 0x7fffffff) % 4)
            {
                case 0:
                    uplink.Offer(Message("t", (published++).ToString()), now);
                    break;
                case 1:
                    foreach (var entry in Take(uplink, now))
                    {
                        if (seenIds.Add(entry.DedupeId))
                        {
                            upstream.Add(int.Parse(PayloadOf(entry)));
                        }

                        unacknowledged.Add(entry);
                    }

                    if (unacknowledged.Count > windowSize || uplink.Status(now).InFlight > windowSize)
                    {
                        return false;
                    }

                    break;
                case 2 when unacknowledged.Count > 0:
                    AcknowledgeOne(uplink, unacknowledged, step);
                    break;
                case 3:
                    now = LoseAndReconnect(uplink, unacknowledged, now);
                    break;
            }
        }

        unacknowledged.ForEach(entry => uplink.Acknowledged(entry.Sequence));
        for (int round = 0; round < published + 2; round++)
        {
            foreach (var entry in Take(uplink, now))
            {
                if (seenIds.Add(entry.DedupeId))
                {
                    upstream.Add(int.Parse(PayloadOf(entry)));
                }

                uplink.Acknowledged(entry.Sequence);
            }
        }

        var status = uplink.Status(now);
        return upstream.SequenceEqual(upstream.Order()) && upstream.Count + status.Dropped + status.Refused == published
            && status.Acknowledged == upstream.Count && status.Queued == 0;
    }

    [Property(MaxTest = 200)]
    public bool The_queue_never_exceeds_its_bounds_and_keeps_the_newest_under_drop_oldest(PositiveInt count, PositiveInt bound)
    {
        int max = 1 + bound.Get % 20;
        var store = new MemoryUplinkQueueStore();
        var uplink = Connected(Settings(maxMessages: max), store);
        int total = count.Get % 100;
        for (int i = 0; i < total; i++)
        {
            uplink.Offer(Message("t", "m" + i), 0);
            if (store.Count("cloud") > max)
            {
                return false;
            }
        }

        var expected = Enumerable.Range(Math.Max(0, total - max), Math.Min(total, max)).Select(i => "m" + i);
        var drained = new List<string>();
        List<UplinkEntry> batch;
        while ((batch = Take(uplink)).Count > 0)
        {
            drained.AddRange(batch.Select(PayloadOf));
            batch.ForEach(entry => uplink.Acknowledged(entry.Sequence));
        }

        return drained.SequenceEqual(expected);
    }

    /// <summary>The upstream acknowledges one of the entries in flight, chosen by <paramref name="step"/>.</summary>
    static void AcknowledgeOne(Core.Uplink.Uplink uplink, List<UplinkEntry> unacknowledged, int step)
    {
        var acked = unacknowledged[(step >> 4 & 0xffff) % unacknowledged.Count];
        unacknowledged.Remove(acked);
        uplink.Acknowledged(acked.Sequence);
    }

    /// <summary>The connection is lost as a network loses it — once it was up a while: lost right after connecting,
    /// again and again with the same oldest entry, that entry would be taken as too large (UplinkTooLargeTests) — and
    /// made again; the lost connection's acknowledgements never come. Returns the new time.</summary>
    static long LoseAndReconnect(Core.Uplink.Uplink uplink, List<UplinkEntry> unacknowledged, long now)
    {
        unacknowledged.Clear();
        uplink.ConnectionLost("lost", now + ReconnectSchedule.StableConnectionMs);
        now += 1_000_000;
        uplink.NextConnect(now);
        uplink.Connected(now);
        return now;
    }
}
