namespace EdgeBroker.Core.Collections
{
    /// <summary>
    /// A hash table from strings (compared ordinally) to objects, that can also be searched with a slice of a larger
    /// string, so <c>parent/p2p/{clientId}</c> and topic levels are looked up without allocating a substring — a
    /// routed message on the device should allocate nothing.
    /// <para>
    /// The core uses this instead of <c>System.Collections.Hashtable</c> because nanoFramework's Hashtable is
    /// native firmware code whose hashing and equality have changed between firmware releases (class keys hash by
    /// heap address and field values, which move and change; an update after a remove can leave a key twice); this
    /// table behaves the same on every firmware and on .NET. Open addressing with linear probing; not thread-safe.
    /// </para>
    /// </summary>
    public sealed class StringMap
    {
        /// <summary>Marks a slot whose entry was removed, so probes for keys placed after it keep going.</summary>
        static readonly string Tombstone = new string('\0', 1);

        string[] _keys;
        object[] _values;
        int _count;
        int _used;

        public StringMap(int expectedCount)
        {
            int capacity = CapacityFor(expectedCount);
            _keys = new string[capacity];
            _values = new object[capacity];
        }

        public int Count
        {
            get { return _count; }
        }

        /// <summary>The value stored under <paramref name="key"/>, or null.</summary>
        public object Get(string key)
        {
            return Get(key, 0, key.Length);
        }

        /// <summary>The value stored under the key that equals <paramref name="text"/>[start, start+length), or null.</summary>
        public object Get(string text, int start, int length)
        {
            int slot = SlotOf(text, start, length);
            return slot < 0 ? null : _values[slot];
        }

        /// <summary>Stores <paramref name="value"/> under <paramref name="key"/>, replacing what was there.</summary>
        public void Set(string key, object value)
        {
            int existing = SlotOf(key, 0, key.Length);
            if (existing >= 0)
            {
                _values[existing] = value;
                return;
            }

            if ((_used + 1) * 4 > _keys.Length * 3)
            {
                // Room for twice the entries (half full again, or the same size once removals' tombstones are
                // cleared), not four times: a table of every client (sessions, live connections) grown to a
                // quarter full cost each idle client up to 64 bytes per table, twice what half full costs.
                Resize(_count + 1);
            }

            int mask = _keys.Length - 1;
            int index = Hash(key, 0, key.Length) & mask;
            while (_keys[index] != null && (object)_keys[index] != Tombstone)
            {
                index = (index + 1) & mask;
            }

            if (_keys[index] == null)
            {
                _used++;
            }

            _keys[index] = key;
            _values[index] = value;
            _count++;
        }

        /// <summary>Removes the entry for <paramref name="key"/>; false when there was none.</summary>
        public bool Remove(string key)
        {
            int slot = SlotOf(key, 0, key.Length);
            if (slot < 0)
            {
                return false;
            }

            _keys[slot] = Tombstone;
            _values[slot] = null;
            _count--;
            return true;
        }

        /// <summary>Removes the entry for <paramref name="key"/> only while it still holds <paramref name="value"/>.</summary>
        public bool Remove(string key, object value)
        {
            int slot = SlotOf(key, 0, key.Length);
            if (slot < 0 || _values[slot] != value)
            {
                return false;
            }

            _keys[slot] = Tombstone;
            _values[slot] = null;
            _count--;
            return true;
        }

        public void Clear()
        {
            for (int i = 0; i < _keys.Length; i++)
            {
                _keys[i] = null;
                _values[i] = null;
            }

            _count = 0;
            _used = 0;
        }

        /// <summary>How many slots <see cref="ValueAt"/> takes: a sweep goes through them all instead of copying the
        /// values first. Removing entries during the sweep is safe (a removed entry leaves its slot empty, nothing
        /// moves); adding is not (it may resize the table).</summary>
        public int SlotCount
        {
            get { return _keys.Length; }
        }

        /// <summary>The value in <paramref name="slot"/> (0 to <see cref="SlotCount"/> - 1), or null for a slot that
        /// holds no entry.</summary>
        public object ValueAt(int slot)
        {
            return IsLive(slot) ? _values[slot] : null;
        }

        /// <summary>The key in <paramref name="slot"/> (as <see cref="ValueAt"/>), or null for a slot that holds no entry.</summary>
        public string KeyAt(int slot)
        {
            return IsLive(slot) ? _keys[slot] : null;
        }

        /// <summary>Copies the values into <paramref name="target"/> (for listings and sweeps).</summary>
        public void CopyValuesTo(System.Collections.ArrayList target)
        {
            for (int i = 0; i < _keys.Length; i++)
            {
                if (IsLive(i))
                {
                    target.Add(_values[i]);
                }
            }
        }

        /// <summary>Adds every key to <paramref name="target"/>, in the order <see cref="CopyValuesTo"/> adds their values.</summary>
        public void CopyKeysTo(System.Collections.ArrayList target)
        {
            for (int i = 0; i < _keys.Length; i++)
            {
                if (IsLive(i))
                {
                    target.Add(_keys[i]);
                }
            }
        }

        bool IsLive(int slot)
        {
            return _keys[slot] != null && (object)_keys[slot] != Tombstone;
        }

        int SlotOf(string text, int start, int length)
        {
            int mask = _keys.Length - 1;
            int index = Hash(text, start, length) & mask;
            while (true)
            {
                string key = _keys[index];
                if (key == null)
                {
                    return -1;
                }

                if ((object)key != Tombstone && SliceEquals(key, text, start, length))
                {
                    return index;
                }

                index = (index + 1) & mask;
            }
        }

        void Resize(int minimumCount)
        {
            string[] oldKeys = _keys;
            object[] oldValues = _values;
            int capacity = CapacityFor(minimumCount);
            _keys = new string[capacity];
            _values = new object[capacity];
            _count = 0;
            _used = 0;
            for (int i = 0; i < oldKeys.Length; i++)
            {
                if (oldKeys[i] != null && (object)oldKeys[i] != Tombstone)
                {
                    Set(oldKeys[i], oldValues[i]);
                }
            }
        }

        static int CapacityFor(int count)
        {
            int capacity = 8;
            while (capacity < count * 2)
            {
                capacity <<= 1;
            }

            return capacity;
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

        static bool SliceEquals(string candidate, string text, int start, int length)
        {
            if (candidate.Length != length)
            {
                return false;
            }

            for (int i = 0; i < length; i++)
            {
                if (candidate[i] != text[start + i])
                {
                    return false;
                }
            }

            return true;
        }
    }
}
