using System.Collections;
using EdgeBroker.Core.Collections;

namespace EdgeBroker.Core.Uplink
{
    /// <summary>Uplink queues on the heap: the reference the durable stores are tested against, lost on restart.</summary>
    public sealed class MemoryUplinkQueueStore : IUplinkQueueStore
    {
        readonly object _sync = new object();
        readonly StringMap _queues = new StringMap(4);
        long _lastSequence;

        public long Append(string uplink, UplinkEntry entry)
        {
            lock (_sync)
            {
                Queue queue = QueueOf(uplink);
                _lastSequence++;
                entry.Sequence = _lastSequence;
                queue.Entries.Add(entry);
                queue.Bytes += entry.Size;
                return _lastSequence;
            }
        }

        public int Read(string uplink, long afterSequence, int max, ArrayList into)
        {
            lock (_sync)
            {
                Queue queue = QueueOf(uplink);
                int added = 0;
                for (int i = 0; i < queue.Entries.Count && added < max; i++)
                {
                    UplinkEntry entry = (UplinkEntry)queue.Entries[i];
                    if (entry.Sequence > afterSequence)
                    {
                        into.Add(entry);
                        added++;
                    }
                }

                return added;
            }
        }

        public void Remove(string uplink, long sequence)
        {
            lock (_sync)
            {
                Queue queue = QueueOf(uplink);
                for (int i = 0; i < queue.Entries.Count; i++)
                {
                    UplinkEntry entry = (UplinkEntry)queue.Entries[i];
                    if (entry.Sequence == sequence)
                    {
                        queue.Entries.RemoveAt(i);
                        queue.Bytes -= entry.Size;
                        return;
                    }

                    if (entry.Sequence > sequence)
                    {
                        return;
                    }
                }
            }
        }

        public long RemoveOldest(string uplink, long afterSequence)
        {
            lock (_sync)
            {
                Queue queue = QueueOf(uplink);
                for (int i = 0; i < queue.Entries.Count; i++)
                {
                    UplinkEntry oldest = (UplinkEntry)queue.Entries[i];
                    if (oldest.Sequence > afterSequence)
                    {
                        queue.Entries.RemoveAt(i);
                        queue.Bytes -= oldest.Size;
                        return oldest.Sequence;
                    }
                }

                return 0;
            }
        }

        public int Count(string uplink)
        {
            lock (_sync)
            {
                return QueueOf(uplink).Entries.Count;
            }
        }

        public long Bytes(string uplink)
        {
            lock (_sync)
            {
                return QueueOf(uplink).Bytes;
            }
        }

        public long OldestEnqueuedAtMs(string uplink)
        {
            lock (_sync)
            {
                Queue queue = QueueOf(uplink);
                return queue.Entries.Count == 0 ? 0 : ((UplinkEntry)queue.Entries[0]).EnqueuedAtMs;
            }
        }

        Queue QueueOf(string uplink)
        {
            Queue queue = (Queue)_queues.Get(uplink);
            if (queue == null)
            {
                queue = new Queue();
                _queues.Set(uplink, queue);
            }

            return queue;
        }

        sealed class Queue
        {
            public readonly ArrayList Entries = new ArrayList();
            public long Bytes;
        }
    }
}
