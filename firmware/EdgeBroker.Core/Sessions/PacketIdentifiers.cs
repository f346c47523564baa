namespace EdgeBroker.Core.Sessions
{
    /// <summary>
    /// A small set of MQTT packet identifiers (1–65535), each with a value (a delivery tag, or 0), kept in a session: the
    /// exchanges that outlive a connection (<see cref="OpenExchanges"/>), and handed to an engine's connection for the
    /// deliveries it resends (<see cref="IClientConnection.ResendWith"/>). Arrays grown as needed, searched from the
    /// start: the sets hold a handful (the in-flight limits bound them), where a hash set would cost more memory than it
    /// saves time. Guarded by the session's lock, or by the connection that was handed it.
    /// </summary>
    public sealed class PacketIdentifiers
    {
        const int FirstCapacity = 4;

        int[] _ids;
        long[] _values;
        int _count;

        public int Count
        {
            get { return _count; }
        }

        public bool Contains(int packetId)
        {
            return IndexOf(packetId) >= 0;
        }

        /// <summary>Adds <paramref name="packetId"/>; false when it was there already.</summary>
        public bool Add(int packetId)
        {
            return Add(packetId, 0);
        }

        /// <summary>Adds <paramref name="packetId"/> with <paramref name="value"/>; false (and unchanged) when it was
        /// there already.</summary>
        public bool Add(int packetId, long value)
        {
            if (IndexOf(packetId) >= 0)
            {
                return false;
            }

            if (_ids == null || _count == _ids.Length)
            {
                int capacity = _ids == null ? FirstCapacity : _ids.Length * 2;
                int[] grown = new int[capacity];
                long[] grownValues = new long[capacity];
                if (_ids != null)
                {
                    System.Array.Copy(_ids, 0, grown, 0, _count);
                    System.Array.Copy(_values, 0, grownValues, 0, _count);
                }

                _ids = grown;
                _values = grownValues;
            }

            _ids[_count] = packetId;
            _values[_count] = value;
            _count++;
            return true;
        }

        /// <summary>Removes <paramref name="packetId"/>; false when it was not there.</summary>
        public bool Remove(int packetId)
        {
            long value;
            return Remove(packetId, out value);
        }

        /// <summary>Removes <paramref name="packetId"/>, handing back its value; false when it was not there.</summary>
        public bool Remove(int packetId, out long value)
        {
            int index = IndexOf(packetId);
            if (index < 0)
            {
                value = 0;
                return false;
            }

            // Shifted, not swapped with the last: the order they were added in is the order they are resent in.
            value = _values[index];
            _count--;
            System.Array.Copy(_ids, index + 1, _ids, index, _count - index);
            System.Array.Copy(_values, index + 1, _values, index, _count - index);
            return true;
        }

        /// <summary>Whether some identifier holds <paramref name="value"/> (not 0).</summary>
        public bool ContainsValue(long value)
        {
            return IndexOfValue(value) >= 0;
        }

        /// <summary>
        /// For a set of deliveries to resend (<see cref="IClientConnection.ResendWith"/>): the identifier the kept message
        /// <paramref name="deliveryTag"/> was sent with, taken out for its resend; 0 when it is not one. A kept message
        /// sent without DUP (<paramref name="duplicate"/> false) comes after every resend, so the set is emptied: those
        /// left were acknowledged on the old connection or expired.
        /// </summary>
        public int TakeForResend(long deliveryTag, bool duplicate)
        {
            if (!duplicate)
            {
                _count = 0;
                return 0;
            }

            int index = IndexOfValue(deliveryTag);
            if (index < 0)
            {
                return 0;
            }

            int packetId = _ids[index];
            long removed;
            Remove(packetId, out removed);
            return packetId;
        }

        /// <summary>The <paramref name="index"/>th identifier (0 ≤ index &lt; <see cref="Count"/>), in the order added.</summary>
        public int IdAt(int index)
        {
            return _ids[index];
        }

        /// <summary>The value of the <paramref name="index"/>th identifier.</summary>
        public long ValueAt(int index)
        {
            return _values[index];
        }

        /// <summary>The identifiers in the order they were added, a copy.</summary>
        public int[] CopyIds()
        {
            int[] copy = new int[_count];
            if (_count > 0)
            {
                System.Array.Copy(_ids, 0, copy, 0, _count);
            }

            return copy;
        }

        int IndexOfValue(long value)
        {
            for (int i = 0; i < _count; i++)
            {
                if (_values[i] == value)
                {
                    return i;
                }
            }

            return -1;
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
    }
}
