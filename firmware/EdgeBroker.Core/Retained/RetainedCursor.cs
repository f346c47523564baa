using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Topics;

namespace EdgeBroker.Core.Retained
{
    /// <summary>
    /// Where one SUBSCRIBE's retained messages stand in being sent to its connection: a position in the retained set's
    /// topic order (<see cref="RetainedMessages"/>), not a copy of the set, so a subscriber that stops reading pins this
    /// and the filters, nothing else. The set may change meanwhile; each topic is decided when the cursor reaches it:
    /// <list type="bullet">
    /// <item>cleared: not there, not sent;</item>
    /// <item>kept before the SUBSCRIBE and not changed since: sent, its current value;</item>
    /// <item>kept, replaced or cleared and kept again after the SUBSCRIBE: not sent — the subscription, in place before
    /// this cursor started, delivered that value as it was published, so sending it again would send it twice;</item>
    /// <item>every topic once, matched by any of the SUBSCRIBE's filters, at the highest QoS one of them was granted
    /// (never above the message's own), with the SUBSCRIBE's subscription identifier.</item>
    /// </list>
    /// The filters are walked together, in topic order: each filter contributes the run of topics starting with its text
    /// before the first wildcard (a filter without wildcards: the one topic; "a/#" also the exact "a", which it matches
    /// [MQTT-4.7.1-2]). Runs of such texts nest or lie apart, so the ones the current topic lies in form a stack; where it
    /// lies in none, the cursor jumps to the next run by binary search. A filter costs its run, not the whole set.
    /// Not thread-safe: its owner (<see cref="RetainedDelivery"/>) serializes it; <see cref="Find"/> runs under the
    /// retained set's lock.
    /// </summary>
    internal sealed class RetainedCursor
    {
        /// <summary>Each item's filter, whose first <see cref="_keyLengths"/> characters are its key; items are sorted by
        /// key, runs before exact topics on equal keys (so an exact item sits above the runs on the stack), then by filter
        /// (so <see cref="Remove"/> finds an item by binary search).</summary>
        string[] _filters;
        int[] _keyLengths;

        /// <summary>0: a run (every topic starting with the key); 1: the exact topic.</summary>
        int[] _exact;

        /// <summary>The QoS granted to the item's filter; -1 once the filter is removed (<see cref="Remove"/>).</summary>
        int[] _qos;

        int _items;
        int _removed;

        /// <summary>The items whose key the topic at <see cref="_at"/> lies in, shortest key first.</summary>
        int[] _open;
        int _openCount;

        /// <summary>The first item whose key comes after <see cref="_at"/>: those before it are open or passed for good.</summary>
        int _nextItem;

        /// <summary>The topic the open items were found for; null before the first.</summary>
        string _at;

        /// <summary>Every topic up to this one is done (sent, or not to be sent); null before the first.</summary>
        string _after;

        readonly long _startedAt;
        readonly int[] _identifiers;

        /// <param name="filters">The SUBSCRIBE's filters whose retained messages are sent (the first <paramref name="count"/>).</param>
        /// <param name="grantedQos">The QoS each was granted.</param>
        /// <param name="subscriptionIdentifier">The SUBSCRIBE's subscription identifier (MQTT 5); 0 for none.</param>
        /// <param name="startedAt">The retained set's <see cref="RetainedMessages.LastKept"/> when the SUBSCRIBE took effect.</param>
        public RetainedCursor(string[] filters, int[] grantedQos, int count, int subscriptionIdentifier, long startedAt)
        {
            _startedAt = startedAt;
            _identifiers = subscriptionIdentifier > 0 ? new int[] { subscriptionIdentifier } : null;
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

        /// <summary>The connection's next pending SUBSCRIBE (<see cref="RetainedDelivery"/>'s queue).</summary>
        public RetainedCursor Later;

        /// <summary>The QoS the message <see cref="Find"/> returned goes at.</summary>
        public int Qos;

        /// <summary>The SUBSCRIBE's subscription identifier as deliveries carry it; null for none.</summary>
        public int[] Identifiers
        {
            get { return _identifiers; }
        }

        /// <summary>Whether no filter is left (all were unsubscribed or subscribed again).</summary>
        public bool IsEmpty
        {
            get { return _removed == _items; }
        }

        /// <summary>
        /// The next message to send, its QoS in <see cref="Qos"/>; null when every one has been sent (the cursor is done
        /// with then). The cursor stays before it until <see cref="Passed"/>: a connection that cannot take it now is
        /// offered it (or what replaced it) again. A message whose expiry interval has run out by <paramref name="nowMs"/>
        /// is passed over [MQTT-3.3.2-5] (the retained set deletes it at its next <see cref="RetainedMessages.RemoveExpired"/>).
        /// Under <paramref name="retained"/>'s <see cref="RetainedMessages.SyncRoot"/>.
        /// </summary>
        public RoutedMessage Find(RetainedMessages retained, long nowMs)
        {
            int count = retained.KeptCount;
            int index = _after == null ? 0 : retained.IndexAfter(_after);
            while (index < count)
            {
                RoutedMessage message = retained.MessageAt(index);
                string topic = message.Topic;

                // A topic before the open items' one was kept after this cursor started: the subscription sent it.
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

                    if (retained.KeptAt(index) <= _startedAt && !message.ExpiredBy(nowMs))
                    {
                        int qos = QosFor(message);
                        if (qos >= 0)
                        {
                            Qos = qos;
                            return message;
                        }
                    }
                }

                _after = topic;
                index++;
            }

            return null;
        }

        /// <summary>The connection took the message <see cref="Find"/> returned for <paramref name="topic"/>.</summary>
        public void Passed(string topic)
        {
            _after = topic;
        }

        /// <summary>
        /// The client no longer holds <paramref name="filter"/> (UNSUBSCRIBE) or subscribed to it again (whose own cursor
        /// sends its retained messages): this SUBSCRIBE sends nothing more for it [MQTT-3.10.4-2]. Returns whether it had
        /// the filter. An item is marked and stays on the stack until passed; once half are marked they are dropped, so
        /// a client cycling through subscriptions while it does not read pins no more than what it holds.
        /// </summary>
        public bool Remove(string filter)
        {
            int wildcard = FirstWildcard(filter);
            bool had = Mark(filter, wildcard, wildcard == filter.Length ? 1 : 0);
            int parent = ExactParentLength(filter);
            if (parent > 0)
            {
                had |= Mark(filter, parent, 1);
            }

            if (had && _removed * 2 >= _items && _removed < _items)
            {
                Compact();
            }

            return had;
        }

        bool Mark(string filter, int keyLength, int exact)
        {
            int low = 0;
            int high = _items;
            while (low < high)
            {
                int middle = (low + high) >> 1;
                int compared = TopicOrder.Compare(_filters[middle], _keyLengths[middle], filter, keyLength);
                if (compared == 0)
                {
                    compared = _exact[middle] - exact;
                }

                if (compared == 0)
                {
                    compared = TopicOrder.Compare(_filters[middle], _filters[middle].Length, filter, filter.Length);
                }

                if (compared < 0)
                {
                    low = middle + 1;
                }
                else
                {
                    high = middle;
                }
            }

            bool had = false;
            for (int i = low; i < _items && _filters[i] == filter && _keyLengths[i] == keyLength && _exact[i] == exact; i++)
            {
                if (_qos[i] >= 0)
                {
                    _qos[i] = -1;
                    _removed++;
                    had = true;
                }
            }

            return had;
        }

        /// <summary>Drops the marked items, keeping the order and what is open and passed.</summary>
        void Compact()
        {
            int[] moved = new int[_items];
            int kept = 0;
            int nextItem = 0;
            for (int i = 0; i < _items; i++)
            {
                if (i == _nextItem)
                {
                    nextItem = kept;
                }

                if (_qos[i] < 0)
                {
                    moved[i] = -1;
                    continue;
                }

                moved[i] = kept;
                _filters[kept] = _filters[i];
                _keyLengths[kept] = _keyLengths[i];
                _exact[kept] = _exact[i];
                _qos[kept] = _qos[i];
                kept++;
            }

            _nextItem = _nextItem == _items ? kept : nextItem;
            int open = 0;
            for (int i = 0; i < _openCount; i++)
            {
                if (moved[_open[i]] >= 0)
                {
                    _open[open++] = moved[_open[i]];
                }
            }

            _openCount = open;
            _items = kept;
            _removed = 0;
            string[] filters = new string[kept];
            int[] keyLengths = new int[kept];
            int[] exact = new int[kept];
            int[] qos = new int[kept];
            System.Array.Copy(_filters, 0, filters, 0, kept);
            System.Array.Copy(_keyLengths, 0, keyLengths, 0, kept);
            System.Array.Copy(_exact, 0, exact, 0, kept);
            System.Array.Copy(_qos, 0, qos, 0, kept);
            _filters = filters;
            _keyLengths = keyLengths;
            _exact = exact;
            _qos = qos;
            int[] stack = new int[kept];
            System.Array.Copy(_open, 0, stack, 0, open);
            _open = stack;
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
                if (_qos[_nextItem] >= 0 && Contains(_nextItem, topic))
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
