using System.Collections;
using EdgeBroker.Core;
using EdgeBroker.Core.Offline;
using EdgeBroker.Core.Routing;

namespace EdgeBroker.Host.Storage;

/// <summary>
/// A bounded in-memory copy of the offline messages of clients whose whole backlog was stored since their queue was last
/// empty, so a returning client drains without reading SQLite (reading pages and decoding rows was most of a drain's
/// store work); the database stays the truth (a restart starts with no copies, and every client's backlog is read from
/// SQLite again). A client's copy is either complete — every message the store keeps for it, in id order — or absent:
/// a message that does not fit the budget drops the client's whole copy, and a client gets one again only once it has
/// nothing stored; a drained client keeps an empty copy (no arrays, a few dozen bytes) until its session is discarded.
/// A copy is a slot of plain fields (<see cref="Slot"/>), not the message's objects: its payload is copied into the
/// client's current payload array (<see cref="ClientCopy"/>: arrays of up to <see cref="ChunkBytes"/>, each holding
/// many payloads, written once), and an equal topic is the string of the message before. So a backlog keeps no
/// object per message alive through the collections of its storing phase — measured, the collector promoting the
/// kept messages (four objects each) was a quarter of the broker's CPU while storing, and still a sixth with one
/// payload array each. A read makes the message SQLite would give (its fields; its payload a slice of that array,
/// which is never written again). The budget counts each message's footprint — topic, payload and MQTT 5 properties,
/// as the per-client quota does (the core's <see cref="MessageFootprint"/>) — plus <see cref="OverheadBytes"/>; a client holds at most one partly filled payload array beyond it.
/// Thread-safe: one lock, never held while waiting for the database.
/// </summary>
public sealed class OfflineCopies(long maxBytes)
{
    /// <summary>What a kept copy costs beyond its footprint: its slot and the payload array's header (.NET 10 x64,
    /// rounded up).</summary>
    public const int OverheadBytes = 128;

    /// <summary>The largest payload array a client's copy fills (below the large object heap's 85,000 bytes); a
    /// payload above a quarter of it keeps an array of its own.</summary>
    const int ChunkBytes = 64 * 1024;

    /// <summary>A client's first payload array; each next one is twice the size, up to <see cref="ChunkBytes"/>.</summary>
    const int FirstChunkBytes = 256;

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
        var size = SizeOf(message.Message);
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
                ref readonly var slot = ref copy.At(i);
                if (slot.Payload is null)
                {
                    continue;
                }

                if (slot.Id > upToId)
                {
                    break;
                }

                if (Clock.HasPassed(slot.ExpiresAtMs, nowMs))
                {
                    expired.Add(slot.Id);
                    continue;
                }

                into.Add(slot.ToStoredMessage());
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
            if (_clients.TryGetValue(clientId, out var copy) && copy.Remove(id) is var size and > 0)
            {
                _bytes -= size;
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
        _bytes -= copy.Bytes();
        _clients.Remove(clientId);
    }

    static long SizeOf(RoutedMessage message) => MessageFootprint.Of(message) + OverheadBytes;

    /// <summary>One kept message: what a read from SQLite gives, as fields; <see cref="Payload"/> null once removed (the
    /// id stays, for the search).</summary>
    struct Slot
    {
        public long Id;
        public long ExpiresAtMs;
        public long PublishedAtMs;
        public string Topic;
        public string? Sender;
        public byte[]? Payload;
        public IEngineProperties? EngineProperties;
        public int[]? SubscriptionIdentifiers;
        public int PayloadOffset;
        public int PayloadLength;
        public uint MessageExpiryInterval;
        public int Qos;
        public bool Retain;

        /// <summary>The budget's size of this message (as <see cref="OfflineCopies.SizeOf"/>).</summary>
        public readonly long Size => (long)Topic.Length + PayloadLength + MessageFootprint.PropertiesOf(EngineProperties) + OverheadBytes;

        public readonly StoredMessage ToStoredMessage()
        {
            var message = new RoutedMessage(Topic, Payload!, Qos, Retain)
            {
                PayloadOffset = PayloadOffset,
                PayloadLength = PayloadLength,
                EngineProperties = EngineProperties,
                SenderClientId = Sender,
                PublishedAtMs = PublishedAtMs,
                MessageExpiryInterval = MessageExpiryInterval,
            };
            return new StoredMessage(Id, message, Qos, Retain, SubscriptionIdentifiers!, ExpiresAtMs);
        }
    }

    /// <summary>One client's copies in id order, from the oldest not yet removed (<see cref="_head"/>); a removed
    /// message leaves an empty slot until the head passes it (receivers acknowledge mostly in order).</summary>
    sealed class ClientCopy
    {
        const int InitialSlots = 16;

        Slot[] _slots = [];
        int _head;
        int _end;

        /// <summary>The payload array being filled, and how much of it is.</summary>
        byte[] _chunk = [];
        int _chunkUsed;

        public int End => _end;

        public ref readonly Slot At(int index) => ref _slots[index];

        public void Add(StoredMessage stored)
        {
            if (_end == _slots.Length)
            {
                Compact();
            }

            var message = stored.Message;
            ref var slot = ref _slots[_end];
            slot.Id = stored.Id;
            slot.ExpiresAtMs = stored.ExpiresAtMs;
            slot.PublishedAtMs = message.PublishedAtMs;

            // A backlog is mostly one topic: the string kept before stands for an equal one (it is old by now, and a
            // new string would be kept alive too).
            slot.Topic = _end > _head && _slots[_end - 1].Topic is { } previous && previous == message.Topic ? previous : message.Topic;
            slot.Sender = message.SenderClientId;
            var payload = message.Payload is null ? [] : message.Payload.AsSpan(message.PayloadOffset, message.PayloadLength);
            (slot.Payload, slot.PayloadOffset) = Place(payload);
            slot.PayloadLength = payload.Length;
            slot.EngineProperties = message.EngineProperties;
            slot.SubscriptionIdentifiers = stored.SubscriptionIdentifiers;
            slot.MessageExpiryInterval = message.MessageExpiryInterval;
            slot.Qos = stored.Qos;
            slot.Retain = stored.Retain;
            _end++;
        }

        /// <summary>Copies <paramref name="payload"/> into the client's payload array (a new one when it is full) and
        /// says where; a large payload gets an array of its own.</summary>
        (byte[] Array, int Offset) Place(ReadOnlySpan<byte> payload)
        {
            if (payload.Length > ChunkBytes / 4)
            {
                return (payload.ToArray(), 0);
            }

            if (_chunkUsed + payload.Length > _chunk.Length)
            {
                _chunk = new byte[Math.Max(payload.Length, Math.Clamp(_chunk.Length * 2, FirstChunkBytes, ChunkBytes))];
                _chunkUsed = 0;
            }

            var offset = _chunkUsed;
            payload.CopyTo(_chunk.AsSpan(offset));
            _chunkUsed += payload.Length;
            return (_chunk, offset);
        }

        /// <summary>The index of the first slot whose id is above <paramref name="afterId"/>.</summary>
        public int IndexAfter(long afterId)
        {
            var low = _head;
            var high = _end;
            while (low < high)
            {
                var middle = (low + high) >>> 1;
                if (_slots[middle].Id <= afterId)
                {
                    low = middle + 1;
                }
                else
                {
                    high = middle;
                }
            }

            return low;
        }

        /// <summary>Forgets message <paramref name="id"/> and returns its size, 0 when it holds none. A draining client
        /// acknowledges in order, so the oldest slot is tried before the search.</summary>
        public long Remove(long id)
        {
            var index = _head < _end && _slots[_head].Id == id ? _head : IndexAfter(id - 1);
            if (index == _end || _slots[index].Id != id || _slots[index].Payload is null)
            {
                return 0;
            }

            var size = _slots[index].Size;

            // The id stays: the slots are searched by it.
            _slots[index] = new Slot { Id = id };
            while (_head < _end && _slots[_head].Payload is null)
            {
                _head++;
            }

            if (_head == _end)
            {
                // Drained: a client that is back holds no arrays (a persistent session keeps its copy while it lives).
                _slots = [];
                _head = 0;
                _end = 0;
                _chunk = [];
                _chunkUsed = 0;
            }

            return size;
        }

        public long Bytes()
        {
            long bytes = 0;
            for (var i = _head; i < _end; i++)
            {
                if (_slots[i].Payload is not null)
                {
                    bytes += _slots[i].Size;
                }
            }

            return bytes;
        }

        /// <summary>Moves the live slots to the front, growing the array when more than half of them are live.</summary>
        void Compact()
        {
            var live = _end - _head;
            var size = Math.Max(InitialSlots, live > _slots.Length / 2 ? _slots.Length * 2 : _slots.Length);
            var slots = size == _slots.Length ? _slots : new Slot[size];
            Array.Copy(_slots, _head, slots, 0, live);
            Array.Clear(slots, live, slots.Length - live);
            _slots = slots;
            _head = 0;
            _end = live;
        }
    }
}
