using System.Collections;

namespace EdgeBroker.Firmware.Relay
{
    /// <summary>
    /// Receive and send buffers for every connection, lent per packet and given back: an idle client holds none, and
    /// in steady state nothing is allocated (the pool grows to the most buffers ever in use at once, then reuses them).
    /// Two sizes: small for the common short packet, large for anything up to the maximum packet size. Thread-safe.
    /// </summary>
    public sealed class BufferPool
    {
        readonly object _sync = new object();
        readonly ArrayList _small = new ArrayList();
        readonly ArrayList _large = new ArrayList();
        readonly int _smallSize;
        readonly int _largeSize;
        int _created;

        public BufferPool(int smallSize, int largeSize)
        {
            _smallSize = smallSize;
            _largeSize = largeSize;
        }

        public int LargeSize
        {
            get { return _largeSize; }
        }

        /// <summary>Buffers created so far (steady state: this stops growing).</summary>
        public int Created
        {
            get { return _created; }
        }

        /// <summary>An empty buffer of at least <paramref name="minimumSize"/> bytes (at most <see cref="LargeSize"/>).</summary>
        public PooledBuffer Rent(int minimumSize)
        {
            bool small = minimumSize <= _smallSize;
            ArrayList free = small ? _small : _large;
            lock (_sync)
            {
                int last = free.Count - 1;
                if (last >= 0)
                {
                    PooledBuffer buffer = (PooledBuffer)free[last];
                    free.RemoveAt(last);
                    return buffer;
                }

                _created++;
            }

            return new PooledBuffer(small ? _smallSize : _largeSize);
        }

        public void Return(PooledBuffer buffer)
        {
            buffer.Count = 0;
            buffer.Sent = 0;
            buffer.Packets = 0;
            buffer.Next = null;
            lock (_sync)
            {
                (buffer.Bytes.Length == _smallSize ? _small : _large).Add(buffer);
            }
        }
    }
}
