using System.Collections;
using EdgeBroker.Core.Sessions;
using EdgeBroker.Core.Topics;

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

        /// <summary>Adds or replaces the session's subscription to <paramref name="filter"/> ([MQTT-3.8.4-3]); a
        /// <c>$share/{name}/{filter}</c> joins the session to that share group. The filter must already be valid.</summary>
        public Subscription Add(Session session, string filter, int grantedQos)
        {
            lock (_sync)
            {
                TopicNode node = _root;
                string treeFilter = SharedFilter.TopicFilterOf(filter);
                int start = 0;
                while (true)
                {
                    int end = treeFilter.IndexOf('/', start);
                    if (end < 0)
                    {
                        end = treeFilter.Length;
                    }

                    node = node.GetOrAddChild(treeFilter.Substring(start, end - start));
                    if (end == treeFilter.Length)
                    {
                        break;
                    }

                    start = end + 1;
                }

                ShareGroup group = null;
                ArrayList holders;
                if (SharedFilter.IsShared(filter))
                {
                    string shareName = SharedFilter.ShareNameOf(filter);
                    group = node.FindShareGroup(shareName);
                    if (group == null)
                    {
                        group = new ShareGroup(shareName);
                        if (node.ShareGroups == null)
                        {
                            node.ShareGroups = new ArrayList();
                        }

                        node.ShareGroups.Add(group);
                    }

                    holders = group.Members;
                }
                else
                {
                    if (node.Subscriptions == null)
                    {
                        node.Subscriptions = new ArrayList();
                    }

                    holders = node.Subscriptions;
                }

                for (int i = 0; i < holders.Count; i++)
                {
                    Subscription existing = (Subscription)holders[i];
                    if (existing.Session == session)
                    {
                        existing.GrantedQos = grantedQos;
                        return existing;
                    }
                }

                Subscription subscription = new Subscription(session, filter, grantedQos);
                subscription.Group = group;
                holders.Add(subscription);
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
                Collect(node.MultiLevel, matches);
            }

            if (position > topic.Length)
            {
                Collect(node, matches);
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

        /// <summary>The members of <paramref name="group"/> in the order to offer its next message (see
        /// <see cref="ShareGroup.NextInTurn"/>); null when none is left.</summary>
        public Subscription[] NextInTurn(ShareGroup group)
        {
            lock (_sync)
            {
                return group.Members.Count == 0 ? null : group.NextInTurn();
            }
        }

        /// <summary>The subscriptions whose filter ends at <paramref name="node"/>, and one turn of each share group
        /// there (its members as they joined, turns untouched, when the set only asks who would be offered it).</summary>
        static void Collect(TopicNode node, MatchSet matches)
        {
            matches.AddAll(node.Subscriptions);
            ArrayList groups = node.ShareGroups;
            if (groups == null)
            {
                return;
            }

            for (int i = 0; i < groups.Count; i++)
            {
                ShareGroup group = (ShareGroup)groups[i];
                if (group.Members.Count > 0)
                {
                    matches.AddShared(matches.LeavesTurns ? group.MembersAsJoined() : group.NextInTurn());
                }
            }
        }

        void Unlink(Subscription subscription)
        {
            TopicNode node = _root;
            string filter = SharedFilter.TopicFilterOf(subscription.Filter);
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

            if (node == null)
            {
                return;
            }

            ShareGroup group = subscription.Group;
            if (group != null)
            {
                group.Members.Remove(subscription);
                if (group.Members.Count == 0)
                {
                    node.ShareGroups.Remove(group);
                }
            }
            else if (node.Subscriptions != null)
            {
                node.Subscriptions.Remove(subscription);
            }

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
