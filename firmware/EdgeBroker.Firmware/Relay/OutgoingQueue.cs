using System.Collections;

namespace EdgeBroker.Firmware.Relay
{
    /// <summary>
    /// The bytes waiting to be sent to one client, in order, in pooled buffers. Whoever queues a packet (the client's
    /// own reader, or another client's reader routing a message to it) encodes it straight into the last buffer under
    /// <see cref="SyncRoot"/>; the transmitter sends from the first. Bounded: a client that stops reading cannot make
    /// the device run out of heap — what does not fit is refused and counted by the core.
    /// </summary>
    public sealed class OutgoingQueue
    {
        readonly object _sync = new object();
        readonly ArrayList _buffers = new ArrayList();
        readonly BufferPool _pool;
        readonly int _limit;
        int _queuedBytes;

        public OutgoingQueue(BufferPool pool, int limitBytes)
        {
            _pool = pool;
            _limit = limitBytes;
        }

        /// <summary>Held while a packet is encoded into the queue.</summary>
        public object SyncRoot
        {
            get { return _sync; }
        }

        /// <summary>
        /// Room for a packet of <paramref name="size"/> bytes at the end of the queue, or null when the queue is at its
        /// limit. Call with <see cref="SyncRoot"/> held, write at <see cref="PooledBuffer.Count"/>, then
        /// <see cref="Commit"/>.
        /// </summary>
        public PooledBuffer Reserve(int size)
        {
            if (_queuedBytes + size > _limit)
            {
                return null;
            }

            int last = _buffers.Count - 1;
            if (last >= 0)
            {
                PooledBuffer tail = (PooledBuffer)_buffers[last];
                if (tail.Bytes.Length - tail.Count >= size)
                {
                    return tail;
                }
            }

            PooledBuffer fresh = _pool.Rent(size);
            _buffers.Add(fresh);
            return fresh;
        }

        /// <summary>The packet reserved with <see cref="Reserve"/> is written.</summary>
        public void Commit(PooledBuffer buffer, int size)
        {
            buffer.Count += size;
            _queuedBytes += size;
        }

        /// <summary>The first buffer with bytes to send and which of its bytes those are, or null when everything is sent.</summary>
        public PooledBuffer Peek(out int start, out int count)
        {
            lock (_sync)
            {
                if (_buffers.Count == 0)
                {
                    start = 0;
                    count = 0;
                    return null;
                }

                PooledBuffer first = (PooledBuffer)_buffers[0];
                start = first.Sent;
                count = first.Count - first.Sent;
                return first;
            }
        }

        /// <summary><paramref name="count"/> bytes of the first buffer went out; a buffer that is done goes back to the pool.</summary>
        public void Sent(PooledBuffer buffer, int count)
        {
            lock (_sync)
            {
                if (_buffers.Count == 0 || _buffers[0] != buffer)
                {
                    return;
                }

                buffer.Sent += count;
                _queuedBytes -= count;
                if (buffer.Sent == buffer.Count)
                {
                    _buffers.RemoveAt(0);
                    _pool.Return(buffer);
                }
            }
        }

        /// <summary>Gives every buffer back (the connection is gone).</summary>
        public void Release()
        {
            lock (_sync)
            {
                for (int i = 0; i < _buffers.Count; i++)
                {
                    _pool.Return((PooledBuffer)_buffers[i]);
                }

                _buffers.Clear();
                _queuedBytes = 0;
            }
        }
    }
}
