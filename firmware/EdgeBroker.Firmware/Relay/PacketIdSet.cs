namespace EdgeBroker.Firmware.Relay
{
    /// <summary>
    /// A small bounded set of packet identifiers with a value each: the QoS 1 deliveries awaiting the client's PUBACK
    /// whose delivery tag the core wants back (the QoS 2 PUBLISHes awaiting PUBREL are the core's session's). Arrays
    /// grown on first use, so a client that never uses QoS 1 or 2 costs nothing. Not thread-safe.
    /// </summary>
    public sealed class PacketIdSet
    {
        readonly int _capacity;
        int[] _ids;
        long[] _values;
        int _count;

        public PacketIdSet(int capacity)
        {
            _capacity = capacity;
        }

        public int Count
        {
            get { return _count; }
        }

        public bool Contains(int packetId)
        {
            return IndexOf(packetId) >= 0;
        }

        /// <summary>Adds or replaces; false when the set is full.</summary>
        public bool Add(int packetId, long value)
        {
            int index = IndexOf(packetId);
            if (index >= 0)
            {
                _values[index] = value;
                return true;
            }

            if (_count == _capacity)
            {
                return false;
            }

            if (_ids == null || _count == _ids.Length)
            {
                Grow();
            }

            _ids[_count] = packetId;
            _values[_count] = value;
            _count++;
            return true;
        }

        /// <summary>Removes <paramref name="packetId"/> and returns its value; <paramref name="found"/> says whether it was there.</summary>
        public long Remove(int packetId, out bool found)
        {
            int index = IndexOf(packetId);
            found = index >= 0;
            if (!found)
            {
                return 0;
            }

            long value = _values[index];
            _count--;
            _ids[index] = _ids[_count];
            _values[index] = _values[_count];
            return value;
        }

        int IndexOf(int packetId)
        {
            for (int i = 0; i < _count; i++)
            {
                if (_ids[i] == packetId)
                {
                    return i;
                }
            }

            return -1;
        }

        void Grow()
        {
            int size = _ids == null ? 4 : _ids.Length * 2;
            if (size > _capacity)
            {
                size = _capacity;
            }

            int[] ids = new int[size];
            long[] values = new long[size];
            if (_ids != null)
            {
                System.Array.Copy(_ids, 0, ids, 0, _count);
                System.Array.Copy(_values, 0, values, 0, _count);
            }

            _ids = ids;
            _values = values;
        }
    }
}
