using System.Collections;
using System.Threading;
using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Sessions;

namespace EdgeBroker.Core.Offline
{
    /// <summary>
    /// Delivery to persistent sessions. Every QoS 1/2 message for such a session is stored before the publisher is
    /// acknowledged and stays stored until the receiver acknowledges it, so neither a dropped connection nor a crash
    /// loses it. A returning client gets its backlog oldest first, in batches: the next batch when the previous one is
    /// acknowledged or after an interval, so a small device is not flooded (with batching off, a batch is what the
    /// connection takes, and the next follows while the client still has <see cref="RefillAt"/> of it to acknowledge,
    /// so neither side waits for the other at a batch's end); messages arriving meanwhile queue behind
    /// the backlog, keeping each sender's order. A message the connection cannot take now (the engine's outbound queue
    /// for a client that stops reading is full) stays stored and joins the backlog, so it follows when the client catches
    /// up or reconnects. Every method runs under the session's lock.
    /// </summary>
    internal sealed class OfflineDelivery
    {
        /// <summary>Batch size meaning "everything at once".</summary>
        const int Unlimited = 0x7FFFFFFF;

        /// <summary>Stored messages read at once while a batch is sent.</summary>
        const int ReadPage = 256;

        /// <summary>With batching off, the next batch is sent when this many of the one in flight are still
        /// unacknowledged. Waiting for every acknowledgement left the broker idle while the client worked through the
        /// batch's last messages, then the client idle while the broker read and encoded the next: in a drain of
        /// 100,000 stored messages (~55 batches of what the connection's queue and writer take), each side waited for
        /// the other at every batch's end. A page's worth keeps the client busy while the next batch is prepared.</summary>
        const int RefillAt = ReadPage;

        readonly IOfflineStore _store;
        readonly OfflineLimits _limits;
        readonly DueSessions _due;
        readonly RoutingCounters _counters;

        /// <summary>1 while the store cannot write (interlocked: sessions have locks of their own).</summary>
        int _storeUnavailable;

        /// <summary>Bytes of every away session's kept QoS 0 messages (<see cref="OfflineLimits.MaxQos0BytesKept"/>), under
        /// <see cref="_qos0Sync"/>: sessions have locks of their own, and the device has no 64-bit Interlocked.</summary>
        long _qos0Bytes;
        readonly object _qos0Sync = new object();

        /// <param name="due">Where a session with a backlog left is listed for <see cref="Tick"/>.</param>
        /// <param name="counters">Where a message sent without being kept is counted.</param>
        public OfflineDelivery(IOfflineStore store, OfflineLimits limits, DueSessions due, RoutingCounters counters)
        {
            _store = store;
            _limits = limits;
            _due = due;
            _counters = counters;
        }

        /// <summary>A connection was attached: the first batch from the store, with the QoS 0 messages kept in memory
        /// in the order they came among the stored ones. <paramref name="nowMs"/> (the wall clock) is what stored messages'
        /// expiry is judged at, <paramref name="monotonicMs"/> (the interval clock) when the batch went, for
        /// <see cref="Tick"/>.</summary>
        public void Start(Session session, long nowMs, long monotonicMs)
        {
            session.SentUpTo = 0;
            session.BatchAfterId = 0;
            session.BatchLastId = 0;
            session.BatchUnacked = 0;
            session.BacklogPending = true;
            SendNextBatch(session, nowMs, monotonicMs);
            if (session.BacklogPending)
            {
                _due.Add(session);
            }
        }

        /// <summary>The connection ended: what it was sent but did not acknowledge is a redelivery next time.</summary>
        public void Stop(Session session)
        {
            if (session.SentUpTo > session.RedeliveryBoundary)
            {
                session.RedeliveryBoundary = session.SentUpTo;
            }

            session.BacklogPending = false;
            session.BatchUnacked = 0;
        }

        /// <summary>Told once each time the store stops or starts again taking messages; null tells nobody.</summary>
        public StoreConditionHandler StoreConditionChanged { get; set; }

        /// <summary>
        /// Stores a QoS 1/2 message for the session and, when it is connected and has no backlog, sends it at once. The
        /// caller commits it (<see cref="Commit"/>) before acknowledging the publisher: a receiver may see the message
        /// first, which QoS 1 allows (a refused publisher sends again).
        /// </summary>
        public PublishOutcome Keep(Session session, RoutedMessage message, int qos, bool retain, int[] subscriptionIdentifiers)
        {
            long id = _store.Append(session.ClientId, message, qos, retain, subscriptionIdentifiers, ExpiresAt(message));
            if (id == AppendResult.StoreUnavailable)
            {
                ReportStoreWritable(false);
                return PublishOutcome.StoreUnavailable;
            }

            if (id == AppendResult.QuotaFull)
            {
                return SendUnkept(session, message, qos, retain, subscriptionIdentifiers);
            }

            if (session.Connection == null || session.BacklogPending)
            {
                return PublishOutcome.Queued;
            }

            if (!session.Connection.Send(message, qos, retain, subscriptionIdentifiers, id, false))
            {
                // Stored but not sent: it waits with the backlog (SentUpTo stays before it) for the next batch.
                session.BacklogPending = true;
                _due.Add(session);
                return PublishOutcome.Queued;
            }

            session.SentUpTo = id;
            return PublishOutcome.Delivered;
        }

        /// <summary>
        /// A message for a session whose quota is full: when the receiver is connected and nothing of its backlog waits
        /// (so the message keeps its place), it is sent without being kept rather than dropped — a burst that comes
        /// faster than a connected receiver acknowledges fills the quota with messages already in flight to it (on the
        /// device, 32: a burst of 100 from the cloud lost 20–68). Lost only if the connection ends before the
        /// acknowledgement, as a message that is not kept is; counted (<see cref="RoutingCounters.SentUnkept"/>). An
        /// away receiver, or one whose connection takes no more, keeps the quota's meaning: the message is dropped.
        /// </summary>
        PublishOutcome SendUnkept(Session session, RoutedMessage message, int qos, bool retain, int[] subscriptionIdentifiers)
        {
            if (session.Connection == null || session.BacklogPending
                || !session.Connection.Send(message, qos, retain, subscriptionIdentifiers, 0, false))
            {
                return PublishOutcome.QuotaExceeded;
            }

            _counters.CountSentUnkept();
            return PublishOutcome.Delivered;
        }

        /// <summary>Whether <paramref name="session"/> is connected and its quota (by count) is full of messages it has
        /// still to be sent or to acknowledge: a message for it now is kept by nobody — dropped, or sent unkept only if
        /// nothing of its backlog waits and its connection takes it (<see cref="SendUnkept"/>) —, though it will have
        /// room as soon as the client acknowledges. Read without the session's lock: a hint for whoever can wait, not a
        /// decision.</summary>
        public bool IsBackedUp(Session session)
        {
            return session.Connection != null && _store.IsFull(session.ClientId);
        }

        /// <summary>Makes the messages this thread kept durable (see <see cref="IOfflineStore.Commit"/>); the publisher
        /// may be acknowledged only when it returns true. Called outside every session's lock, so the store can commit
        /// the messages of many publishers together.</summary>
        public bool Commit()
        {
            bool committed = _store.Commit();
            ReportStoreWritable(committed);
            return committed;
        }

        /// <summary>Like <see cref="Commit"/> without waiting (see <see cref="IOfflineStore.CommitLater"/>): null when the
        /// messages this thread kept are durable already; else what the publisher's acknowledgement waits for, answered
        /// by <see cref="Settled"/>.</summary>
        public PendingCommit CommitLater()
        {
            PendingCommit pending = _store.CommitLater();
            if (pending == null)
            {
                ReportStoreWritable(true);
            }

            return pending;
        }

        /// <summary>Whether the settled <paramref name="pending"/> commit kept its messages, told to the store's
        /// condition as <see cref="Commit"/>'s answer is.</summary>
        public bool Settled(PendingCommit pending)
        {
            bool committed = pending.Committed;
            ReportStoreWritable(committed);
            return committed;
        }

        /// <summary>Sends the QoS 0 messages kept in memory that came before the stored message <paramref name="storedId"/>
        /// (all that are left for <see cref="long.MaxValue"/>), in the order they came, each taken off the queue as it goes
        /// (QoS 0 is sent once; what a connection that drops was not sent waits for the next one); once all are sent the
        /// queue goes. A QoS 0 message the connection cannot take is dropped, as QoS 0 is for a connected client.</summary>
        void SendVolatileBefore(Session session, long storedId, long nowMs)
        {
            ArrayList queue = session.VolatileQueue;
            if (queue == null)
            {
                return;
            }

            while (queue.Count > 0)
            {
                StoredMessage kept = (StoredMessage)queue[0];
                if (kept.Id >= storedId)
                {
                    return;
                }

                // At most MaxMessagesPerClient entries move up: no index to keep on every session.
                queue.RemoveAt(0);
                CountQos0Bytes(-HeldBytesOf(kept.Message));
                // A connection that cannot take it drops it, as it would a QoS 0 message routed to it now: counted.
                if (!Clock.HasPassed(kept.ExpiresAtMs, nowMs) && !session.Connection.Send(kept.Message, 0, kept.Retain, kept.SubscriptionIdentifiers, 0, false))
                {
                    _counters.CountEngineDropped();
                }
            }

            session.VolatileQueue = null;
        }

        /// <summary>Keeps a QoS 0 message in memory for an away session; false when its quota is full — by count or
        /// bytes, its own or all away sessions' together (<see cref="OfflineLimits.MaxQos0BytesKept"/>), each message by its
        /// <see cref="MessageFootprint"/>: only memory holds them, and 300 messages of 1 MB held 295 MB for one session. The
        /// total counts what a kept message holds beside its topic, payload and properties too (<see cref="OfflineLimits.KeptQos0OverheadBytes"/>): it bounds memory, and a small
        /// message is mostly objects.</summary>
        public bool KeepVolatile(Session session, RoutedMessage message, bool retain, int[] subscriptionIdentifiers)
        {
            long size = MessageFootprint.Of(message);
            ArrayList queue = session.VolatileQueue;
            if ((queue != null && queue.Count >= _limits.MaxMessagesPerClient) || (queue == null ? 0 : BytesOf(queue)) + size > _limits.MaxBytesPerClient)
            {
                return false;
            }

            lock (_qos0Sync)
            {
                long held = HeldBytesOf(message);
                if (_qos0Bytes + held > _limits.MaxQos0BytesKept)
                {
                    return false;
                }

                _qos0Bytes += held;
            }

            if (queue == null)
            {
                session.VolatileQueue = new ArrayList();
            }

            // Ids only grow: every message stored for this session so far has one at most this, every later one more.
            session.VolatileQueue.Add(new StoredMessage(_store.LastIssuedId, message.Detach(), 0, retain, subscriptionIdentifiers, ExpiresAt(message)));
            return true;
        }

        /// <summary>The session is discarded: its kept QoS 0 messages go, and their bytes with them.</summary>
        public void ForgetVolatile(Session session)
        {
            ArrayList queue = session.VolatileQueue;
            if (queue != null)
            {
                CountQos0Bytes(-BytesOf(queue) - queue.Count * OfflineLimits.KeptQos0OverheadBytes);
                session.VolatileQueue = null;
            }
        }

        /// <summary>The footprints of a session's kept QoS 0 messages (<see cref="MessageFootprint"/>): summed when asked, at most
        /// <see cref="OfflineLimits.MaxMessagesPerClient"/> entries, rather than kept in a field of every session.</summary>
        static long BytesOf(ArrayList queue)
        {
            long bytes = 0;
            for (int i = 0; i < queue.Count; i++)
            {
                bytes += MessageFootprint.Of(((StoredMessage)queue[i]).Message);
            }

            return bytes;
        }

        /// <summary>What a kept QoS 0 message counts against <see cref="OfflineLimits.MaxQos0BytesKept"/>.</summary>
        static long HeldBytesOf(RoutedMessage message)
        {
            return MessageFootprint.Of(message) + OfflineLimits.KeptQos0OverheadBytes;
        }

        void CountQos0Bytes(long change)
        {
            lock (_qos0Sync)
            {
                _qos0Bytes += change;
            }
        }

        /// <summary>The client acknowledged stored message <paramref name="id"/>.</summary>
        public void Acknowledged(Session session, long id, long nowMs, long monotonicMs)
        {
            _store.Remove(session.ClientId, id);
            if (id > session.BatchAfterId && id <= session.BatchLastId && session.BatchUnacked > 0)
            {
                session.BatchUnacked--;
                if (session.BatchUnacked == 0 || (session.BatchUnacked == RefillAt && _limits.BatchSize <= 0))
                {
                    SendNextBatch(session, nowMs, monotonicMs);
                }
            }
        }

        /// <summary>Sends the next batch if the previous one has waited long enough for its acknowledgements. Called for
        /// the sessions listed in <see cref="DueSessions"/>. The interval is timed on <paramref name="monotonicMs"/>: the
        /// device's first SNTP step must not hold a backlog back for decades.</summary>
        public void Tick(Session session, long nowMs, long monotonicMs)
        {
            if (session.BacklogPending && session.Connection != null && monotonicMs - session.BatchSentAtMs >= _limits.BatchIntervalMs)
            {
                SendNextBatch(session, nowMs, monotonicMs);
            }
        }

        /// <summary>Sends the next batch: up to the batch size, or with batching off as much as the connection takes,
        /// read from the store a page at a time — a batch ends where the connection's queue is full, and a row read past
        /// that point would be read again next time (reading the whole backlog each time made draining quadratic).</summary>
        void SendNextBatch(Session session, long nowMs, long monotonicMs)
        {
            if (session.Connection == null || !session.BacklogPending)
            {
                return;
            }

            int max = _limits.BatchSize > 0 ? _limits.BatchSize : Unlimited;
            long afterId = session.SentUpTo;
            ArrayList page = new ArrayList();
            int sent = 0;
            bool caughtUp = false;
            while (sent < max)
            {
                int wanted = max - sent < ReadPage ? max - sent : ReadPage;
                page.Clear();
                int count = _store.Read(session.ClientId, session.SentUpTo, wanted, nowMs, page);
                int pageSent = SendPage(session, page, count, nowMs);
                sent += pageSent;
                if (pageSent < count)
                {
                    // The connection's queue is full: the rest waits for the next batch.
                    break;
                }

                if (count < wanted)
                {
                    // Caught up: the QoS 0 messages that came after the last stored one, then from now on messages go
                    // straight to the connection.
                    SendVolatileBefore(session, long.MaxValue, nowMs);
                    caughtUp = true;
                    break;
                }
            }

            if (sent == 0 && !caughtUp && session.BatchUnacked > 0)
            {
                // The connection took nothing more: the batch still in flight brings the next try (its last
                // acknowledgement, or the interval from now).
                session.BatchSentAtMs = monotonicMs;
                return;
            }

            session.BatchAfterId = afterId;
            session.BatchLastId = session.SentUpTo;
            session.BatchUnacked = sent;
            session.BatchSentAtMs = monotonicMs;
            if (caughtUp)
            {
                session.BacklogPending = false;
            }
        }

        /// <summary>Sends the first <paramref name="count"/> stored messages of <paramref name="page"/> in order until the
        /// connection refuses one; returns how many it took.</summary>
        int SendPage(Session session, ArrayList page, int count, long nowMs)
        {
            int sent = 0;
            while (sent < count)
            {
                StoredMessage stored = (StoredMessage)page[sent];
                SendVolatileBefore(session, stored.Id, nowMs);
                if (session.Exchanges != null && session.Exchanges.IsReleased(stored.Id))
                {
                    // Released on an earlier connection (its PUBREL sent): never a PUBLISH again [MQTT-4.3.3-1]. The engine
                    // sends the PUBREL again, and the PUBCOMP acknowledges the message as for one sent in this batch.
                    session.SentUpTo = stored.Id;
                    sent++;
                    continue;
                }

                bool duplicate = stored.Id <= session.RedeliveryBoundary;
                if (!session.Connection.Send(stored.Message, stored.Qos, stored.Retain, stored.SubscriptionIdentifiers, stored.Id, duplicate))
                {
                    break;
                }

                session.SentUpTo = stored.Id;
                sent++;
            }

            return sent;
        }

        /// <summary>Whether the broker's store (offline messages and uplink queues share it) took the last write; the
        /// handler hears of each change once.</summary>
        internal void ReportStoreWritable(bool writable)
        {
            int unavailable = writable ? 0 : 1;
            if (Interlocked.Exchange(ref _storeUnavailable, unavailable) != unavailable && StoreConditionChanged != null)
            {
                StoreConditionChanged(writable);
            }
        }

        long ExpiresAt(RoutedMessage message)
        {
            return message.MessageExpiryInterval > 0 ? message.ExpiresAtMs : message.PublishedAtMs + _limits.DefaultMessageTtlMs;
        }
    }
}
