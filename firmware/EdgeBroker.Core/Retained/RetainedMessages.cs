using System.Collections;
using EdgeBroker.Core.Collections;
using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Topics;

namespace EdgeBroker.Core.Retained
{
    /// <summary>
    /// The last retained message of each topic, for new subscribers (MQTT 3.1.1 §3.3.1.3), bounded so a device cannot
    /// run out of heap: when <see cref="Capacity"/> topics hold one, a retained message for a further topic is refused
    /// (replacing or clearing a kept topic always works). A P2P message is for its receiver only and is never kept.
    /// With an <see cref="IRetainedStore"/> every change is made durable before it takes effect, and what the store
    /// kept comes back at start. Thread-safe.
    /// </summary>
    public sealed class RetainedMessages
    {
        /// <summary>Topics the table has room for at first; it grows as more are kept (up to <see cref="Capacity"/>).</summary>
        const int InitialTopics = 32;

        readonly object _sync = new object();
        readonly StringMap _byTopic;
        readonly int _capacity;
        readonly IRetainedStore _store;
        int _refused;

        /// <param name="store">Where the messages are kept durably, or null to keep them on the heap only.</param>
        public RetainedMessages(int capacity, IRetainedStore store)
        {
            _capacity = capacity;
            _store = store;
            _byTopic = new StringMap(capacity < InitialTopics ? capacity : InitialTopics);
            if (store != null)
            {
                ArrayList kept = store.LoadRetained();
                for (int i = 0; i < kept.Count; i++)
                {
                    RoutedMessage message = (RoutedMessage)kept[i];
                    _byTopic.Set(message.Topic, message);
                }
            }
        }

        public int Capacity
        {
            get { return _capacity; }
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

        /// <summary>Retained messages refused because <see cref="Capacity"/> topics already held one or the durable store
        /// was full.</summary>
        public int Refused
        {
            get { return _refused; }
        }

        /// <summary>
        /// Applies a PUBLISH that had the retain flag set: an empty payload clears the topic, anything else replaces
        /// what it held. Returns false when the message was refused (<see cref="Capacity"/> reached, the durable store
        /// full, or a P2P address).
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
                if (message.PayloadLength == 0)
                {
                    if (_byTopic.Remove(topic) && _store != null)
                    {
                        _store.DeleteRetained(topic);
                    }

                    return true;
                }

                if (_byTopic.Get(topic) == null && _byTopic.Count >= _capacity)
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
