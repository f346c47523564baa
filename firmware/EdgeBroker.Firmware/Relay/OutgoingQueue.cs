namespace EdgeBroker.Firmware.Relay
{
    /// <summary>
    /// The bytes waiting to be sent to one client, in order, in a chain of pooled buffers. Whoever queues a packet (the
    /// client's own reader, or another client's reader routing a message to it) encodes it straight into the last
    /// buffer under <see cref="SyncRoot"/>; the transmitter sends from the first. Bounded in bytes, and it counts its
    /// packets so the core's <c>OutboundQueueLimits</c> can bound those too: a client that stops reading cannot make
    /// the device run out of heap — what does not fit is refused and counted by the core. The pool bounds all queues
    /// together as well (<see cref="ReserveMessage"/>), so many such clients cannot either. Every connected
    /// client has one, so it is kept small: the queue is its own lock, and the buffers link themselves
    /// (<see cref="PooledBuffer.Next"/>) instead of sitting in a list.
    /// </summary>
    public sealed class OutgoingQueue
    {
        readonly BufferPool _pool;
        readonly int _limit;
        PooledBuffer _first;
        PooledBuffer _last;
        int _queuedBytes;
        int _queuedPackets;

        public OutgoingQueue(BufferPool pool, int limitBytes)
        {
            _pool = pool;
            _limit = limitBytes;
        }

        /// <summary>Bytes not yet sent (read under <see cref="SyncRoot"/>).</summary>
        public int QueuedBytes
        {
            get { return _queuedBytes; }
        }

        /// <summary>Packets not yet sent, counted until the buffer holding them is sent (read under <see cref="SyncRoot"/>).</summary>
        public int QueuedPackets
        {
            get { return _queuedPackets; }
        }

        /// <summary>Held while a packet is encoded into the queue (the queue itself).</summary>
        public object SyncRoot
        {
            get { return this; }
        }

        /// <summary>
        /// Room for an answer of <paramref name="size"/> bytes (CONNACK, an acknowledgement, SUBACK, PINGRESP) at the end
        /// of the queue, or null when the queue is at its limit; the pool never refuses it. Call with
        /// <see cref="SyncRoot"/> held, write at <see cref="PooledBuffer.Count"/>, then <see cref="Commit"/>.
        /// </summary>
        public PooledBuffer Reserve(int size)
        {
            if (_queuedBytes + size > _limit)
            {
                return null;
            }

            return HasRoomAtEnd(size) ? _last : Append(_pool.Rent(size));
        }

        /// <summary>
        /// Room for a PUBLISH of <paramref name="size"/> bytes at <paramref name="qos"/>, as <see cref="Reserve"/>; null
        /// also when it needs another buffer and the pool's bound refuses it (<paramref name="overBound"/>).
        /// </summary>
        public PooledBuffer ReserveMessage(int size, int qos, out bool overBound)
        {
            overBound = false;
            if (_queuedBytes + size > _limit)
            {
                return null;
            }

            if (HasRoomAtEnd(size))
            {
                return _last;
            }

            PooledBuffer fresh = _pool.RentForMessage(size, qos, _queuedPackets);
            if (fresh == null)
            {
                overBound = true;
                return null;
            }

            return Append(fresh);
        }

        /// <summary>Whether the last buffer takes <paramref name="size"/> more bytes.</summary>
        bool HasRoomAtEnd(int size)
        {
            return _last != null && _last.Bytes.Length - _last.Count >= size;
        }

        /// <summary>Links <paramref name="fresh"/> at the end of the queue and returns it.</summary>
        PooledBuffer Append(PooledBuffer fresh)
        {
            if (_last == null)
            {
                _first = fresh;
            }
            else
            {
                _last.Next = fresh;
            }

            _last = fresh;
            return fresh;
        }

        /// <summary>The packet reserved with <see cref="Reserve"/> or <see cref="ReserveMessage"/> is written.</summary>
        public void Commit(PooledBuffer buffer, int size)
        {
            buffer.Count += size;
            buffer.Packets++;
            _queuedBytes += size;
            _queuedPackets++;
        }

        /// <summary>The first buffer with bytes to send and which of its bytes those are, or null when everything is sent.</summary>
        public PooledBuffer Peek(out int start, out int count)
        {
            lock (SyncRoot)
            {
                if (_first == null)
                {
                    start = 0;
                    count = 0;
                    return null;
                }

                start = _first.Sent;
                count = _first.Count - _first.Sent;
                return _first;
            }
        }

        /// <summary><paramref name="count"/> bytes of the first buffer went out; a buffer that is done goes back to the pool.</summary>
        public void Sent(PooledBuffer buffer, int count)
        {
            lock (SyncRoot)
            {
                if (_first != buffer)
                {
                    return;
                }

                buffer.Sent += count;
                _queuedBytes -= count;
                if (buffer.Sent == buffer.Count)
                {
                    _queuedPackets -= buffer.Packets;
                    _first = buffer.Next;
                    if (_first == null)
                    {
                        _last = null;
                    }

                    _pool.Return(buffer);
                }
            }
        }

        /// <summary>Gives every buffer back (the connection is gone).</summary>
        public void Release()
        {
            lock (SyncRoot)
            {
                while (_first != null)
                {
                    PooledBuffer next = _first.Next;
                    _pool.Return(_first);
                    _first = next;
                }

                _last = null;
                _queuedBytes = 0;
                _queuedPackets = 0;
            }
        }
    }
}
