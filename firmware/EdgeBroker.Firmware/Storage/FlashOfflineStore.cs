using System.Collections;
using EdgeBroker.Core;
using EdgeBroker.Core.Offline;
using EdgeBroker.Core.Routing;

namespace EdgeBroker.Firmware.Storage
{
    /// <summary>
    /// Offline messages in the flash log, with the rules of <see cref="MemoryOfflineStore"/>: per-client quota by count
    /// and bytes, oldest first, expired messages dropped (and forgotten) when read. Only an index lives on the heap
    /// (<see cref="MessageQueue"/>); a message's topic and payload are read back from flash when it is delivered.
    /// Every change is appended and flushed before the call returns.
    /// </summary>
    internal sealed class FlashOfflineStore : IOfflineStore, ILogSection
    {
        const int RetainFlag = 1;
        const int MessageRetainFlag = 2;

        /// <summary>Written for a null subscription identifier array (no identifiers, or a P2P message).</summary>
        const int NoIdentifiers = 0xFFFF;

        readonly object _sync;
        readonly RecordLog _log;
        readonly OfflineLimits _limits;

        /// <summary>The kept messages of each client that has some: id, where the entry lies, its size, its quota
        /// bytes, when it expires.</summary>
        readonly MessageQueues _queues = new MessageQueues();

        long _lastIssuedId;

        public FlashOfflineStore(object sync, RecordLog log, OfflineLimits limits)
        {
            _sync = sync;
            _log = log;
            _limits = limits;
        }

        /// <summary>The highest message id ever issued; the next is one more, also across restarts.</summary>
        public long LastIssuedId
        {
            get
            {
                lock (_sync)
                {
                    return _lastIssuedId;
                }
            }
        }

        /// <summary>Bytes of the kept messages' entries.</summary>
        public int LiveBytes
        {
            get { return _queues.RecordBytes; }
        }

        public bool Owns(RecordKind kind)
        {
            return kind >= RecordKind.MessagePut && kind <= RecordKind.MessagesDiscard;
        }

        public long Append(string clientId, RoutedMessage message, int qos, bool retain, int[] subscriptionIdentifiers, long expiresAtMs)
        {
            lock (_sync)
            {
                MessageQueue queue = Find(clientId);
                int count = queue == null ? 0 : queue.Count;
                long quotaBytes = queue == null ? 0 : queue.QuotaBytes;
                long size = MessageFootprint.Of(message);
                if (count >= _limits.MaxMessagesPerClient || quotaBytes + size > _limits.MaxBytesPerClient)
                {
                    return 0;
                }

                long id = _lastIssuedId + 1;
                RecordBuffer fields = _log.Begin(RecordKind.MessagePut);
                fields.PutInt64(id);
                fields.PutString(clientId);
                fields.PutInt64(expiresAtMs);
                fields.PutString(message.Topic);
                fields.PutByte(qos | (message.Qos << 4));
                fields.PutByte((retain ? RetainFlag : 0) | (message.Retain ? MessageRetainFlag : 0));
                fields.PutString(message.SenderClientId);
                fields.PutInt64(message.PublishedAtMs);
                fields.PutInt32((int)message.MessageExpiryInterval);
                PutIdentifiers(fields, subscriptionIdentifiers);
                int recordBytes = _log.PendingSize(message.PayloadLength);
                if (!_log.HasRoomForMessage(recordBytes))
                {
                    // The log is full, not this client's quota: the core refuses the PUBLISH rather than lose it.
                    return AppendResult.StoreUnavailable;
                }

                int offset = _log.AppendAt(message.Payload, message.PayloadOffset, message.PayloadLength);
                _lastIssuedId = id;
                _queues.Add(clientId, id, offset, recordBytes, (int)size, expiresAtMs);
                _log.CompactIfWorthwhile();
                return id;
            }
        }

        /// <summary>Every <see cref="Append"/> has flushed its log entry already (the flash log flushes each entry):
        /// nothing waits.</summary>
        public bool Commit()
        {
            return true;
        }

        /// <summary>Nothing waits (see <see cref="Commit"/>).</summary>
        public PendingCommit CommitLater()
        {
            return null;
        }

        public int Read(string clientId, long afterId, int max, long nowMs, ArrayList into)
        {
            lock (_sync)
            {
                MessageQueue queue = Find(clientId);
                if (queue == null)
                {
                    return 0;
                }

                int added = 0;
                for (int i = 0; i < queue.Count && added < max; i++)
                {
                    if (Clock.HasPassed(queue.TimeMsAt(i), nowMs))
                    {
                        // Logged like an acknowledgement, so the message stays forgotten after a restart.
                        long expired = queue.IdAt(i);
                        _queues.RemoveAt(queue, i);
                        PersistRemove(expired);
                        i--;
                    }
                    else if (queue.IdAt(i) > afterId)
                    {
                        into.Add(Load(queue, i));
                        added++;
                    }
                }

                return added;
            }
        }

        public void Remove(string clientId, long id)
        {
            lock (_sync)
            {
                MessageQueue queue = Find(clientId);
                int index = queue == null ? -1 : queue.IndexOf(id);
                if (index < 0)
                {
                    return;
                }

                _queues.RemoveAt(queue, index);
                PersistRemove(id);
            }
        }

        public bool IsFull(string clientId)
        {
            return Count(clientId) >= _limits.MaxMessagesPerClient;
        }

        public int Count(string clientId)
        {
            lock (_sync)
            {
                MessageQueue queue = Find(clientId);
                return queue == null ? 0 : queue.Count;
            }
        }

        public long LastId(string clientId)
        {
            lock (_sync)
            {
                MessageQueue queue = Find(clientId);
                return queue == null ? 0 : queue.LastId;
            }
        }

        public void Discard(string clientId)
        {
            lock (_sync)
            {
                MessageQueue queue = Find(clientId);
                if (queue == null)
                {
                    return;
                }

                _queues.Drop(queue);
                _log.Begin(RecordKind.MessagesDiscard).PutString(clientId);
                _log.Persist();
            }
        }

        public void Replay(RecordReader reader, int offset)
        {
            RecordBuffer fields = reader.Fields;
            if (reader.Kind == RecordKind.MessagePut)
            {
                long id = fields.GetInt64();
                string clientId = fields.GetString();
                long expiresAtMs = fields.GetInt64();
                // Its MessageFootprint as appended: the device's messages carry no MQTT 5 properties.
                int quotaBytes = reader.PayloadLength + fields.SkipString();
                if (id > _lastIssuedId)
                {
                    _lastIssuedId = id;
                }

                _queues.Add(clientId, id, offset, reader.Size, quotaBytes, expiresAtMs);
            }
            else if (reader.Kind == RecordKind.MessageRemove)
            {
                _queues.Remove(fields.GetInt64());
            }
            else
            {
                MessageQueue queue = _queues.Find(fields.GetString());
                if (queue != null)
                {
                    _queues.Drop(queue);
                }
            }
        }

        /// <summary>The log header recorded ids up to <paramref name="lastIssuedId"/> (messages may all be gone).</summary>
        public void ReplayLastIssuedId(long lastIssuedId)
        {
            if (lastIssuedId > _lastIssuedId)
            {
                _lastIssuedId = lastIssuedId;
            }
        }

        /// <summary>Copies every kept message's entry into the compaction's new log, as it is.</summary>
        public void WriteLive(LogCompactor compaction)
        {
            _queues.CopyInto(compaction);
        }

        public void CommitRelocation()
        {
            _queues.CommitRelocation();
        }

        void PersistRemove(long id)
        {
            _log.Begin(RecordKind.MessageRemove).PutInt64(id);
            _log.Persist();
        }

        StoredMessage Load(MessageQueue queue, int index)
        {
            byte[] payload = _log.Load(queue.OffsetAt(index), true);
            RecordBuffer fields = _log.Reader.Fields;
            long id = fields.GetInt64();
            fields.SkipString();
            long expiresAtMs = fields.GetInt64();
            string topic = fields.GetString();
            int qos = fields.GetByte();
            int flags = fields.GetByte();
            RoutedMessage message = new RoutedMessage(topic, payload, qos >> 4, (flags & MessageRetainFlag) != 0);
            message.SenderClientId = fields.GetString();
            message.PublishedAtMs = fields.GetInt64();
            message.MessageExpiryInterval = (uint)fields.GetInt32();
            int[] identifiers = GetIdentifiers(fields);
            return new StoredMessage(id, message, qos & 0x0F, (flags & RetainFlag) != 0, identifiers, expiresAtMs);
        }

        MessageQueue Find(string clientId)
        {
            return _queues.Find(clientId);
        }

        static void PutIdentifiers(RecordBuffer fields, int[] identifiers)
        {
            if (identifiers == null)
            {
                fields.PutUInt16(NoIdentifiers);
                return;
            }

            fields.PutUInt16(identifiers.Length);
            for (int i = 0; i < identifiers.Length; i++)
            {
                fields.PutInt32(identifiers[i]);
            }
        }

        static int[] GetIdentifiers(RecordBuffer fields)
        {
            int count = fields.GetUInt16();
            if (count == NoIdentifiers)
            {
                return null;
            }

            int[] identifiers = new int[count];
            for (int i = 0; i < count; i++)
            {
                identifiers[i] = fields.GetInt32();
            }

            return identifiers;
        }
    }
}
