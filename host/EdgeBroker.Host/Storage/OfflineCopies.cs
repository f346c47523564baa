using System.Collections;
using EdgeBroker.Core.Offline;

namespace EdgeBroker.Host.Storage;

/// <summary>
/// A bounded in-memory copy of the offline messages of clients whose whole backlog was stored since their queue was last
/// empty, so a returning client drains without reading SQLite (reading pages and decoding rows was most of a drain's
/// store work); the database stays the truth (a restart starts with no copies, and every client's backlog is read from
/// SQLite again). A client's copy is either complete — every message the store keeps for it, in id order — or absent:
/// a message that does not fit the budget drops the client's whole copy, and a client gets one again only once it has
/// nothing stored; a drained client keeps an empty copy (no arrays, a few dozen bytes) until its session is discarded.
/// The budget counts topic and payload bytes (as the per-client quota does) plus <see cref="OverheadBytes"/> per
/// message. Thread-safe: one lock, never held while waiting for the database.
/// </summary>
public sealed class OfflineCopies(long maxBytes)
{
    /// <summary>What a kept copy costs beyond its topic and payload: the <see cref="StoredMessage"/>, its message and
    /// the payload array's header, and the copy's slot (measured on .NET 10 x64, rounded up).</summary>
    public const int OverheadBytes = 200;

    readonly object _sync = new();
    readonly Dictionary<string, ClientCopy> _clients = new(StringComparer.Ordinal);
    long _bytes;

    /// <summary>What the copies hold now, as the budget counts it.</summary>
    public long Bytes
    {
        get
        {
            lock (_sync)
            {
                return _bytes;
            }
        }
    }

    /// <summary>Copies a message the store has just given its id; <paramref name="clientWasEmpty"/> says the store kept
    /// nothing else for the client, so a copy may start with it. Ids of a client arrive in increasing order.</summary>
    public void Add(string clientId, StoredMessage message, bool clientWasEmpty)
    {
        var size = SizeOf(message);
        lock (_sync)
        {
            if (!_clients.TryGetValue(clientId, out var copy))
            {
                if (!clientWasEmpty || maxBytes == 0)
                {
                    return;
                }

                copy = new ClientCopy();
                _clients[clientId] = copy;
            }

            if (_bytes + size > maxBytes)
            {
                // Not all of the client's backlog fits: it is read from the database until it has drained.
                Drop(clientId, copy);
                return;
            }

            copy.Add(message);
            _bytes += size;
        }
    }

    /// <summary>Adds to <paramref name="into"/> up to <paramref name="max"/> copies of the client's messages with ids
    /// above <paramref name="afterId"/> up to <paramref name="upToId"/>, oldest first, leaving out those expired at
    /// <paramref name="nowMs"/> (their ids go to <paramref name="expired"/>, for the caller to delete). False when the
    /// client has no copy: read the database.</summary>
    public bool TryRead(string clientId, long afterId, long upToId, int max, long nowMs, ArrayList into, List<long> expired, out int added)
    {
        added = 0;
        lock (_sync)
        {
            if (!_clients.TryGetValue(clientId, out var copy))
            {
                return false;
            }

            for (var i = copy.IndexAfter(afterId); i < copy.End && added < max; i++)
            {
                var message = copy.At(i);
                if (message is null)
                {
                    continue;
                }

                if (message.Id > upToId)
                {
                    break;
                }

                if (message.ExpiresAtMs <= nowMs)
                {
                    expired.Add(message.Id);
                    continue;
                }

                into.Add(message);
                added++;
            }

            return true;
        }
    }

    /// <summary>The client has message <paramref name="id"/> (or it expired, or its insert was rolled back): forget
    /// its copy.</summary>
    public void Remove(string clientId, long id)
    {
        lock (_sync)
        {
            if (_clients.TryGetValue(clientId, out var copy) && copy.Remove(id) is { } removed)
            {
                _bytes -= SizeOf(removed);
            }
        }
    }

    /// <summary>Everything kept for the client is gone (clean start, expired session): it starts again empty.</summary>
    public void Discard(string clientId)
    {
        lock (_sync)
        {
            if (_clients.TryGetValue(clientId, out var copy))
            {
                Drop(clientId, copy);
            }
        }
    }

    /// <summary>Under <see cref="_sync"/>.</summary>
    void Drop(string clientId, ClientCopy copy)
    {
        _bytes -= copy.Bytes(SizeOf);
        _clients.Remove(clientId);
    }

    static long SizeOf(StoredMessage message) => MemoryOfflineStore.SizeOf(message.Message) + OverheadBytes;

    /// <summary>One client's copies in id order, from the oldest not yet removed (<see cref="_head"/>); a removed
    /// message leaves an empty slot until the head passes it (receivers acknowledge mostly in order).</summary>
    sealed class ClientCopy
    {
        const int InitialSlots = 16;

        StoredMessage?[] _slots = [];
        long[] _ids = [];
        int _head;
        int _end;

        public int End => _end;

        public StoredMessage? At(int index) => _slots[index];

        public void Add(StoredMessage message)
        {
            if (_end == _slots.Length)
            {
                Compact();
            }

            _slots[_end] = message;
            _ids[_end] = message.Id;
            _end++;
        }

        /// <summary>The index of the first slot whose id is above <paramref name="afterId"/>.</summary>
        public int IndexAfter(long afterId)
        {
            var found = Array.BinarySearch(_ids, _head, _end - _head, afterId);
            return found >= 0 ? found + 1 : ~found;
        }

        public StoredMessage? Remove(long id)
        {
            var index = Array.BinarySearch(_ids, _head, _end - _head, id);
            if (index < 0 || _slots[index] is not { } removed)
            {
                return null;
            }

            _slots[index] = null;
            while (_head < _end && _slots[_head] is null)
            {
                _head++;
            }

            if (_head == _end)
            {
                // Drained: a client that is back holds no arrays (a persistent session keeps its copy while it lives).
                _slots = [];
                _ids = [];
                _head = 0;
                _end = 0;
            }

            return removed;
        }

        public long Bytes(Func<StoredMessage, long> sizeOf)
        {
            long bytes = 0;
            for (var i = _head; i < _end; i++)
            {
                if (_slots[i] is { } message)
                {
                    bytes += sizeOf(message);
                }
            }

            return bytes;
        }

        /// <summary>Moves the live slots to the front, growing the arrays when more than half of them are live.</summary>
        void Compact()
        {
            var live = _end - _head;
            var size = Math.Max(InitialSlots, live > _slots.Length / 2 ? _slots.Length * 2 : _slots.Length);
            var slots = size == _slots.Length ? _slots : new StoredMessage?[size];
            var ids = size == _ids.Length ? _ids : new long[size];
            Array.Copy(_slots, _head, slots, 0, live);
            Array.Copy(_ids, _head, ids, 0, live);
            Array.Clear(slots, live, slots.Length - live);
            _slots = slots;
            _ids = ids;
            _head = 0;
            _end = live;
        }
    }
}
