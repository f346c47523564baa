using System.Collections;
using EdgeBroker.Core.Sessions;

namespace EdgeBroker.Core.Subscriptions
{
    /// <summary>
    /// The subscriptions that matched one topic, folded to one entry per session: a client with overlapping
    /// subscriptions gets the message once, at the highest granted QoS, with every matching subscription
    /// identifier (MQTT 5 §3.3.4). A shared subscription adds an entry of its own, never folded: its message goes to
    /// one member of the group whatever that member's other subscriptions receive (§4.8.2). Reusable:
    /// <see cref="Clear"/> and fill again, its entries used again.
    /// <para>
    /// Entries are found by <see cref="Session.Number"/> in a small open-addressing table rather than a Hashtable
    /// keyed by the session: on nanoFramework an object's hash code follows its heap address and field values, both
    /// of which change while the session lives, and a session must never be folded twice.
    /// </para>
    /// </summary>
    internal sealed class MatchSet
    {
        readonly ArrayList _entries = new ArrayList();

        /// <summary>The first session's own entry, found without a table until a second comes: most topics match one
        /// session, and a match is made per PUBLISH.</summary>
        Entry _first;

        /// <summary>The table the sessions' own entries are found in, made at the second.</summary>
        Entry[] _slots;

        /// <summary>Entries of earlier fillings, used again after <see cref="Clear"/>; made at the first clear.</summary>
        ArrayList _free;

        public int Count
        {
            get { return _entries.Count; }
        }

        /// <summary>Whether the set only asks who would be offered a message (see <see cref="BrokerCore.MatchSubscribers"/>):
        /// share groups then add their members without moving their turn.</summary>
        public bool LeavesTurns { get; set; }

        /// <summary>Whether a share group added a turn (<see cref="AddShared"/>).</summary>
        public bool HasShared { get; private set; }

        public Session SessionAt(int index)
        {
            return ((Entry)_entries[index]).Session;
        }

        public int QosAt(int index)
        {
            return ((Entry)_entries[index]).Qos;
        }

        public bool NoLocalAt(int index)
        {
            return ((Entry)_entries[index]).NoLocal;
        }

        public bool RetainAsPublishedAt(int index)
        {
            return ((Entry)_entries[index]).RetainAsPublished;
        }

        /// <summary>For a shared subscription's entry, its members in the order to offer the message (the router
        /// delivers to the first that can take it); null for a session's own subscriptions.</summary>
        public Subscription[] SharedAt(int index)
        {
            return ((Entry)_entries[index]).Shared;
        }

        /// <summary>The matching subscription identifiers, or null when none was given.</summary>
        public int[] IdentifiersAt(int index)
        {
            ArrayList identifiers = ((Entry)_entries[index]).Identifiers;
            if (identifiers == null)
            {
                return null;
            }

            int[] result = new int[identifiers.Count];
            for (int i = 0; i < result.Length; i++)
            {
                result[i] = (int)identifiers[i];
            }

            return result;
        }

        public void Clear()
        {
            for (int i = 0; _slots != null && i < _slots.Length; i++)
            {
                _slots[i] = null;
            }

            if (_free == null)
            {
                _free = new ArrayList();
            }

            for (int i = 0; i < _entries.Count; i++)
            {
                // Holding no session: a session that ends is not kept alive by a match waiting for its next filling.
                Entry entry = (Entry)_entries[i];
                entry.Session = null;
                entry.Identifiers = null;
                entry.Shared = null;
                _free.Add(entry);
            }

            _first = null;
            _entries.Clear();
            HasShared = false;
        }

        /// <summary>An empty entry: one of an earlier filling's, else a new one.</summary>
        Entry NewEntry()
        {
            if (_free == null || _free.Count == 0)
            {
                return new Entry();
            }

            int last = _free.Count - 1;
            Entry entry = (Entry)_free[last];
            _free.RemoveAt(last);
            entry.Qos = 0;
            entry.NoLocal = false;
            entry.RetainAsPublished = false;
            return entry;
        }

        internal void AddAll(ArrayList subscriptions)
        {
            if (subscriptions == null)
            {
                return;
            }

            for (int i = 0; i < subscriptions.Count; i++)
            {
                Add((Subscription)subscriptions[i]);
            }
        }

        /// <summary>One turn of a share group: its members in the order to offer the message.</summary>
        internal void AddShared(Subscription[] members)
        {
            Entry entry = NewEntry();
            entry.Session = members[0].Session;
            entry.Shared = members;
            _entries.Add(entry);
            HasShared = true;
        }

        void Add(Subscription subscription)
        {
            Entry entry = Find(subscription.Session);
            if (entry == null)
            {
                entry = NewEntry();
                entry.Session = subscription.Session;
                entry.Qos = subscription.GrantedQos;
                entry.NoLocal = subscription.NoLocal;
                entry.RetainAsPublished = subscription.RetainAsPublished;
                Insert(entry);
            }
            else
            {
                if (subscription.GrantedQos > entry.Qos)
                {
                    entry.Qos = subscription.GrantedQos;
                }

                // The message is suppressed for its publisher only if every matching subscription says No Local.
                entry.NoLocal = entry.NoLocal && subscription.NoLocal;
                entry.RetainAsPublished = entry.RetainAsPublished || subscription.RetainAsPublished;
            }

            if (subscription.Identifier != 0)
            {
                if (entry.Identifiers == null)
                {
                    entry.Identifiers = new ArrayList();
                }

                entry.Identifiers.Add(subscription.Identifier);
            }
        }

        Entry Find(Session session)
        {
            if (_slots == null)
            {
                return _first != null && _first.Session == session ? _first : null;
            }

            int mask = _slots.Length - 1;
            for (int index = session.Number & mask; _slots[index] != null; index = (index + 1) & mask)
            {
                if (_slots[index].Session == session)
                {
                    return _slots[index];
                }
            }

            return null;
        }

        void Insert(Entry entry)
        {
            if (_slots == null)
            {
                if (_first == null)
                {
                    _first = entry;
                    _entries.Add(entry);
                    return;
                }

                _slots = new Entry[8];
                Place(_first);
            }

            if ((_entries.Count + 1) * 2 > _slots.Length)
            {
                Grow();
            }

            Place(entry);
            _entries.Add(entry);
        }

        void Place(Entry entry)
        {
            int mask = _slots.Length - 1;
            int index = entry.Session.Number & mask;
            while (_slots[index] != null)
            {
                index = (index + 1) & mask;
            }

            _slots[index] = entry;
        }

        /// <summary>A table twice the size, holding the sessions' own entries again; a share group's entry is never in
        /// it (<see cref="AddShared"/>), so a member's own subscriptions are not folded into the group's turn.</summary>
        void Grow()
        {
            _slots = new Entry[_slots.Length * 2];
            for (int i = 0; i < _entries.Count; i++)
            {
                Entry entry = (Entry)_entries[i];
                if (entry.Shared == null)
                {
                    Place(entry);
                }
            }
        }

        sealed class Entry
        {
            public Session Session;
            public int Qos;
            public bool NoLocal;
            public bool RetainAsPublished;
            public ArrayList Identifiers;
            public Subscription[] Shared;
        }
    }
}
