using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Topics;

namespace EdgeBroker.Core.Retained
{
    /// <summary>
    /// A walk through the retained set in topic order (<see cref="RetainedMessages"/>) for the topics a set of filters
    /// matches, each topic once, with the highest QoS one of them was granted (never above the message's own). The
    /// filters are walked together: each contributes the run of topics starting with its text before the first wildcard
    /// (a filter without wildcards: the one topic; "a/#" also the exact "a", which it matches [MQTT-4.7.1-2]). Runs of
    /// such texts nest or lie apart, so the ones the current topic lies in form a stack; where it lies in none, the walk
    /// jumps to the next run by binary search. A filter costs its run, not the whole set. The position is the last topic
    /// passed, so a walk resumes where it stopped. Not thread-safe; <see cref="Find"/> runs under the retained set's lock.
    /// </summary>
    internal sealed class RetainedCursor
    {
        /// <summary>Each item's filter, whose first <see cref="_keyLengths"/> characters are its key; items are sorted by
        /// key, runs before exact topics on equal keys (so an exact item sits above the runs on the stack).</summary>
        string[] _filters;
        int[] _keyLengths;

        /// <summary>0: a run (every topic starting with the key); 1: the exact topic.</summary>
        int[] _exact;

        /// <summary>The QoS granted to the item's filter.</summary>
        int[] _qos;

        int _items;

        /// <summary>The items whose key the topic at <see cref="_at"/> lies in, shortest key first.</summary>
        int[] _open;
        int _openCount;

        /// <summary>The first item whose key comes after <see cref="_at"/>: those before it are open or passed for good.</summary>
        int _nextItem;

        /// <summary>The topic the open items were found for; null before the first.</summary>
        string _at;

        /// <summary>Every topic up to this one is done (sent, or not to be sent); null before the first.</summary>
        string _after;

        /// <param name="filters">The filters to walk for (the first <paramref name="count"/>).</param>
        /// <param name="grantedQos">The QoS each was granted.</param>
        public RetainedCursor(string[] filters, int[] grantedQos, int count)
        {
            int items = 0;
            for (int i = 0; i < count; i++)
            {
                items += ExactParentLength(filters[i]) > 0 ? 2 : 1;
            }

            string[] keys = new string[items];
            int[] lengths = new int[items];
            int[] exact = new int[items];
            int[] qos = new int[items];
            int[] order = new int[items];
            int item = 0;
            for (int i = 0; i < count; i++)
            {
                string filter = filters[i];
                int wildcard = FirstWildcard(filter);
                keys[item] = filter;
                lengths[item] = wildcard;
                exact[item] = wildcard == filter.Length ? 1 : 0;
                qos[item] = grantedQos[i];
                order[item] = item;
                item++;
                int parent = ExactParentLength(filter);
                if (parent > 0)
                {
                    keys[item] = filter;
                    lengths[item] = parent;
                    exact[item] = 1;
                    qos[item] = grantedQos[i];
                    order[item] = item;
                    item++;
                }
            }

            TopicOrder.Sort(order, items, keys, lengths, exact);
            _filters = new string[items];
            _keyLengths = new int[items];
            _exact = new int[items];
            _qos = new int[items];
            for (int i = 0; i < items; i++)
            {
                _filters[i] = keys[order[i]];
                _keyLengths[i] = lengths[order[i]];
                _exact[i] = exact[order[i]];
                _qos[i] = qos[order[i]];
            }

            _items = items;
            _open = new int[items];
        }

        /// <summary>The QoS the message <see cref="Find"/> returned goes at.</summary>
        public int Qos;

        /// <summary>
        /// The next message a filter matches, its QoS in <see cref="Qos"/>; null when the walk is done. The cursor stays
        /// before it until <see cref="Passed"/>. Under <paramref name="retained"/>'s <see cref="RetainedMessages.SyncRoot"/>.
        /// </summary>
        public RoutedMessage Find(RetainedMessages retained)
        {
            int count = retained.KeptCount;
            int index = _after == null ? 0 : retained.IndexAfter(_after);
            while (index < count)
            {
                RoutedMessage message = retained.MessageAt(index);
                string topic = message.Topic;

                // A topic before the open items' one came into the set behind the walk.
                if (_at == null || TopicOrder.Compare(topic, topic.Length, _at, _at.Length) >= 0)
                {
                    MoveTo(topic);
                    if (_openCount == 0)
                    {
                        if (_nextItem == _items)
                        {
                            break;
                        }

                        // In no filter's run: on to where the next one starts, done with every topic before it.
                        index = retained.IndexFrom(_filters[_nextItem], _keyLengths[_nextItem]);
                        _after = retained.MessageAt(index - 1).Topic;
                        continue;
                    }

                    int qos = QosFor(message);
                    if (qos >= 0)
                    {
                        Qos = qos;
                        return message;
                    }
                }

                _after = topic;
                index++;
            }

            return null;
        }

        /// <summary>The caller is done with the message <see cref="Find"/> returned for <paramref name="topic"/>.</summary>
        public void Passed(string topic)
        {
            _after = topic;
        }

        /// <summary>Finds the items <paramref name="topic"/> lies in: the cursor only moves forward, so an item whose key
        /// comes before the topic and does not contain it is passed for good.</summary>
        void MoveTo(string topic)
        {
            while (_openCount > 0 && !Contains(_open[_openCount - 1], topic))
            {
                _openCount--;
            }

            while (_nextItem < _items && TopicOrder.Compare(_filters[_nextItem], _keyLengths[_nextItem], topic, topic.Length) <= 0)
            {
                if (Contains(_nextItem, topic))
                {
                    _open[_openCount++] = _nextItem;
                }

                _nextItem++;
            }

            _at = topic;
        }

        bool Contains(int item, string topic)
        {
            return _exact[item] == 1
                ? topic.Length == _keyLengths[item] && TopicOrder.StartsWith(topic, _filters[item], _keyLengths[item])
                : TopicOrder.StartsWith(topic, _filters[item], _keyLengths[item]);
        }

        /// <summary>The highest QoS the open filters that match <paramref name="message"/> were granted, at most its own;
        /// -1 when none matches.</summary>
        int QosFor(RoutedMessage message)
        {
            int best = -1;
            for (int i = 0; i < _openCount; i++)
            {
                int item = _open[i];
                if (_qos[item] > best && (_exact[item] == 1 || TopicMatcher.Matches(_filters[item], message.Topic)))
                {
                    best = _qos[item];
                }
            }

            return best < 0 || best < message.Qos ? best : message.Qos;
        }

        /// <summary>Where the filter's first wildcard is; its length when it has none.</summary>
        static int FirstWildcard(string filter)
        {
            for (int i = 0; i < filter.Length; i++)
            {
                if (filter[i] == '+' || filter[i] == '#')
                {
                    return i;
                }
            }

            return filter.Length;
        }

        /// <summary>For a filter whose first wildcard is a '#' after a level ("a/b/#"), the length of the topic before
        /// that level ("a/b"), which the filter matches too; else 0.</summary>
        static int ExactParentLength(string filter)
        {
            int wildcard = FirstWildcard(filter);
            return wildcard > 1 && wildcard < filter.Length && filter[wildcard] == '#' ? wildcard - 1 : 0;
        }
    }
}
