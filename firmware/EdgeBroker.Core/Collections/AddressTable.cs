using System.Collections;

namespace EdgeBroker.Core.Collections
{
    /// <summary>What a per-address table keeps about one source address: the address and when it was last seen.
    /// Tables derive their own entries from it.</summary>
    public class AddressEntry
    {
        public string Address;
        public long LastSeenMs;
    }

    /// <summary>
    /// A table of source addresses with a fixed capacity, for the per-address bookkeeping that must stay bounded however
    /// many addresses a flood brings (login failures, connection rates, log lines): the owner makes room when it is
    /// full, usually by giving up the <see cref="LeastRecentlySeen"/> entry. Not thread-safe: owners serialise calls.
    /// </summary>
    public sealed class AddressTable
    {
        readonly int _capacity;
        readonly StringMap _byAddress;
        readonly ArrayList _entries = new ArrayList();

        public AddressTable(int capacity)
        {
            _capacity = capacity < 1 ? 1 : capacity;
            _byAddress = new StringMap(_capacity < 64 ? _capacity : 64);
        }

        public int Count
        {
            get { return _entries.Count; }
        }

        public bool IsFull
        {
            get { return _entries.Count >= _capacity; }
        }

        /// <summary>The entry at <paramref name="index"/> (0 to Count - 1), for owners that choose what to give up.</summary>
        public AddressEntry At(int index)
        {
            return (AddressEntry)_entries[index];
        }

        /// <summary>The entry of <paramref name="address"/>, or null.</summary>
        public AddressEntry Find(string address)
        {
            return (AddressEntry)_byAddress.Get(address);
        }

        /// <summary>Adds <paramref name="entry"/>, giving up the least recently seen entry first when the table is full.</summary>
        public void Add(AddressEntry entry)
        {
            if (IsFull)
            {
                Remove(LeastRecentlySeen());
            }

            _byAddress.Set(entry.Address, entry);
            _entries.Add(entry);
        }

        public void Remove(AddressEntry entry)
        {
            _byAddress.Remove(entry.Address);
            _entries.Remove(entry);
        }

        /// <summary>The entry seen longest ago; null when the table is empty.</summary>
        public AddressEntry LeastRecentlySeen()
        {
            AddressEntry oldest = null;
            for (int i = 0; i < _entries.Count; i++)
            {
                AddressEntry entry = (AddressEntry)_entries[i];
                if (oldest == null || entry.LastSeenMs < oldest.LastSeenMs)
                {
                    oldest = entry;
                }
            }

            return oldest;
        }
    }
}
