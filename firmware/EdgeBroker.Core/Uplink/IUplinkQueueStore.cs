using System.Collections;

namespace EdgeBroker.Core.Uplink
{
    /// <summary>
    /// The durable FIFO of each uplink, keyed by the uplink's name. <see cref="Append"/> returns only once the entry
    /// is durable, because the local publisher is acknowledged after it; an entry stays until <see cref="Remove"/>
    /// (upstream acknowledged it) or <see cref="RemoveOldest"/> (dropped because the queue is full). Bounds are the
    /// uplink's business, not the store's. Implementations: <see cref="MemoryUplinkQueueStore"/>, SQLite (host),
    /// the flash log (device).
    /// </summary>
    public interface IUplinkQueueStore
    {
        /// <summary>Keeps <paramref name="entry"/> at the end of the uplink's queue and returns its sequence (&gt; 0,
        /// higher than every earlier one of the uplink), also set on the entry; 0 when the store cannot write.</summary>
        long Append(string uplink, UplinkEntry entry);

        /// <summary>Adds to <paramref name="into"/> up to <paramref name="max"/> entries with sequences above
        /// <paramref name="afterSequence"/>, oldest first; returns how many.</summary>
        int Read(string uplink, long afterSequence, int max, ArrayList into);

        /// <summary>Forgets one entry (no-op when it is gone already). Need not be durable before returning: an entry
        /// that comes back after a crash is sent again, and the dedupe id covers that.</summary>
        void Remove(string uplink, long sequence);

        /// <summary>Forgets the oldest entry with a sequence above <paramref name="afterSequence"/> and returns its
        /// sequence; 0 when there is none. The uplink passes the last sequence it sent, so an entry in flight (on its way
        /// to the upstream already) is never the one a full queue drops.</summary>
        long RemoveOldest(string uplink, long afterSequence);

        int Count(string uplink);

        /// <summary>The sum of <see cref="UplinkEntry.Size"/> over the queue.</summary>
        long Bytes(string uplink);

        /// <summary>When the oldest entry was queued (Unix ms), 0 when the queue is empty.</summary>
        long OldestEnqueuedAtMs(string uplink);
    }
}
