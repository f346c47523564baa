namespace EdgeBroker.Firmware.Relay
{
    /// <summary>A buffer lent by <see cref="BufferPool"/>, with how much of it is filled and how much already sent.</summary>
    public sealed class PooledBuffer
    {
        public PooledBuffer(int size)
        {
            Bytes = new byte[size];
        }

        public byte[] Bytes { get; private set; }

        /// <summary>Bytes written so far.</summary>
        public int Count;

        /// <summary>Bytes of <see cref="Count"/> already handed to the network (outgoing buffers only).</summary>
        public int Sent;

        /// <summary>Packets written into this buffer (outgoing buffers only): a queue counts them until the buffer is sent.</summary>
        public int Packets;

        /// <summary>The buffer after this one in an <see cref="OutgoingQueue"/>; null in the pool.</summary>
        public PooledBuffer Next;
    }
}
