using System.Collections;
using EdgeBroker.Core.Collections;
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
    /// the store kept comes back at start. Thread-safe.
    /// </summary>
    public sealed class RetainedMessages
    {
        /// <summary>Topics the table has room for at first; it grows as more are kept (up to <see cref="Capacity"/>).</summary>
        const int InitialTopics = 32;

        readonly object _sync = new object();
        readonly StringMap _byTopic;
        readonly int _capacity;
        readonly long _maxBytes;
        readonly RetainedExtraBytes _extraBytes;
        readonly IRetainedStore _store;
        long _bytes;
        int _refused;

        /// <param name="store">Where the messages are kept durably, or null to keep them on the heap only.</param>
        public RetainedMessages(int capacity, IRetainedStore store)
            : this(capacity, 0, null, store)
        {
        }

        /// <param name="maxBytes">Bytes the kept messages may take together (see <see cref="SizeOf"/>); 0 sets no
        /// limit.</param>
        /// <param name="extraBytes">What the engine keeps of a message beside its topic and payload, or null for
        /// nothing.</param>
        /// <param name="store">Where the messages are kept durably, or null to keep them on the heap only.</param>
        public RetainedMessages(int capacity, long maxBytes, RetainedExtraBytes extraBytes, IRetainedStore store)
        {
            _capacity = capacity;
            _maxBytes = maxBytes;
            _extraBytes = extraBytes;
            _store = store;
            _byTopic = new StringMap(capacity < InitialTopics ? capacity : InitialTopics);
            if (store != null)
            {
                // All of it, even above a bound lowered since it was kept: new topics are then refused until clearing
                // makes room.
                ArrayList kept = store.LoadRetained();
                for (int i = 0; i < kept.Count; i++)
                {
                    RoutedMessage message = (RoutedMessage)kept[i];
                    _byTopic.Set(message.Topic, message);
                    _bytes += SizeOf(message);
                }
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
                    return _byTopic.Count;
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

        /// <summary>What <paramref name="message"/> counts against <see cref="MaxBytes"/>: its topic's characters and
        /// payload bytes, as the offline and outbound limits count a message, plus what the engine keeps beside them.</summary>
        public long SizeOf(RoutedMessage message)
        {
            long size = message.Topic.Length + message.PayloadLength;
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
                RoutedMessage held = (RoutedMessage)_byTopic.Get(topic);
                if (message.PayloadLength == 0)
                {
                    if (held != null)
                    {
                        _byTopic.Remove(topic);
                        _bytes -= SizeOf(held);
                        if (_store != null)
                        {
                            _store.DeleteRetained(topic);
                        }
                    }

                    return true;
                }

                long heldBytes = held == null ? 0 : SizeOf(held);
                long size = SizeOf(message);
                if ((held == null && _byTopic.Count >= _capacity)
                    || (_maxBytes > 0 && size > heldBytes && _bytes - heldBytes + size > _maxBytes))
                {
                    _refused++;
                    return false;
                }

                RoutedMessage kept = message.Detach();
                if (_store != null && !_store.SaveRetained(kept))
                {
                    _refused++;
                    return false;
                }

                _byTopic.Set(topic, kept);
                _bytes += size - heldBytes;
                return true;
            }
        }

        /// <summary>Adds to <paramref name="into"/> every kept message whose topic matches <paramref name="filter"/>.</summary>
        public void CollectMatching(string filter, ArrayList into)
        {
            ArrayList all = new ArrayList();
            lock (_sync)
            {
                _byTopic.CopyValuesTo(all);
            }

            for (int i = 0; i < all.Count; i++)
            {
                RoutedMessage message = (RoutedMessage)all[i];
                if (TopicMatcher.Matches(filter, message.Topic))
                {
                    into.Add(message);
                }
            }
        }
    }
}
