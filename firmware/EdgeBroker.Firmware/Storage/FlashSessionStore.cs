using System;
using System.Collections;
using EdgeBroker.Core.Sessions;

namespace EdgeBroker.Firmware.Storage
{
    /// <summary>
    /// Persistent sessions and their subscriptions in the flash log, with the rules of <see cref="MemorySessionStore"/>.
    /// They are few and small, so all of them live on the heap too (with the size of the entry that holds each, for
    /// the log's budget). A save that changes nothing writes nothing: clients re-subscribe on every connect, and flash
    /// wears with every write.
    /// </summary>
    internal sealed class FlashSessionStore : ISessionStore, ILogSection
    {
        const int NoLocalFlag = 1;
        const int RetainAsPublishedFlag = 2;

        readonly object _sync;
        readonly RecordLog _log;

        /// <summary><see cref="StoredSession"/>s, in the order they were first saved.</summary>
        readonly ArrayList _sessions = new ArrayList();

        int _liveBytes;

        /// <summary>Room held for new sessions whose CONNECTs are under way (<see cref="ReserveSessionRoom"/>).</summary>
        readonly ReservedSessionRooms _reserved = new ReservedSessionRooms();

        public FlashSessionStore(object sync, RecordLog log)
        {
            _sync = sync;
            _log = log;
        }

        /// <summary>Bytes of the entries that hold the sessions and subscriptions.</summary>
        public int LiveBytes
        {
            get { return _liveBytes; }
        }

        public bool Owns(RecordKind kind)
        {
            return kind >= RecordKind.SessionSave && kind <= RecordKind.SubscriptionDelete;
        }

        public void SaveSession(string clientId, uint expiryIntervalSeconds, long disconnectedAtMs)
        {
            lock (_sync)
            {
                StoredSession session = Find(clientId);
                if (session != null && session.ExpiryIntervalSeconds == expiryIntervalSeconds && session.DisconnectedAtMs == disconnectedAtMs)
                {
                    return;
                }

                EncodeSession(_log.Begin(RecordKind.SessionSave), clientId, expiryIntervalSeconds, disconnectedAtMs);
                int recordBytes = _log.PendingSize(0);

                // The room its CONNECT reserved is this entry's now; the room held for others stays theirs.
                _log.EnsureSessionRoom(_liveBytes + _reserved.TotalBytes - _reserved.BytesOf(clientId),
                    recordBytes - (session == null ? 0 : session.RecordBytes));
                _reserved.Remove(clientId);
                uint expiryBefore = session == null ? 0 : session.ExpiryIntervalSeconds;
                long disconnectedAtBefore = session == null ? 0 : session.DisconnectedAtMs;
                int recordBytesBefore = session == null ? 0 : session.RecordBytes;

                // Applied first, so that a compaction in Persist writes it with the rest of the live state.
                ApplySession(session, clientId, expiryIntervalSeconds, disconnectedAtMs, recordBytes);
                try
                {
                    _log.Persist();
                }
                catch (Exception)
                {
                    // Not written: the session is as it was, or not kept (the core keeps no session the store refused),
                    // so it takes no room in the share that nothing on flash holds.
                    if (session == null)
                    {
                        Remove(Find(clientId));
                    }
                    else
                    {
                        ApplySession(session, clientId, expiryBefore, disconnectedAtBefore, recordBytesBefore);
                    }

                    throw;
                }
            }
        }

        public bool ReserveSessionRoom(string clientId)
        {
            lock (_sync)
            {
                if (Find(clientId) != null || _reserved.Holds(clientId))
                {
                    return true;
                }

                // Measured as it would be written; nothing is appended until a save persists an entry begun anew.
                EncodeSession(_log.Begin(RecordKind.SessionSave), clientId, 0, 0);
                int recordBytes = _log.PendingSize(0);
                if (!_log.HasSessionRoom(_liveBytes + _reserved.TotalBytes, recordBytes))
                {
                    return false;
                }

                _reserved.Add(clientId, recordBytes);
                return true;
            }
        }

        public void ReleaseSessionRoom(string clientId)
        {
            lock (_sync)
            {
                _reserved.Remove(clientId);
            }
        }

        public void DeleteSession(string clientId)
        {
            lock (_sync)
            {
                StoredSession session = Find(clientId);
                if (session == null)
                {
                    return;
                }

                Remove(session);
                _log.Begin(RecordKind.SessionDelete).PutString(clientId);
                _log.Persist();
            }
        }

        public void SaveSubscription(string clientId, SubscriptionRecord subscription)
        {
            lock (_sync)
            {
                StoredSession session = Find(clientId);
                if (session == null)
                {
                    return;
                }

                int index = session.IndexOf(subscription.Filter);
                if (index >= 0 && SameOptions((SubscriptionRecord)session.Subscriptions[index], subscription))
                {
                    return;
                }

                EncodeSubscription(_log.Begin(RecordKind.SubscriptionSave), clientId, subscription);
                int recordBytes = _log.PendingSize(0);
                _log.EnsureSessionRoom(_liveBytes + _reserved.TotalBytes, recordBytes - (index < 0 ? 0 : session.SubscriptionBytesAt(index)));
                ApplySubscription(session, index, subscription, recordBytes);
                _log.Persist();
            }
        }

        public void DeleteSubscription(string clientId, string filter)
        {
            lock (_sync)
            {
                StoredSession session = Find(clientId);
                int index = session == null ? -1 : session.IndexOf(filter);
                if (index < 0)
                {
                    return;
                }

                RemoveSubscription(session, index);
                RecordBuffer fields = _log.Begin(RecordKind.SubscriptionDelete);
                fields.PutString(clientId);
                fields.PutString(filter);
                _log.Persist();
            }
        }

        public ArrayList LoadSessions()
        {
            ArrayList sessionRecords = new ArrayList();
            lock (_sync)
            {
                for (int i = 0; i < _sessions.Count; i++)
                {
                    StoredSession session = (StoredSession)_sessions[i];
                    SessionRecord sessionRecord = new SessionRecord(session.ClientId, session.ExpiryIntervalSeconds, session.DisconnectedAtMs);
                    for (int j = 0; j < session.Subscriptions.Count; j++)
                    {
                        sessionRecord.Subscriptions.Add(session.Subscriptions[j]);
                    }

                    sessionRecords.Add(sessionRecord);
                }
            }

            return sessionRecords;
        }

        public void Replay(RecordReader reader, int offset)
        {
            RecordBuffer fields = reader.Fields;
            string clientId = fields.GetString();
            StoredSession session = Find(clientId);
            if (reader.Kind == RecordKind.SessionSave)
            {
                uint expiryIntervalSeconds = (uint)fields.GetInt32();
                ApplySession(session, clientId, expiryIntervalSeconds, fields.GetInt64(), reader.Size);
                return;
            }

            if (session == null)
            {
                // Never written for a session the store does not have (see SaveSubscription).
                return;
            }

            if (reader.Kind == RecordKind.SessionDelete)
            {
                Remove(session);
            }
            else if (reader.Kind == RecordKind.SubscriptionSave)
            {
                SubscriptionRecord subscription = GetSubscription(fields);
                ApplySubscription(session, session.IndexOf(subscription.Filter), subscription, reader.Size);
            }
            else
            {
                int index = session.IndexOf(fields.GetString());
                if (index >= 0)
                {
                    RemoveSubscription(session, index);
                }
            }
        }

        /// <summary>Writes every session and subscription, re-encoded from the heap, into the compaction's new log.</summary>
        public void WriteLive(LogCompactor compaction)
        {
            RecordWriter writer = compaction.Writer;
            for (int i = 0; i < _sessions.Count; i++)
            {
                StoredSession session = (StoredSession)_sessions[i];
                EncodeSession(writer.Begin(RecordKind.SessionSave), session.ClientId, session.ExpiryIntervalSeconds, session.DisconnectedAtMs);
                writer.Append(compaction.Target, null, 0, 0);
                for (int j = 0; j < session.Subscriptions.Count; j++)
                {
                    EncodeSubscription(writer.Begin(RecordKind.SubscriptionSave), session.ClientId, (SubscriptionRecord)session.Subscriptions[j]);
                    writer.Append(compaction.Target, null, 0, 0);
                }
            }
        }

        /// <summary>Nothing to do: sessions are kept on the heap, not read back by offset.</summary>
        public void CommitRelocation()
        {
        }

        void ApplySession(StoredSession session, string clientId, uint expiryIntervalSeconds, long disconnectedAtMs, int recordBytes)
        {
            if (session == null)
            {
                session = new StoredSession(clientId);
                _sessions.Add(session);
            }

            _liveBytes += recordBytes - session.RecordBytes;
            session.ExpiryIntervalSeconds = expiryIntervalSeconds;
            session.DisconnectedAtMs = disconnectedAtMs;
            session.RecordBytes = recordBytes;
        }

        void ApplySubscription(StoredSession session, int index, SubscriptionRecord subscription, int recordBytes)
        {
            if (index >= 0)
            {
                RemoveSubscription(session, index);
            }

            session.AddSubscription(subscription, recordBytes);
            _liveBytes += recordBytes;
        }

        void RemoveSubscription(StoredSession session, int index)
        {
            _liveBytes -= session.SubscriptionBytesAt(index);
            session.RemoveSubscriptionAt(index);
        }

        void Remove(StoredSession session)
        {
            _liveBytes -= session.RecordBytes + session.SubscriptionBytes;
            _sessions.Remove(session);
        }

        StoredSession Find(string clientId)
        {
            for (int i = 0; i < _sessions.Count; i++)
            {
                StoredSession session = (StoredSession)_sessions[i];
                if (session.ClientId == clientId)
                {
                    return session;
                }
            }

            return null;
        }

        static void EncodeSession(RecordBuffer fields, string clientId, uint expiryIntervalSeconds, long disconnectedAtMs)
        {
            fields.PutString(clientId);
            fields.PutInt32((int)expiryIntervalSeconds);
            fields.PutInt64(disconnectedAtMs);
        }

        static void EncodeSubscription(RecordBuffer fields, string clientId, SubscriptionRecord subscription)
        {
            fields.PutString(clientId);
            fields.PutString(subscription.Filter);
            fields.PutByte(subscription.GrantedQos);
            fields.PutByte((subscription.NoLocal ? NoLocalFlag : 0) | (subscription.RetainAsPublished ? RetainAsPublishedFlag : 0));
            fields.PutInt32(subscription.Identifier);
        }

        static SubscriptionRecord GetSubscription(RecordBuffer fields)
        {
            string filter = fields.GetString();
            int qos = fields.GetByte();
            int flags = fields.GetByte();
            return new SubscriptionRecord(filter, qos, (flags & NoLocalFlag) != 0, (flags & RetainAsPublishedFlag) != 0, fields.GetInt32());
        }

        static bool SameOptions(SubscriptionRecord a, SubscriptionRecord b)
        {
            return a.GrantedQos == b.GrantedQos && a.NoLocal == b.NoLocal && a.RetainAsPublished == b.RetainAsPublished
                && a.Identifier == b.Identifier;
        }
    }
}
