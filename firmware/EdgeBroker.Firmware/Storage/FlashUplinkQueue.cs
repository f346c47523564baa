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

        /// <summary>A federated P2P message addressed when it leaves the queue (<see cref="UplinkEntry.P2PHops"/>): its
        /// hop count follows the dedupe id as one byte. Entries written before never have it set.</summary>
        const int P2PFlag = 0x20;

        readonly object _sync;
        readonly RecordLog _log;

        /// <summary>The queued entries of each uplink that has some (the device has one): sequence, where the entry
        /// lies, its size, its <see cref="UplinkEntry.Size"/>, when it was queued.</summary>
        readonly MessageQueues _queues = new MessageQueues();

        /// <summary>The last sequence issued, to any uplink. It outlives the entries (a compaction writes it as
        /// <see cref="RecordKind.UplinkSequence"/>), so a sequence — and a resend's identity — is never issued twice.</summary>
        long _lastSequence;

        public FlashUplinkQueue(object sync, RecordLog log)
        {
            _sync = sync;
            _log = log;
        }

        public int LiveBytes
        {
            get { return _queues.RecordBytes; }
        }

        public bool Owns(RecordKind kind)
        {
            return kind >= RecordKind.UplinkPut && kind <= RecordKind.UplinkSequence;
        }

        public long Append(string uplink, UplinkEntry entry)
        {
            lock (_sync)
            {
                long sequence = _lastSequence + 1;
                RecordBuffer fields = _log.Begin(RecordKind.UplinkPut);
                fields.PutString(uplink);
                fields.PutInt64(sequence);
                fields.PutInt64(entry.EnqueuedAtMs);
                fields.PutString(entry.RemoteTopic);
                bool p2p = entry.P2PHops != UplinkEntry.NotP2P;
                fields.PutByte(entry.Qos | (entry.Retain ? RetainFlag : 0) | (p2p ? P2PFlag : 0));
                fields.PutString(entry.DedupeId);
                if (p2p)
                {
                    fields.PutByte(entry.P2PHops < 255 ? entry.P2PHops : 255);
                }
                int recordBytes = _log.PendingSize(entry.Payload.Length);
                if (!_log.HasRoomForMessage(recordBytes))
                {
                    return 0;
                }

                int offset;
                try
                {
                    offset = _log.AppendAt(entry.Payload, 0, entry.Payload.Length);
                }
                catch (Exception)
                {
                    // The log is rewritten before its next append; the publisher is not acknowledged for this entry.
                    return 0;
                }

                _lastSequence = sequence;
                entry.Sequence = sequence;
                _queues.Add(uplink, sequence, offset, recordBytes, (int)entry.Size, entry.EnqueuedAtMs);
                _log.CompactIfWorthwhile();
                return sequence;
            }
        }

        public int Read(string uplink, long afterSequence, int max, ArrayList into)
        {
            lock (_sync)
            {
                MessageQueue entries = Find(uplink);
                if (entries == null)
                {
                    return 0;
                }

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
                MessageQueue entries = Find(uplink);
                int index = entries == null ? -1 : entries.IndexOf(sequence);
                if (index < 0)
                {
                    return;
                }

                try
                {
                    ForgetAndPersist(entries, index);
                }
                catch (System.Exception)
                {
                    // The log cannot write (a full drive): the entry is forgotten here all the same, and the log says so
                    // once it can be rewritten (a failed write leaves it to be compacted first). Until then a restart
                    // sends the entry again, as IUplinkQueueStore.Remove allows — so a queue still drains on a full
                    // drive.
                }
            }
        }

        public long RemoveOldest(string uplink, long afterSequence)
        {
            lock (_sync)
            {
                MessageQueue entries = Find(uplink);
                for (int i = 0; entries != null && i < entries.Count; i++)
                {
                    long sequence = entries.IdAt(i);
                    if (sequence > afterSequence)
                    {
                        ForgetAndPersist(entries, i);
                        return sequence;
                    }
                }

                return 0;
            }
        }

        public int Count(string uplink)
        {
            lock (_sync)
            {
                MessageQueue entries = Find(uplink);
                return entries == null ? 0 : entries.Count;
            }
        }

        public long Bytes(string uplink)
        {
            lock (_sync)
            {
                MessageQueue entries = Find(uplink);
                return entries == null ? 0 : entries.QuotaBytes;
            }
        }

        public long OldestEnqueuedAtMs(string uplink)
        {
            lock (_sync)
            {
                MessageQueue entries = Find(uplink);
                return entries == null ? 0 : entries.TimeMsAt(0);
            }
        }

        public void Replay(RecordReader reader, int offset)
        {
            RecordBuffer fields = reader.Fields;
            if (reader.Kind == RecordKind.UplinkSequence)
            {
                RaiseLastSequence(fields.GetInt64());
                return;
            }

            string uplink = fields.GetString();
            long sequence = fields.GetInt64();
            if (reader.Kind == RecordKind.UplinkPut)
            {
                long enqueuedAtMs = fields.GetInt64();
                // The device's entries carry no MQTT 5 properties: they count 0.
                int size = (int)UplinkEntry.SizeOf(fields.GetString(), reader.PayloadLength, null);
                RaiseLastSequence(sequence);
                _queues.Add(uplink, sequence, offset, reader.Size, size, enqueuedAtMs);
                return;
            }

            MessageQueue entries = Find(uplink);
            int index = entries == null ? -1 : entries.IndexOf(sequence);
            if (index >= 0)
            {
                _queues.RemoveAt(entries, index);
            }
        }

        /// <summary>The last sequence issued (so sequences keep increasing once every entry is gone), then every queued
        /// entry copied as it is.</summary>
        public void WriteLive(LogCompactor compaction)
        {
            compaction.Writer.Begin(RecordKind.UplinkSequence).PutInt64(_lastSequence);
            compaction.Writer.Append(compaction.Target, null, 0, 0);
            _queues.CopyInto(compaction);
        }

        public void CommitRelocation()
        {
            _queues.CommitRelocation();
        }

        void RaiseLastSequence(long sequence)
        {
            if (sequence > _lastSequence)
            {
                _lastSequence = sequence;
            }
        }

        void ForgetAndPersist(MessageQueue entries, int index)
        {
            long sequence = entries.IdAt(index);
            string uplink = entries.ClientId;
            _queues.RemoveAt(entries, index);
            RecordBuffer fields = _log.Begin(RecordKind.UplinkRemove);
            fields.PutString(uplink);
            fields.PutInt64(sequence);
            _log.Persist();
        }

        UplinkEntry Load(MessageQueue entries, int index)
        {
            byte[] payload = _log.Load(entries.OffsetAt(index), true);
            RecordBuffer fields = _log.Reader.Fields;
            fields.SkipString();
            long sequence = fields.GetInt64();
            long enqueuedAtMs = fields.GetInt64();
            string remoteTopic = fields.GetString();
            int flags = fields.GetByte();
            UplinkEntry entry = new UplinkEntry(remoteTopic, payload, flags & QosMask, (flags & RetainFlag) != 0, fields.GetString(), enqueuedAtMs);
            entry.Sequence = sequence;
            if ((flags & P2PFlag) != 0)
            {
                entry.P2PHops = fields.GetByte();
            }

            return entry;
        }

        /// <summary>The uplink's queue, or null when it has no entries.</summary>
        MessageQueue Find(string uplink)
        {
            return _queues.Find(uplink);
        }
    }
}
