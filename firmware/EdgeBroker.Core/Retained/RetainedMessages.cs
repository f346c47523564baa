using System.Collections;
using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Topics;

namespace EdgeBroker.Core.Retained
{
    /// <summary>
    /// The last retained message of each topic, for new subscribers (MQTT 3.1.1 §3.3.1.3), bounded so a broker cannot
    /// run out of memory: when <see cref="Capacity"/> topics hold one, a retained message for a further topic is refused
    /// (replacing or clearing a kept topic always works), and with <see cref="MaxBytes"/> set, one that would take the
    /// kept messages' bytes above it is refused too (a replacement that shrinks always fits). A refused message is only
    /// not kept: the router still delivers it to the subscribers it has. A P2P message is for its receiver only and is
    /// never kept. With an <see cref="IRetainedStore"/> every change is made durable before it takes effect, and what
    /// the store kept comes back at start — but for the broker's own status under <c>$SYS/</c>, which it publishes
    /// again as it starts and which changed with every reconnect attempt of a dead uplink: kept on the heap only. A message with an MQTT 5 expiry interval is kept until it runs out
    /// (<see cref="RemoveExpired"/>). Thread-safe.
    /// <para>
    /// The messages are kept in topic order (<see cref="TopicOrder"/>), so matching a filter looks only at the run of
    /// topics that start with the filter's text before its first wildcard (a binary search, then that run) rather than
    /// at every kept message: a SUBSCRIBE of thousands of filters against tens of thousands of retained messages cost
    /// filters × messages. The same order gives a new subscription's <see cref="RetainedCursor"/> a position to resume
    /// from as its connection drains. Each message also carries when it was kept (an ever growing number), so a cursor
    /// can tell what was kept after its SUBSCRIBE — which the subscription itself delivered.
    /// </para>
    /// </summary>
    public sealed class RetainedMessages
    {
        /// <summary>Topics the table has room for at first; it grows as more are kept (up to <see cref="Capacity"/>).</summary>
        const int InitialTopics = 32;

        readonly object _sync = new object();
        readonly int _capacity;
        readonly long _maxBytes;
        readonly RetainedExtraBytes _extraBytes;
        readonly IRetainedStore _store;
        long _bytes;

        /// <summary>The kept messages in the order of their topics; <see cref="_count"/> of them are in use.</summary>
        RoutedMessage[] _messages;

        /// <summary>Their topics, searched without reaching into each message (at 100,000 topics a search that did took
        /// twice as long).</summary>
        string[] _topics;

        /// <summary>When each message of <see cref="_messages"/> was kept (<see cref="_lastKept"/> then); 0 for what the
        /// store gave back at start.</summary>
        long[] _keptAt;

        int _count;
        long _lastKept;
        int _refused;

        /// <summary>The soonest <see cref="RoutedMessage.ExpiresAtMs"/> among the kept messages, or earlier (a message
        /// replaced or cleared since); <see cref="long.MaxValue"/> while none has an expiry interval, so
        /// <see cref="RemoveExpired"/> costs nothing then.</summary>
        long _soonestExpiryMs = long.MaxValue;

        /// <param name="store">Where the messages are kept durably, or null to keep them on the heap only.</param>
        public RetainedMessages(int capacity, IRetainedStore store)
            : this(capacity, 0, null, store)
        {
        }

        /// <param name="maxBytes">Bytes the kept messages may take together (see <see cref="SizeOf"/>); 0 sets no
        /// limit.</param>
        /// <param name="extraBytes">What the engine keeps of a message beside its footprint, or null for
        /// nothing.</param>
        /// <param name="store">Where the messages are kept durably, or null to keep them on the heap only.</param>
        public RetainedMessages(int capacity, long maxBytes, RetainedExtraBytes extraBytes, IRetainedStore store)
        {
            _capacity = capacity;
            _maxBytes = maxBytes;
            _extraBytes = extraBytes;
            _store = store;
            int room = capacity < InitialTopics ? capacity : InitialTopics;
            _messages = new RoutedMessage[room < 1 ? 1 : room];
            _topics = new string[_messages.Length];
            _keptAt = new long[_messages.Length];
            if (store != null)
            {
                // All of it, even above a bound lowered since it was kept: new topics are then refused until clearing
                // makes room.
                Load(WithoutBrokerStatus(store.LoadRetained(), store));
            }
        }

        public int Capacity
        {
            get { return _capacity; }
        }

        /// <summary>Bytes the kept messages may take together; 0 when only <see cref="Capacity"/> bounds them.</summary>
        public long MaxBytes
        {
            get { return _maxBytes; }
        }

        public int Count
        {
            get
            {
                lock (_sync)
                {
                    return _count;
                }
            }
        }

        /// <summary>What the kept messages take now, measured as <see cref="MaxBytes"/> is.</summary>
        public long Bytes
        {
            get
            {
                lock (_sync)
                {
                    return _bytes;
                }
            }
        }

        /// <summary>Retained messages refused because <see cref="Capacity"/> topics already held one, they would have
        /// taken the kept messages above <see cref="MaxBytes"/>, or the durable store was full.</summary>
        public int Refused
        {
            get { return _refused; }
        }

        /// <summary>What <paramref name="message"/> counts against <see cref="MaxBytes"/>: its
        /// <see cref="MessageFootprint"/> (topic, payload and MQTT 5 properties), as the offline and outbound limits count
        /// a message, plus what the engine keeps beside it.</summary>
        public long SizeOf(RoutedMessage message)
        {
            long size = MessageFootprint.Of(message);
            return _extraBytes == null ? size : size + _extraBytes(message);
        }

        /// <summary>
        /// Applies a PUBLISH that had the retain flag set: an empty payload clears the topic, anything else replaces
        /// what it held. Returns false when the message was refused (<see cref="Capacity"/> or <see cref="MaxBytes"/>
        /// reached, the durable store full, or a P2P address); the topic then keeps what it held.
        /// </summary>
        public bool Update(RoutedMessage message)
        {
            string topic = message.Topic;
            if (P2PAddress.ReceiverStart(topic) >= 0)
            {
                return false;
            }

            lock (_sync)
            {
                int index = IndexOf(topic);
                if (message.PayloadLength == 0)
                {
                    if (index >= 0)
                    {
                        _bytes -= SizeOf(_messages[index]);
                        RemoveAt(index);
                        if (_store != null && !IsBrokerStatus(topic))
                        {
                            _store.DeleteRetained(topic);
                        }
                    }

                    return true;
                }

                long heldBytes = index < 0 ? 0 : SizeOf(_messages[index]);
                long size = SizeOf(message);
                if ((index < 0 && _count >= _capacity)
                    || (_maxBytes > 0 && size > heldBytes && _bytes - heldBytes + size > _maxBytes))
                {
                    _refused++;
                    return false;
                }

                RoutedMessage kept = message.Detach();
                if (_store != null && !IsBrokerStatus(topic) && !_store.SaveRetained(kept))
                {
                    _refused++;
                    return false;
                }

                if (index >= 0)
                {
                    _messages[index] = kept;
                    _topics[index] = kept.Topic;
                    _keptAt[index] = ++_lastKept;
                }
                else
                {
                    InsertAt(~index, kept, ++_lastKept);
                }

                _bytes += size - heldBytes;
                if (kept.ExpiresAtMs < _soonestExpiryMs)
                {
                    _soonestExpiryMs = kept.ExpiresAtMs;
                }

                return true;
            }
        }

        /// <summary>
        /// Deletes the messages whose MQTT 5 expiry interval has run out by <paramref name="nowMs"/>, from the heap and
        /// the store [MQTT-3.3.2-5]: an expired retained message is sent to no new subscriber (cursors pass over it until
        /// then) and no longer takes a topic of <see cref="Capacity"/> or bytes of <see cref="MaxBytes"/>. The core calls
        /// it every tick; it returns at once until the soonest expiry is due, then looks at every kept message once.
        /// </summary>
        public void RemoveExpired(long nowMs)
        {
            ArrayList expired = null;
            lock (_sync)
            {
                if (nowMs < _soonestExpiryMs)
                {
                    return;
                }

                long soonest = long.MaxValue;
                int kept = 0;
                for (int i = 0; i < _count; i++)
                {
                    RoutedMessage message = _messages[i];
                    if (message.ExpiredBy(nowMs))
                    {
                        _bytes -= SizeOf(message);
                        if (expired == null)
                        {
                            expired = new ArrayList();
                        }

                        expired.Add(message.Topic);
                        continue;
                    }

                    // On the clock nowMs is read from: an expiry counted from before the wall clock was set is not
                    // due at every tick once it is.
                    long expiresAtMs = Clock.Rebased(message.ExpiresAtMs, nowMs);
                    if (expiresAtMs < soonest)
                    {
                        soonest = expiresAtMs;
                    }

                    _messages[kept] = message;
                    _topics[kept] = _topics[i];
                    _keptAt[kept] = _keptAt[i];
                    kept++;
                }

                for (int i = kept; i < _count; i++)
                {
                    _messages[i] = null;
                    _topics[i] = null;
                }

                _count = kept;
                _soonestExpiryMs = soonest;

                // Under the lock, as every change of the store is: a topic kept again meanwhile must not be deleted after.
                for (int i = 0; _store != null && expired != null && i < expired.Count; i++)
                {
                    _store.DeleteRetained((string)expired[i]);
                }
            }
        }

        /// <summary>Adds to <paramref name="into"/> every kept message whose topic matches <paramref name="filter"/>, in
        /// topic order (listings; a subscription gets them through a <see cref="RetainedCursor"/>).</summary>
        public void CollectMatching(string filter, ArrayList into)
        {
            RetainedCursor cursor = new RetainedCursor(new string[] { filter }, new int[] { 2 }, 1, 0, long.MaxValue);
            lock (_sync)
            {
                RoutedMessage message;
                long nowMs = Clock.NowMs();
                while ((message = cursor.Find(this, nowMs)) != null)
                {
                    into.Add(message);
                    cursor.Passed(message.Topic);
                }
            }
        }

        /// <summary>Held while a <see cref="RetainedCursor"/> looks for its next message.</summary>
        internal object SyncRoot
        {
            get { return _sync; }
        }

        /// <summary>What the last message kept was numbered: a cursor started now sends nothing kept later.</summary>
        internal long LastKept
        {
            get
            {
                lock (_sync)
                {
                    return _lastKept;
                }
            }
        }

        /// <summary>How many messages are kept (under <see cref="SyncRoot"/>).</summary>
        internal int KeptCount
        {
            get { return _count; }
        }

        /// <summary>The message at <paramref name="index"/> in topic order (under <see cref="SyncRoot"/>).</summary>
        internal RoutedMessage MessageAt(int index)
        {
            return _messages[index];
        }

        /// <summary>When the message at <paramref name="index"/> was kept (under <see cref="SyncRoot"/>).</summary>
        internal long KeptAt(int index)
        {
            return _keptAt[index];
        }

        /// <summary>Where the first topic at or after <paramref name="text"/>[0, length) is, in topic order; the count
        /// when none is (under <see cref="SyncRoot"/>).</summary>
        internal int IndexFrom(string text, int length)
        {
            int low = 0;
            int high = _count;
            while (low < high)
            {
                int middle = (low + high) >> 1;
                string topic = _topics[middle];
                if (TopicOrder.Compare(topic, topic.Length, text, length) < 0)
                {
                    low = middle + 1;
                }
                else
                {
                    high = middle;
                }
            }

            return low;
        }

        /// <summary>Where the first topic after <paramref name="topic"/> is (under <see cref="SyncRoot"/>).</summary>
        internal int IndexAfter(string topic)
        {
            int index = IndexOf(topic);
            return index >= 0 ? index + 1 : ~index;
        }

        /// <summary>The index of <paramref name="topic"/>, or the bitwise complement of where it would go.</summary>
        int IndexOf(string topic)
        {
            int index = IndexFrom(topic, topic.Length);
            return index < _count && _topics[index] == topic ? index : ~index;
        }

        void InsertAt(int index, RoutedMessage message, long keptAt)
        {
            if (_count == _messages.Length)
            {
                int grown = _count * 2 < _capacity ? _count * 2 : _capacity;
                RoutedMessage[] messages = new RoutedMessage[grown];
                string[] topics = new string[grown];
                long[] keptAtTimes = new long[grown];
                System.Array.Copy(_messages, 0, messages, 0, _count);
                System.Array.Copy(_topics, 0, topics, 0, _count);
                System.Array.Copy(_keptAt, 0, keptAtTimes, 0, _count);
                _messages = messages;
                _topics = topics;
                _keptAt = keptAtTimes;
            }

            System.Array.Copy(_messages, index, _messages, index + 1, _count - index);
            System.Array.Copy(_topics, index, _topics, index + 1, _count - index);
            System.Array.Copy(_keptAt, index, _keptAt, index + 1, _count - index);
            _messages[index] = message;
            _topics[index] = message.Topic;
            _keptAt[index] = keptAt;
            _count++;
        }

        void RemoveAt(int index)
        {
            _count--;
            System.Array.Copy(_messages, index + 1, _messages, index, _count - index);
            System.Array.Copy(_topics, index + 1, _topics, index, _count - index);
            System.Array.Copy(_keptAt, index + 1, _keptAt, index, _count - index);
            _messages[_count] = null;
            _topics[_count] = null;
        }

        /// <summary>What the store kept, in topic order; of a topic the store gave back twice, the later message.</summary>
        /// <summary>Whether <paramref name="topic"/> is the broker's own status (<c>$SYS/</c>: clients may not
        /// publish there), kept on the heap only.</summary>
        static bool IsBrokerStatus(string topic)
        {
            return topic.StartsWith("$SYS/");
        }

        /// <summary><paramref name="kept"/> without the broker's status, which earlier versions stored: deleted from
        /// the store once, as it is found.</summary>
        static ArrayList WithoutBrokerStatus(ArrayList kept, IRetainedStore store)
        {
            for (int i = kept.Count - 1; i >= 0; i--)
            {
                string topic = ((RoutedMessage)kept[i]).Topic;
                if (IsBrokerStatus(topic))
                {
                    kept.RemoveAt(i);
                    store.DeleteRetained(topic);
                }
            }

            return kept;
        }

        void Load(ArrayList kept)
        {
            int count = kept.Count;
            string[] topics = new string[count];
            int[] lengths = new int[count];
            int[] order = new int[count];
            for (int i = 0; i < count; i++)
            {
                topics[i] = ((RoutedMessage)kept[i]).Topic;
                lengths[i] = topics[i].Length;
                order[i] = i;
            }

            TopicOrder.Sort(order, count, topics, lengths, null);
            if (count > _messages.Length)
            {
                _messages = new RoutedMessage[count];
                _topics = new string[count];
                _keptAt = new long[count];
            }

            for (int i = 0; i < count; i++)
            {
                RoutedMessage message = (RoutedMessage)kept[order[i]];
                if (_count > 0 && _topics[_count - 1] == message.Topic)
                {
                    _messages[_count - 1] = message;
                }
                else
                {
                    _topics[_count] = message.Topic;
                    _messages[_count++] = message;
                }
            }

            for (int i = 0; i < _count; i++)
            {
                _bytes += SizeOf(_messages[i]);
                if (_messages[i].ExpiresAtMs < _soonestExpiryMs)
                {
                    _soonestExpiryMs = _messages[i].ExpiresAtMs;
                }
            }
        }
    }
}
