using System;
using System.Collections;
using EdgeBroker.Core.Uplink;

namespace EdgeBroker.Firmware.Storage
{
    /// <summary>
    /// The uplinks' outbound queues in the flash log, FIFO per uplink: an entry is appended and flushed before
    /// <see cref="Append"/> returns its sequence (so the local publisher is acknowledged only once the message is
    /// durable), and forgotten by a remove entry once the upstream acknowledged it. Only an index lives on the heap
    /// (<see cref="MessageQueue"/>, 28 bytes an entry); topic and payload are read back from flash when the entry is
    /// sent. Entries share the log's budget with offline and retained messages and are refused (0) when it is full.
    /// </summary>
    internal sealed class FlashUplinkQueue : IUplinkQueueStore, ILogSection
    {
        const int RetainFlag = 0x10;
        const int QosMask = 0x0F;

        readonly object _sync;
        readonly RecordLog _log;

        /// <summary><see cref="StoredUplink"/>s, one per uplink name ever used (the device has one or two).</summary>
        readonly ArrayList _uplinks = new ArrayList();

        int _liveBytes;

        public FlashUplinkQueue(object sync, RecordLog log)
        {
            _sync = sync;
            _log = log;
        }

        public int LiveBytes
        {
            get { return _liveBytes; }
        }

        public bool Owns(int kind)
        {
            return kind >= RecordKind.UplinkPut && kind <= RecordKind.UplinkSequence;
        }

        public long Append(string uplink, UplinkEntry entry)
        {
            lock (_sync)
            {
                StoredUplink stored = FindOrAdd(uplink);
                long sequence = stored.LastSequence + 1;
                RecordBuffer fields = _log.Begin(RecordKind.UplinkPut);
                fields.PutString(uplink);
                fields.PutInt64(sequence);
                fields.PutInt64(entry.EnqueuedAtMs);
                fields.PutString(entry.RemoteTopic);
                fields.PutByte(entry.Qos | (entry.Retain ? RetainFlag : 0));
                fields.PutString(entry.DedupeId);
                int payloadLength = entry.Payload == null ? 0 : entry.Payload.Length;
                int recordBytes = _log.PendingSize(payloadLength);
                if (!_log.HasRoomForMessage(recordBytes))
                {
                    return 0;
                }

                int offset;
                try
                {
                    offset = _log.AppendAt(entry.Payload, 0, payloadLength);
                }
                catch (Exception)
                {
                    // The log compacts before its next append; nothing was acknowledged for this entry.
                    return 0;
                }

                stored.LastSequence = sequence;
                stored.Entries.Add(sequence, offset, recordBytes, SizeOf(entry), entry.EnqueuedAtMs);
                _liveBytes += recordBytes;
                _log.CompactIfWorthwhile();
                return sequence;
            }
        }

        public int Read(string uplink, long afterSequence, int max, ArrayList into)
        {
            lock (_sync)
            {
                StoredUplink stored = Find(uplink);
                if (stored == null)
                {
                    return 0;
                }

                MessageQueue entries = stored.Entries;
                int added = 0;
                for (int i = 0; i < entries.Count && added < max; i++)
                {
                    if (entries.IdAt(i) > afterSequence)
                    {
                        into.Add(Load(entries, i));
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
                StoredUplink stored = Find(uplink);
                int index = stored == null ? -1 : stored.Entries.IndexOf(sequence);
                if (index >= 0)
                {
                    ForgetAndPersist(stored, index);
                }
            }
        }

        public long RemoveOldest(string uplink)
        {
            lock (_sync)
            {
                StoredUplink stored = Find(uplink);
                if (stored == null || stored.Entries.Count == 0)
                {
                    return 0;
                }

                long sequence = stored.Entries.IdAt(0);
                ForgetAndPersist(stored, 0);
                return sequence;
            }
        }

        public int Count(string uplink)
        {
            lock (_sync)
            {
                StoredUplink stored = Find(uplink);
                return stored == null ? 0 : stored.Entries.Count;
            }
        }

        public long Bytes(string uplink)
        {
            lock (_sync)
            {
                StoredUplink stored = Find(uplink);
                return stored == null ? 0 : stored.Entries.QuotaBytes;
            }
        }

        public long OldestEnqueuedAtMs(string uplink)
        {
            lock (_sync)
            {
                StoredUplink stored = Find(uplink);
                return stored == null || stored.Entries.Count == 0 ? 0 : stored.Entries.TimeMsAt(0);
            }
        }

        public void Replay(RecordReader reader, int offset)
        {
            RecordBuffer fields = reader.Fields;
            StoredUplink stored = FindOrAdd(fields.GetString());
            long sequence = fields.GetInt64();
            if (sequence > stored.LastSequence)
            {
                stored.LastSequence = sequence;
            }

            if (reader.Kind == RecordKind.UplinkPut)
            {
                long enqueuedAtMs = fields.GetInt64();
                int size = reader.PayloadLength + fields.SkipString();
                stored.Entries.Add(sequence, offset, reader.Size, size, enqueuedAtMs);
                _liveBytes += reader.Size;
            }
            else if (reader.Kind == RecordKind.UplinkRemove)
            {
                int index = stored.Entries.IndexOf(sequence);
                if (index >= 0)
                {
                    Forget(stored, index);
                }
            }
        }

        /// <summary>Each uplink's last sequence (so it keeps increasing once every entry is gone), then its entries
        /// copied as they are.</summary>
        public void WriteLive(LogCompactor compaction)
        {
            for (int u = 0; u < _uplinks.Count; u++)
            {
                StoredUplink stored = (StoredUplink)_uplinks[u];
                RecordBuffer fields = compaction.Writer.Begin(RecordKind.UplinkSequence);
                fields.PutString(stored.Name);
                fields.PutInt64(stored.LastSequence);
                compaction.Writer.Append(compaction.Target, null, 0, 0);
                MessageQueue entries = stored.Entries;
                entries.BeginRelocation();
                for (int i = 0; i < entries.Count; i++)
                {
                    entries.Relocate(i, compaction.CopyRecord(entries.OffsetAt(i), entries.RecordBytesAt(i)));
                }
            }
        }

        public void CommitRelocation()
        {
            for (int u = 0; u < _uplinks.Count; u++)
            {
                ((StoredUplink)_uplinks[u]).Entries.CommitRelocation();
            }
        }

        /// <summary>What an entry counts against the uplink's byte bound: its remote topic's characters and its payload
        /// (what replay finds again without decoding the topic).</summary>
        static int SizeOf(UplinkEntry entry)
        {
            return entry.RemoteTopic.Length + (entry.Payload == null ? 0 : entry.Payload.Length);
        }

        void ForgetAndPersist(StoredUplink stored, int index)
        {
            long sequence = stored.Entries.IdAt(index);
            Forget(stored, index);
            RecordBuffer fields = _log.Begin(RecordKind.UplinkRemove);
            fields.PutString(stored.Name);
            fields.PutInt64(sequence);
            _log.Persist();
        }

        void Forget(StoredUplink stored, int index)
        {
            _liveBytes -= stored.Entries.RecordBytesAt(index);
            stored.Entries.RemoveAt(index);
        }

        UplinkEntry Load(MessageQueue entries, int index)
        {
            byte[] payload = _log.Load(entries.OffsetAt(index), true);
            RecordBuffer fields = _log.Reader.Fields;
            fields.SkipString();
            UplinkEntry entry = new UplinkEntry();
            entry.Sequence = fields.GetInt64();
            entry.EnqueuedAtMs = fields.GetInt64();
            entry.RemoteTopic = fields.GetString();
            int flags = fields.GetByte();
            entry.Qos = flags & QosMask;
            entry.Retain = (flags & RetainFlag) != 0;
            entry.DedupeId = fields.GetString();
            entry.Payload = payload;
            return entry;
        }

        StoredUplink FindOrAdd(string uplink)
        {
            StoredUplink stored = Find(uplink);
            if (stored == null)
            {
                stored = new StoredUplink(uplink);
                _uplinks.Add(stored);
            }

            return stored;
        }

        StoredUplink Find(string uplink)
        {
            for (int i = 0; i < _uplinks.Count; i++)
            {
                StoredUplink stored = (StoredUplink)_uplinks[i];
                if (stored.Name == uplink)
                {
                    return stored;
                }
            }

            return null;
        }
    }
}
