namespace EdgeBroker.Core.Sessions
{
    /// <summary>
    /// A hash table of sessions keyed by client ID that can also be searched with a slice of a larger string,
    /// so the P2P receiver in <c>parent/p2p/{clientId}</c> is found without allocating a substring — a routed
    /// message on the device should allocate nothing. Open addressing with linear probing; not thread-safe
    /// (the registry locks around it).
    /// </summary>
    internal sealed class ClientIdTable
    {
        static readonly Session Tombstone = new Session(string.Empty);

        Session[] _slots;
        int _count;
        int _used;

        public ClientIdTable(int initialCapacity)
        {
            int capacity = 8;
            while (capacity < initialCapacity * 2)
            {
                capacity <<= 1;
            }

            _slots = new Session[capacity];
        }

        public int Count
        {
            get { return _count; }
        }

        public Session Find(string key, int start, int length)
        {
            int mask = _slots.Length - 1;
            int index = Hash(key, start, length) & mask;
            while (true)
            {
                Session slot = _slots[index];
                if (slot == null)
                {
                    return null;
                }

                if (slot != Tombstone && SliceEquals(slot.ClientId, key, start, length))
                {
                    return slot;
                }

                index = (index + 1) & mask;
            }
        }

        public void Add(Session session)
        {
            if ((_used + 1) * 4 > _slots.Length * 3)
            {
                Resize(_count * 2 + 8);
            }

            string key = session.ClientId;
            int mask = _slots.Length - 1;
            int index = Hash(key, 0, key.Length) & mask;
            while (_slots[index] != null && _slots[index] != Tombstone)
            {
                index = (index + 1) & mask;
            }

            if (_slots[index] == null)
            {
                _used++;
            }

            _slots[index] = session;
            _count++;
        }

        public bool Remove(Session session)
        {
            string key = session.ClientId;
            int mask = _slots.Length - 1;
            int index = Hash(key, 0, key.Length) & mask;
            while (_slots[index] != null)
            {
                if (_slots[index] == session)
                {
                    _slots[index] = Tombstone;
                    _count--;
                    return true;
                }

                index = (index + 1) & mask;
            }

            return false;
        }

        /// <summary>Copies the live sessions into <paramref name="target"/> (for listings and sweeps).</summary>
        public void CopyTo(System.Collections.ArrayList target)
        {
            for (int i = 0; i < _slots.Length; i++)
            {
                Session slot = _slots[i];
                if (slot != null && slot != Tombstone)
                {
                    target.Add(slot);
                }
            }
        }

        void Resize(int minimumCount)
        {
            Session[] old = _slots;
            int capacity = 8;
            while (capacity < minimumCount * 2)
            {
                capacity <<= 1;
            }

            _slots = new Session[capacity];
            _count = 0;
            _used = 0;
            for (int i = 0; i < old.Length; i++)
            {
                if (old[i] != null && old[i] != Tombstone)
                {
                    Add(old[i]);
                }
            }
        }

        /// <summary>FNV-1a over the UTF-16 code units of the slice.</summary>
        static int Hash(string s, int start, int length)
        {
            uint hash = 2166136261;
            int end = start + length;
            for (int i = start; i < end; i++)
            {
                hash = (hash ^ s[i]) * 16777619;
            }

            return (int)(hash & 0x7FFFFFFF);
        }

        static bool SliceEquals(string candidate, string key, int start, int length)
        {
            if (candidate.Length != length)
            {
                return false;
            }

            for (int i = 0; i < length; i++)
            {
                if (candidate[i] != key[start + i])
                {
                    return false;
                }
            }

            return true;
        }
    }
}
