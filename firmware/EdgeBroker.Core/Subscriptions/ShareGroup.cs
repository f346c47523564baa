using System.Collections;

namespace EdgeBroker.Core.Subscriptions
{
    /// <summary>
    /// The members of one shared subscription (one share name on one topic filter, MQTT 5 §4.8.2) and whose turn is
    /// next. Each matching message goes to one member, round-robin among the members that are connected. Guarded by
    /// the <see cref="SubscriptionIndex"/>'s lock.
    /// </summary>
    internal sealed class ShareGroup
    {
        readonly ArrayList _members = new ArrayList();
        int _next;

        internal ShareGroup(string shareName)
        {
            ShareName = shareName;
        }

        public string ShareName { get; private set; }

        /// <summary>The members' <see cref="Subscription"/>s, in the order they joined.</summary>
        internal ArrayList Members
        {
            get { return _members; }
        }

        /// <summary>Every member, in the order they joined; the turn stays where it is.</summary>
        internal Subscription[] MembersAsJoined()
        {
            Subscription[] members = new Subscription[_members.Count];
            _members.CopyTo(members);
            return members;
        }

        /// <summary>
        /// Every member, in the order to offer the next message: first the connected member whose turn it is, then the
        /// rest in turn (the router falls back to them when that one cannot take it). The turn moves past the member
        /// put first, so connected members take messages in turn however many members are away.
        /// </summary>
        internal Subscription[] NextInTurn()
        {
            int count = _members.Count;
            int first = _next % count;
            for (int i = 0; i < count; i++)
            {
                int index = (_next + i) % count;
                if (((Subscription)_members[index]).Session.IsOnline)
                {
                    first = index;
                    break;
                }
            }

            _next = first + 1;
            Subscription[] order = new Subscription[count];
            for (int i = 0; i < count; i++)
            {
                order[i] = (Subscription)_members[(first + i) % count];
            }

            return order;
        }
    }
}
