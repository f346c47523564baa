using System.Collections;
using EdgeBroker.Core.Retained;
using EdgeBroker.Core.Routing;

namespace EdgeBroker.Firmware.Storage
{
    /// <summary>
    /// Retained messages in the flash log: one entry per topic (topic and QoS, the payload as the entry's payload),
    /// replaced or cleared by later entries. <see cref="RetainedMessages"/> keeps the messages on the heap anyway (a
    /// few dozen, bounded), so this store holds the same message objects and re-encodes them when the log is
    /// compacted. A retained message counts against the log's budget like an offline message and is refused when
    /// the log is full.
    /// </summary>
    internal sealed class FlashRetainedStore : IRetainedStore, ILogSection
    {
        readonly object _sync;
        readonly RecordLog _log;

        /// <summary>The kept <see cref="RoutedMessage"/>s, and the size of the entry holding each (same index).</summary>
        readonly ArrayList _messages = new ArrayList();
        readonly ArrayList _entryBytes = new ArrayList();

        int _liveBytes;

        public FlashRetainedStore(object sync, RecordLog log)
        {
            _sync = sync;
            _log = log;
        }

        public int LiveBytes
        {
            get { return _liveBytes; }
        }

        public bool Owns(RecordKind kind)
        {
            return kind == RecordKind.RetainedSave || kind == RecordKind.RetainedDelete;
        }

        public ArrayList LoadRetained()
        {
            ArrayList copy = new ArrayList();
            lock (_sync)
            {
                for (int i = 0; i < _messages.Count; i++)
                {
                    copy.Add(_messages[i]);
                }
            }

            return copy;
        }

        public bool SaveRetained(RoutedMessage message)
        {
            lock (_sync)
            {
                Encode(_log.Begin(RecordKind.RetainedSave), message);
                int entryBytes = _log.PendingSize(message.PayloadLength);
                if (!_log.HasRoomForMessage(entryBytes))
                {
                    return false;
                }

                _log.AppendAt(message.Payload, message.PayloadOffset, message.PayloadLength);
                Keep(message, entryBytes);
                _log.CompactIfWorthwhile();
                return true;
            }
        }

        public void DeleteRetained(string topic)
        {
            lock (_sync)
            {
                int index = IndexOf(topic);
                if (index < 0)
                {
                    return;
                }

                RemoveAt(index);
                _log.Begin(RecordKind.RetainedDelete).PutString(topic);
                _log.Persist();
            }
        }

        public void Replay(RecordReader reader, int offset)
        {
            RecordBuffer fields = reader.Fields;
            string topic = fields.GetString();
            if (reader.Kind == RecordKind.RetainedDelete)
            {
                int index = IndexOf(topic);
                if (index >= 0)
                {
                    RemoveAt(index);
                }

                return;
            }

            int qos = fields.GetByte();
            int entryBytes = reader.Size;

            // Reads the same entry again, payload included, into the reader replay is using: its size stays the same.
            byte[] payload = _log.Load(offset, true);
            Keep(new RoutedMessage(topic, payload, qos, true), entryBytes);
        }

        public void WriteLive(LogCompactor compaction)
        {
            RecordWriter writer = compaction.Writer;
            for (int i = 0; i < _messages.Count; i++)
            {
                RoutedMessage message = (RoutedMessage)_messages[i];
                Encode(writer.Begin(RecordKind.RetainedSave), message);
                writer.Append(compaction.Target, message.Payload, message.PayloadOffset, message.PayloadLength);
            }
        }

        /// <summary>Nothing to do: the messages are on the heap, not read back by offset.</summary>
        public void CommitRelocation()
        {
        }

        void Keep(RoutedMessage message, int entryBytes)
        {
            int index = IndexOf(message.Topic);
            if (index >= 0)
            {
                RemoveAt(index);
            }

            _messages.Add(message);
            _entryBytes.Add(entryBytes);
            _liveBytes += entryBytes;
        }

        void RemoveAt(int index)
        {
            _liveBytes -= (int)_entryBytes[index];
            _messages.RemoveAt(index);
            _entryBytes.RemoveAt(index);
        }

        int IndexOf(string topic)
        {
            for (int i = 0; i < _messages.Count; i++)
            {
                if (((RoutedMessage)_messages[i]).Topic == topic)
                {
                    return i;
                }
            }

            return -1;
        }

        static void Encode(RecordBuffer fields, RoutedMessage message)
        {
            fields.PutString(message.Topic);
            fields.PutByte(message.Qos);
        }
    }
}
