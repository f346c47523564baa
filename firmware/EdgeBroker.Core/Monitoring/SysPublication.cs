using System.Collections;
using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Sessions;

namespace EdgeBroker.Core.Monitoring
{
    /// <summary>
    /// Sends one interval's <c>$SYS</c> tree in batches of <see cref="BatchSize"/> topics, the next batch once every
    /// connection that subscribed to a topic of the previous one has said its queue emptied
    /// (<see cref="BrokerCore.OutboundRoom"/>). Published in one burst, the tree's 60-odd topics overflowed the device's
    /// own queue bound (<c>max_queued_messages_per_client</c> 64, of which QoS 0 may take 48): a subscriber to
    /// <c>$SYS/broker/#</c> got 48 of 55 per interval. Paced, a subscriber has at most two batches of the tree queued
    /// (a drain reported while a batch is being queued lets the next one follow it), whatever the tree's size, and the
    /// rest of its queue stays for its other messages.
    /// <para>
    /// A connection that does not drain within <see cref="PatienceMs"/> of a batch (a client that stopped reading, one
    /// that closed) is not waited for any longer: the next batch goes at the next tick, and that connection's queue
    /// takes what its bounds allow, as for any message. The next interval's tree starts once this one is sent, so a slow
    /// subscriber stretches the interval rather than piling trees up. The values are kept as text until their batch is
    /// sent (a few bytes each, no message objects). Thread-safe: one thread at a time sends a batch, a drain reported
    /// meanwhile lets it send the next.
    /// </para>
    /// </summary>
    internal sealed class SysPublication
    {
        /// <summary>Topics per batch: with two batches queued at most, a sixth of the QoS 0 places of a device's queue
        /// (48 of 64), so the tree's pace is set by the subscriber, not by its queue's bound.</summary>
        public const int BatchSize = 8;

        /// <summary>How long a batch waits for its subscribers' queues to empty: one tick of the engines' housekeeping.
        /// A reader that cannot take eight short messages in a second is not waited for.</summary>
        public const long PatienceMs = 1000;

        readonly object _sync = new object();
        readonly BrokerCore _core;
        readonly string _prefix;

        /// <summary>The connections the batch in flight was for that have not drained since: the next batch waits for
        /// them.</summary>
        readonly ArrayList _waiting = new ArrayList();

        string[] _names = new string[64];
        string[] _values = new string[64];
        int _count;
        int _next;
        bool _started;
        bool _sending;
        long _batchSentAtMs;

        /// <summary><see cref="_waiting"/>'s count, read without the lock by <see cref="Room"/>, which every drained
        /// connection of either engine calls.</summary>
        int _waitingCount;

        /// <summary>Filled again for each topic of a batch (by the one thread sending it).</summary>
        SubscriberMatch _match;

        public SysPublication(BrokerCore core, string prefix)
        {
            _core = core;
            _prefix = prefix;
        }

        /// <summary>Whether an interval's tree is still being sent.</summary>
        public bool InProgress
        {
            get
            {
                lock (_sync)
                {
                    return _started;
                }
            }
        }

        /// <summary>Adds a topic (under the tree's prefix) and its value to the tree being composed; call only while
        /// nothing is <see cref="InProgress"/>.</summary>
        public void Add(string name, string value)
        {
            lock (_sync)
            {
                if (_count == _names.Length)
                {
                    string[] names = new string[_count * 2];
                    string[] values = new string[_count * 2];
                    System.Array.Copy(_names, 0, names, 0, _count);
                    System.Array.Copy(_values, 0, values, 0, _count);
                    _names = names;
                    _values = values;
                }

                _names[_count] = name;
                _values[_count] = value;
                _count++;
            }
        }

        /// <summary>Sends the composed tree, its first batch now.</summary>
        public void Start(long nowMs)
        {
            lock (_sync)
            {
                _next = 0;
                _started = true;
            }

            SendBatches(nowMs);
        }

        /// <summary>About once a second: a batch that waited <see cref="PatienceMs"/> for connections to drain waits no
        /// longer.</summary>
        public void Tick(long nowMs)
        {
            lock (_sync)
            {
                if (_waiting.Count == 0 || nowMs - _batchSentAtMs < PatienceMs)
                {
                    return;
                }

                _waiting.Clear();
                _waitingCount = 0;
            }

            SendBatches(nowMs);
        }

        /// <summary><paramref name="connection"/>'s queue emptied: when it was the last the batch waited for, the next
        /// goes.</summary>
        public void Room(IClientConnection connection)
        {
            if (_waitingCount == 0)
            {
                return;
            }

            lock (_sync)
            {
                int index = _waiting.IndexOf(connection);
                if (index < 0)
                {
                    return;
                }

                _waiting.RemoveAt(index);
                _waitingCount = _waiting.Count;
                if (_waitingCount > 0)
                {
                    return;
                }
            }

            SendBatches(Clock.MonotonicMs());
        }

        /// <summary>Sends batches while nothing waits for a drain; returns at once if another thread is sending one (it
        /// looks again when it is done).</summary>
        void SendBatches(long nowMs)
        {
            while (true)
            {
                int from;
                int to;
                lock (_sync)
                {
                    if (_sending || !_started || _waiting.Count > 0)
                    {
                        return;
                    }

                    if (_next == _count)
                    {
                        Finish();
                        return;
                    }

                    from = _next;
                    to = from + BatchSize < _count ? from + BatchSize : _count;
                    _next = to;
                    _sending = true;
                }

                // Matched before the batch is queued, so a drain of its own messages is not missed; a drain reported
                // while it is queued may let the next batch follow it: two batches in a queue at most.
                ArrayList receivers = ReceiversOf(from, to);
                lock (_sync)
                {
                    for (int i = 0; receivers != null && i < receivers.Count; i++)
                    {
                        _waiting.Add(receivers[i]);
                    }

                    _waitingCount = _waiting.Count;
                    _batchSentAtMs = nowMs;
                }

                for (int i = from; i < to; i++)
                {
                    _core.Router.PublishFromBroker(new RoutedMessage(_prefix + _names[i], EdgeBroker.Core.Text.Utf8.GetBytes(_values[i]), 0, false));
                }

                lock (_sync)
                {
                    _sending = false;
                }
            }
        }

        /// <summary>The live connections subscribed to a topic of [<paramref name="from"/>, <paramref name="to"/>), each
        /// once; null when there are none.</summary>
        ArrayList ReceiversOf(int from, int to)
        {
            ArrayList receivers = null;
            for (int i = from; i < to; i++)
            {
                _match = _core.MatchSubscribers(_prefix + _names[i], _match);
                ArrayList connections = _match == null ? null : _match.Connections;
                for (int c = 0; connections != null && c < connections.Count; c++)
                {
                    if (receivers == null)
                    {
                        receivers = new ArrayList();
                    }

                    if (!receivers.Contains(connections[c]))
                    {
                        receivers.Add(connections[c]);
                    }
                }
            }

            return receivers;
        }

        /// <summary>The whole tree is sent: its text is let go. Under the lock.</summary>
        void Finish()
        {
            for (int i = 0; i < _count; i++)
            {
                _names[i] = null;
                _values[i] = null;
            }

            _count = 0;
            _next = 0;
            _started = false;
        }
    }
}
