using System.Threading;
using EdgeBroker.Core.Collections;
using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Sessions;
using EdgeBroker.Core.Topics;

namespace EdgeBroker.Core.Retained
{
    /// <summary>
    /// Sends new subscriptions their retained messages [MQTT-3.3.1-6] as fast as each connection takes them, for both
    /// engines. The engines used to push every matching message into the connection's outbound queue at the SUBSCRIBE,
    /// and what the queue's limits did not take was dropped, uncounted, from a client that read everything (the host
    /// kept 1,338 of 3,000, the device 6 of 32). Now each SUBSCRIBE gets a <see cref="RetainedCursor"/>: what the
    /// connection takes is sent at once, the rest each time the engine says the connection's queue has emptied
    /// (<see cref="Room"/>) — as the offline backlog follows a connection's acknowledgements, without holding a copy.
    /// <para>
    /// A client that stops reading holds its queue's limits and its cursors, and a cursor holds its filters: a filter
    /// leaves its SUBSCRIBE's cursor when the client unsubscribes it or subscribes to it again (whose cursor sends it
    /// then), so a connection's cursors name at most the filters it holds. A connection's SUBSCRIBEs are served in turn;
    /// what is left when it closes is not sent (nothing is kept for it: a persistent session gets retained messages at
    /// its next SUBSCRIBE, as before). Nothing is dropped while the connection lives: a message it cannot take now is
    /// offered again when it has room. Thread-safe; the engines call in without holding their connection's lock.
    /// </para>
    /// </summary>
    internal sealed class RetainedDelivery
    {
        readonly object _sync = new object();
        readonly RetainedMessages _retained;

        /// <summary>Client ID → its connection's <see cref="Pending"/> SUBSCRIBEs; made at the first.</summary>
        StringMap _pending;

        /// <summary>How many clients have SUBSCRIBEs pending: <see cref="Room"/>, which every drained connection calls,
        /// returns at once while there are none.</summary>
        int _pendingCount;

        public RetainedDelivery(RetainedMessages retained)
        {
            _retained = retained;
        }

        public RetainedMessages Messages
        {
            get { return _retained; }
        }

        /// <summary>
        /// A SUBSCRIBE took effect and its SUBACK is queued: the retained messages matching the first
        /// <paramref name="count"/> <paramref name="filters"/> whose code in <paramref name="codes"/> grants a QoS (0–2)
        /// and that are not shared [MQTT-4.8.2] go out now as far as <paramref name="connection"/> takes them, the rest
        /// as it drains; after what the connection's earlier SUBSCRIBEs still have to send.
        /// </summary>
        public void Start(string clientId, IClientConnection connection, string[] filters, int[] codes, int count, int subscriptionIdentifier)
        {
            int selected = 0;
            for (int i = 0; i < count; i++)
            {
                if (Sends(filters[i], codes[i]))
                {
                    selected++;
                }
            }

            if (selected == 0 || _retained.Count == 0)
            {
                return;
            }

            string[] chosen = filters;
            int[] granted = codes;
            if (selected != count)
            {
                chosen = new string[selected];
                granted = new int[selected];
                int next = 0;
                for (int i = 0; i < count; i++)
                {
                    if (Sends(filters[i], codes[i]))
                    {
                        chosen[next] = filters[i];
                        granted[next] = codes[i];
                        next++;
                    }
                }
            }

            RetainedCursor cursor = new RetainedCursor(chosen, granted, selected, subscriptionIdentifier, _retained.LastKept);
            Pending pending;
            lock (_sync)
            {
                pending = _pending == null ? null : (Pending)_pending.Get(clientId);
                if (pending != null && pending.Connection == connection)
                {
                    for (int i = 0; i < selected; i++)
                    {
                        RemoveFilter(pending, chosen[i]);
                    }
                }
                else
                {
                    // None pending, or pending for a connection the session no longer has: that one is gone.
                    if (pending == null)
                    {
                        _pendingCount++;
                    }
                    else
                    {
                        pending.First = null;
                        pending.Last = null;
                    }

                    pending = new Pending(connection);
                    if (_pending == null)
                    {
                        _pending = new StringMap(4);
                    }

                    _pending.Set(clientId, pending);
                }

                if (pending.Last == null)
                {
                    pending.First = cursor;
                }
                else
                {
                    pending.Last.Later = cursor;
                }

                pending.Last = cursor;
            }

            Pump(clientId, pending);
        }

        /// <summary><paramref name="connection"/>'s outbound queue emptied: its retained messages go on.</summary>
        public void Room(string clientId, IClientConnection connection)
        {
            if (_pendingCount == 0 || clientId == null)
            {
                return;
            }

            Pending pending;
            lock (_sync)
            {
                pending = (Pending)_pending.Get(clientId);
            }

            if (pending != null && pending.Connection == connection)
            {
                Pump(clientId, pending);
            }
        }

        /// <summary>The client no longer holds <paramref name="filter"/>: nothing more is sent for it [MQTT-3.10.4-2].</summary>
        public void Unsubscribed(string clientId, string filter)
        {
            if (_pendingCount == 0)
            {
                return;
            }

            lock (_sync)
            {
                Pending pending = (Pending)_pending.Get(clientId);
                if (pending != null)
                {
                    RemoveFilter(pending, filter);
                    if (pending.First == null)
                    {
                        Forget(clientId, pending);
                    }
                }
            }
        }

        /// <summary><paramref name="connection"/> closed: what it was still to get is not sent.</summary>
        public void Closed(string clientId, IClientConnection connection)
        {
            if (_pendingCount == 0)
            {
                return;
            }

            lock (_sync)
            {
                Pending pending = (Pending)_pending.Get(clientId);
                if (pending != null && pending.Connection == connection)
                {
                    Forget(clientId, pending);
                }
            }
        }

        static bool Sends(string filter, int code)
        {
            return code >= 0 && code <= 2 && !SharedFilter.IsShared(filter);
        }

        /// <summary>Sends what the connection takes, one thread at a time: one that asks meanwhile has that thread look
        /// again, so a queue that emptied while it was sending is never missed, and no thread waits for another.</summary>
        void Pump(string clientId, Pending pending)
        {
            while (true)
            {
                int state = pending.State;
                if (state == Idle)
                {
                    if (Interlocked.CompareExchange(ref pending.State, Sending, Idle) == Idle)
                    {
                        break;
                    }
                }
                else if (Interlocked.CompareExchange(ref pending.State, SendAgain, state) == state)
                {
                    return;
                }
            }

            while (true)
            {
                SendWhatFits(clientId, pending);
                if (Interlocked.CompareExchange(ref pending.State, Idle, Sending) == Sending)
                {
                    return;
                }

                Interlocked.Exchange(ref pending.State, Sending);
            }
        }

        /// <summary>Sends until the connection refuses a message (it is offered again at the next <see cref="Room"/>)
        /// or every pending SUBSCRIBE is done. The connection is called outside every lock.</summary>
        void SendWhatFits(string clientId, Pending pending)
        {
            while (true)
            {
                RetainedCursor cursor;
                RoutedMessage message;
                int qos;
                lock (_sync)
                {
                    cursor = pending.First;
                    if (cursor == null)
                    {
                        return;
                    }

                    lock (_retained.SyncRoot)
                    {
                        message = cursor.Find(_retained, Clock.NowMs());
                    }

                    if (message == null)
                    {
                        pending.First = cursor.Later;
                        if (pending.First == null)
                        {
                            pending.Last = null;
                            Forget(clientId, pending);
                        }

                        continue;
                    }

                    qos = cursor.Qos;
                }

                if (!pending.Connection.Send(message, qos, true, cursor.Identifiers, 0, false))
                {
                    return;
                }

                lock (_sync)
                {
                    cursor.Passed(message.Topic);
                }
            }
        }

        /// <summary>Takes <paramref name="filter"/> out of every cursor of <paramref name="pending"/>, and the cursors left
        /// without filters out of its queue. Under the lock.</summary>
        static void RemoveFilter(Pending pending, string filter)
        {
            RetainedCursor previous = null;
            for (RetainedCursor cursor = pending.First; cursor != null; cursor = cursor.Later)
            {
                if (cursor.Remove(filter) && cursor.IsEmpty)
                {
                    if (previous == null)
                    {
                        pending.First = cursor.Later;
                    }
                    else
                    {
                        previous.Later = cursor.Later;
                    }

                    if (pending.Last == cursor)
                    {
                        pending.Last = previous;
                    }

                    continue;
                }

                previous = cursor;
            }
        }

        /// <summary>Drops the client's entry if it is still <paramref name="pending"/>. Under the lock.</summary>
        void Forget(string clientId, Pending pending)
        {
            if (_pending.Remove(clientId, pending))
            {
                _pendingCount--;
            }

            pending.First = null;
            pending.Last = null;
        }

        const int Idle = 0;
        const int Sending = 1;
        const int SendAgain = 2;

        /// <summary>One connection's SUBSCRIBEs whose retained messages are still to be sent, in the order they came.</summary>
        sealed class Pending
        {
            public Pending(IClientConnection connection)
            {
                Connection = connection;
            }

            public readonly IClientConnection Connection;
            public RetainedCursor First;
            public RetainedCursor Last;

            /// <summary><see cref="Idle"/>, <see cref="Sending"/> (a thread sends), or <see cref="SendAgain"/> (and was
            /// asked to look again when done).</summary>
            public int State;
        }
    }
}
