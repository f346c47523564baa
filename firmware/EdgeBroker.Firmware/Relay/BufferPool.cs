using System.Collections;
using EdgeBroker.Core.Outbound;

namespace EdgeBroker.Firmware.Relay
{
    /// <summary>
    /// Receive and send buffers for every connection, lent per packet and given back: an idle client holds none, and
    /// in steady state nothing is allocated (a buffer given back is kept for the next packet). Sizes double from the
    /// smallest, for the common short packet, up to the maximum packet size, so a packet takes at most twice its size
    /// (with only the two ends, any packet over 256 bytes took a 4 KB buffer). Thread-safe.
    /// <para>
    /// Bounded in total (<c>max_buffer_bytes</c>): every buffer it made and still holds, lent or kept, counts, with the
    /// objects around it (<see cref="PerBufferBytes"/>). Before,
    /// it grew to the most buffers ever in use at once and kept them: twelve subscribers that stopped reading while a
    /// publisher flooded them left 50 KB on a device whose managed heap is about 100 KB.
    /// </para>
    /// <para>
    /// - One packet in hand per connection and direction is never refused (<see cref="Rent"/>, and
    ///   <see cref="RentForMessage"/> for a queue that is empty): the packet a connection reads, its answers, and the
    ///   next message for a client whose queue has emptied — a client that keeps up. So every connection always reads
    ///   its next packet and every client that reads is served, whatever the others hold; none waits for another.
    /// - A message behind others in a queue — a slow reader's backlog — gets a buffer only while the buffers in use stay
    ///   within the bound; else it is refused exactly as a client's full queue refuses it (the core's
    ///   <see cref="OutboundQueueLimits"/>: QoS 0 may fill three quarters), and the queue, not being empty, tells the
    ///   core when it has room again.
    /// - A buffer given back while the pool holds more than the bound is let go of (the packets in hand took it there).
    /// - Kept buffers beyond the most that were in use at once since the previous <see cref="GiveBackUnused"/> are let
    ///   go of there (the housekeeping thread, every minute), so a past burst does not hold the heap for good while
    ///   traffic that comes at least once a minute still finds its buffers.
    /// </para>
    /// </summary>
    public sealed class BufferPool
    {
        /// <summary>What a buffer takes on the device beside its bytes, from nanoFramework's heap layout (12-byte blocks;
        /// an object is one block per field plus one): the <see cref="PooledBuffer"/> (5 fields, 72 bytes), the array's
        /// header and rounding (up to 31) and its slot in the pool's list (12).</summary>
        public const int PerBufferBytes = 115;

        readonly object _sync = new object();

        /// <summary>The buffer sizes, smallest first.</summary>
        readonly int[] _sizes;

        /// <summary>Per size: the buffers kept for reuse, how many are lent, and the most lent at once since the
        /// previous <see cref="GiveBackUnused"/>.</summary>
        readonly ArrayList[] _kept;
        readonly int[] _lent;
        readonly int[] _peak;

        readonly int _maxBytes;
        readonly OutboundQueueLimits _bound;
        int _created;
        int _heldBytes;
        int _lentBytes;
        long _refused;

        /// <param name="smallestSize">The smallest buffer; sizes double from it up to <paramref name="largestSize"/>.</param>
        /// <param name="largestSize">The largest buffer: the maximum packet size.</param>
        /// <param name="maxBytes">The bound on the bytes of buffers held, lent and kept, beyond the packets in hand.</param>
        public BufferPool(int smallestSize, int largestSize, int maxBytes)
        {
            int count = 1;
            for (int size = smallestSize; size < largestSize; size *= 2)
            {
                count++;
            }

            _sizes = new int[count];
            _kept = new ArrayList[count];
            _lent = new int[count];
            _peak = new int[count];
            for (int i = 0, size = smallestSize; i < count; i++, size *= 2)
            {
                _sizes[i] = size < largestSize || i == 0 ? size : largestSize;
                _kept[i] = new ArrayList();
            }

            _maxBytes = maxBytes;
            _bound = new OutboundQueueLimits(int.MaxValue, maxBytes);
        }

        /// <summary>The bound on <see cref="HeldBytes"/>, beyond the packets in hand.</summary>
        public int MaxBytes
        {
            get { return _maxBytes; }
        }

        /// <summary>Buffers created so far (steady state: this stops growing).</summary>
        public int Created
        {
            get { return _created; }
        }

        /// <summary>Bytes of the buffers the pool holds, lent and kept, each with <see cref="PerBufferBytes"/>.</summary>
        public int HeldBytes
        {
            get
            {
                lock (_sync)
                {
                    return _heldBytes;
                }
            }
        }

        /// <summary>Messages refused a buffer for the bound so far.</summary>
        public long Refused
        {
            get
            {
                lock (_sync)
                {
                    return _refused;
                }
            }
        }

        /// <summary>The size of the buffer a packet of <paramref name="minimumSize"/> bytes gets.</summary>
        public int SizeFor(int minimumSize)
        {
            return _sizes[SizeIndex(minimumSize)];
        }

        /// <summary>An empty buffer of at least <paramref name="minimumSize"/> bytes (at most the largest size) for
        /// a packet a connection receives or answers with: never refused.</summary>
        public PooledBuffer Rent(int minimumSize)
        {
            int index = SizeIndex(minimumSize);
            PooledBuffer buffer;
            lock (_sync)
            {
                buffer = Lend(index);
            }

            return buffer != null ? buffer : new PooledBuffer(_sizes[index]);
        }

        /// <summary>
        /// A buffer for a PUBLISH of <paramref name="minimumSize"/> bytes at <paramref name="qos"/> going to a queue that
        /// holds <paramref name="queuedPackets"/> packets, or null when the bound refuses it: behind other packets, only
        /// while the buffers in use stay within <see cref="MaxBytes"/> (QoS 0 three quarters of it); an empty queue's
        /// first message always.
        /// </summary>
        public PooledBuffer RentForMessage(int minimumSize, int qos, int queuedPackets)
        {
            int index = SizeIndex(minimumSize);
            PooledBuffer buffer;
            lock (_sync)
            {
                if (!_bound.Admits(qos, queuedPackets, _lentBytes, _sizes[index] + PerBufferBytes))
                {
                    _refused++;
                    return null;
                }

                buffer = Lend(index);
            }

            return buffer != null ? buffer : new PooledBuffer(_sizes[index]);
        }

        public void Return(PooledBuffer buffer)
        {
            buffer.Count = 0;
            buffer.Sent = 0;
            buffer.Packets = 0;
            buffer.Next = null;
            int index = SizeIndex(buffer.Bytes.Length);
            int bytes = _sizes[index] + PerBufferBytes;
            lock (_sync)
            {
                _lentBytes -= bytes;
                _lent[index]--;
                if (_heldBytes > _maxBytes)
                {
                    // The packets in hand took the pool beyond its bound: the garbage collector gets this one.
                    _heldBytes -= bytes;
                    return;
                }

                _kept[index].Add(buffer);
            }
        }

        /// <summary>Lets go of the kept buffers beyond the most of each size that were lent at once since the previous
        /// call, and starts counting anew.</summary>
        public void GiveBackUnused()
        {
            lock (_sync)
            {
                for (int i = 0; i < _sizes.Length; i++)
                {
                    LetGoOf(i, (_kept[i].Count + _lent[i] - _peak[i]) * (_sizes[i] + PerBufferBytes));
                    _peak[i] = _lent[i];
                }
            }
        }

        /// <summary>The smallest size that holds <paramref name="minimumSize"/> bytes (the largest for anything more).</summary>
        int SizeIndex(int minimumSize)
        {
            int last = _sizes.Length - 1;
            for (int i = 0; i < last; i++)
            {
                if (minimumSize <= _sizes[i])
                {
                    return i;
                }
            }

            return last;
        }

        /// <summary>Counts a buffer of size <paramref name="index"/> as lent and returns a kept one, or null when the
        /// caller is to create it (counted as held; kept buffers of other sizes are let go of first, as far as the bound
        /// needs). Under the lock.</summary>
        PooledBuffer Lend(int index)
        {
            int bytes = _sizes[index] + PerBufferBytes;
            _lentBytes += bytes;
            _lent[index]++;
            if (_lent[index] > _peak[index])
            {
                _peak[index] = _lent[index];
            }

            ArrayList kept = _kept[index];
            int last = kept.Count - 1;
            if (last >= 0)
            {
                PooledBuffer buffer = (PooledBuffer)kept[last];
                kept.RemoveAt(last);
                return buffer;
            }

            for (int i = 0; i < _sizes.Length && _heldBytes + bytes > _maxBytes; i++)
            {
                LetGoOf(i, _heldBytes + bytes - _maxBytes);
            }

            _heldBytes += bytes;
            _created++;
            return null;
        }

        /// <summary>Drops kept buffers of size <paramref name="index"/> until <paramref name="bytes"/> are let go of or
        /// none is left. Under the lock.</summary>
        void LetGoOf(int index, int bytes)
        {
            ArrayList kept = _kept[index];
            int each = _sizes[index] + PerBufferBytes;
            while (bytes > 0 && kept.Count > 0)
            {
                kept.RemoveAt(kept.Count - 1);
                _heldBytes -= each;
                bytes -= each;
            }
        }
    }
}
