using System.Collections;

namespace EdgeBroker.Firmware.Storage
{
    /// <summary>
    /// The heap index of one log section's entries (<see cref="FlashOfflineStore"/>'s kept messages,
    /// <see cref="FlashUplinkQueue"/>'s outbound entries): a <see cref="MessageQueue"/> for each name that has entries, a
    /// client or an uplink, and the bytes those entries' records take in the log. A queue emptied by a removal leaves
    /// the list for <see cref="SpareQueues"/>. A gateway has a dozen clients and an uplink or two, so the list is
    /// searched; no hash table to enumerate on compaction. The store's lock is held around every call.
    /// </summary>
    internal sealed class MessageQueues
    {
        readonly ArrayList _queues = new ArrayList();
        readonly SpareQueues _spares = new SpareQueues();
        int _recordBytes;

        /// <summary>Bytes of the listed entries' records in the log (the section's <see cref="ILogSection.LiveBytes"/>).</summary>
        public int RecordBytes
        {
            get { return _recordBytes; }
        }

        /// <summary>The queue of <paramref name="name"/>, or null when it has no entries.</summary>
        public MessageQueue Find(string name)
        {
            for (int i = 0; i < _queues.Count; i++)
            {
                MessageQueue queue = (MessageQueue)_queues[i];
                if (queue.ClientId == name)
                {
                    return queue;
                }
            }

            return null;
        }

        /// <summary>Adds an entry at the end of <paramref name="name"/>'s queue, listing the queue if it is the name's
        /// first entry.</summary>
        public void Add(string name, long id, int offset, int recordBytes, int quotaBytes, long timeMs)
        {
            MessageQueue queue = Find(name);
            if (queue == null)
            {
                queue = _spares.Take(name);
                _queues.Add(queue);
            }

            queue.Add(id, offset, recordBytes, quotaBytes, timeMs);
            _recordBytes += recordBytes;
        }

        /// <summary>Removes the entry at <paramref name="index"/> of <paramref name="queue"/>; a queue left empty is
        /// unlisted and kept as a spare.</summary>
        public void RemoveAt(MessageQueue queue, int index)
        {
            _recordBytes -= queue.RecordBytesAt(index);
            queue.RemoveAt(index);
            if (queue.Count == 0)
            {
                _queues.Remove(queue);
                _spares.Return(queue);
            }
        }

        /// <summary>Removes the entry <paramref name="id"/> from whichever queue holds it (ids are unique across the
        /// section's names); false when none does.</summary>
        public bool Remove(long id)
        {
            for (int i = 0; i < _queues.Count; i++)
            {
                MessageQueue queue = (MessageQueue)_queues[i];
                int index = queue.IndexOf(id);
                if (index >= 0)
                {
                    RemoveAt(queue, index);
                    return true;
                }
            }

            return false;
        }

        /// <summary>Unlists <paramref name="queue"/> with every entry it holds (not a spare: it was not emptied one entry
        /// at a time and may have grown).</summary>
        public void Drop(MessageQueue queue)
        {
            _recordBytes -= queue.RecordBytes;
            _queues.Remove(queue);
        }

        /// <summary>Copies every listed entry into the compaction's new log, as it is.</summary>
        public void CopyInto(LogCompactor compaction)
        {
            for (int q = 0; q < _queues.Count; q++)
            {
                ((MessageQueue)_queues[q]).CopyInto(compaction);
            }
        }

        /// <summary>Takes the offsets the compaction gave the entries as theirs (the new log replaced the old).</summary>
        public void CommitRelocation()
        {
            for (int q = 0; q < _queues.Count; q++)
            {
                ((MessageQueue)_queues[q]).CommitRelocation();
            }
        }
    }
}
