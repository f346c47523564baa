using System.Collections;
using EdgeBroker.Core.Sessions;

namespace EdgeBroker.Core.Subscriptions
{
    /// <summary>
    /// All subscriptions of all sessions in one tree keyed by topic level, so finding the subscribers of a
    /// topic costs in proportion to the topic's depth and the matches — not to the number of subscribers
    /// (the scan-every-session cost of MQTTnet's own dispatcher, its issue #2174). Thread-safe.
    /// </summary>
    internal sealed class SubscriptionIndex
    {
        readonly object _sync = new object();
        readonly TopicNode _root = new TopicNode(null, string.Empty);
        int _count;

        public int Count
        {
            get { return _count; }
        }

        /// <summary>Adds or replaces the session's subscription to <paramref name="filter"/> ([MQTT-3.8.4-3]).
        /// The filter must already be valid.</summary>
        public Subscription Add(Session session, string filter, int grantedQos)
        {
            lock (_sync)
            {
                TopicNode node = _root;
                int start = 0;
                while (true)
                {
                    int end = filter.IndexOf('/', start);
                    if (end < 0)
                    {
                        end = filter.Length;
                    }

                    node = node.GetOrAddChild(filter.Substring(start, end - start));
                    if (end == filter.Length)
                    {
                        break;
                    }

                    start = end + 1;
                }

                if (node.Subscriptions == null)
                {
                    node.Subscriptions = new ArrayList();
                }

                for (int i = 0; i < node.Subscriptions.Count; i++)
                {
                    Subscription existing = (Subscription)node.Subscriptions[i];
                    if (existing.Session == session)
                    {
                        existing.GrantedQos = grantedQos;
                        return existing;
                    }
                }

                Subscription subscription = new Subscription(session, filter, grantedQos);
                node.Subscriptions.Add(subscription);
                session.Subscriptions.Add(subscription);
                _count++;
                return subscription;
            }
        }

        public bool Remove(Session session, string filter)
        {
            lock (_sync)
            {
                for (int i = 0; i < session.Subscriptions.Count; i++)
                {
                    Subscription subscription = (Subscription)session.Subscriptions[i];
                    if (subscription.Filter == filter)
                    {
                        session.Subscriptions.RemoveAt(i);
                        Unlink(subscription);
                        return true;
                    }
                }

                return false;
            }
        }

        public void RemoveAll(Session session)
        {
            lock (_sync)
            {
                for (int i = 0; i < session.Subscriptions.Count; i++)
                {
                    Unlink((Subscription)session.Subscriptions[i]);
                }

                session.Subscriptions.Clear();
            }
        }

        /// <summary>Adds every subscription matching <paramref name="topic"/> to <paramref name="matches"/>.</summary>
        public void Match(string topic, MatchSet matches)
        {
            lock (_sync)
            {
                // [MQTT-4.7.2-1] wildcards at the first level do not match '$' topics.
                bool reserved = topic.Length > 0 && topic[0] == '$';
                MatchLevel(_root, topic, 0, !reserved, matches);
            }
        }

        static void MatchLevel(TopicNode node, string topic, int position, bool wildcardsAllowed, MatchSet matches)
        {
            if (wildcardsAllowed && node.MultiLevel != null)
            {
                // '#' matches this level and everything below it, including the parent level itself.
                matches.AddAll(node.MultiLevel.Subscriptions);
            }

            if (position > topic.Length)
            {
                matches.AddAll(node.Subscriptions);
                return;
            }

            int end = position == topic.Length ? -1 : topic.IndexOf('/', position);
            if (end < 0)
            {
                end = topic.Length;
            }

            if (node.Children != null)
            {
                TopicNode child = (TopicNode)node.Children.Get(topic, position, end - position);
                if (child != null)
                {
                    MatchLevel(child, topic, end + 1, true, matches);
                }
            }

            if (wildcardsAllowed && node.SingleLevel != null)
            {
                MatchLevel(node.SingleLevel, topic, end + 1, true, matches);
            }
        }

        void Unlink(Subscription subscription)
        {
            TopicNode node = _root;
            string filter = subscription.Filter;
            int start = 0;
            while (node != null)
            {
                int end = filter.IndexOf('/', start);
                if (end < 0)
                {
                    end = filter.Length;
                }

                node = node.Child(filter.Substring(start, end - start));
                if (end == filter.Length)
                {
                    break;
                }

                start = end + 1;
            }

            if (node == null || node.Subscriptions == null)
            {
                return;
            }

            node.Subscriptions.Remove(subscription);
            _count--;

            // Prune levels nobody uses any more, so churn of unique topics does not leak memory.
            while (node.Parent != null && node.IsEmpty)
            {
                node.Parent.RemoveChild(node);
                node = node.Parent;
            }
        }
    }
}
