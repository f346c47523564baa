namespace EdgeBroker.Core.Monitoring
{
    /// <summary>Bytes received and sent on client connections, counted by an engine's transport. 64-bit totals under a
    /// lock because the device has no 64-bit interlocked operations and 32 bits wrap after 2 GB.</summary>
    public sealed class ByteCounters
    {
        readonly object _sync = new object();
        long _received;
        long _sent;

        public long Received
        {
            get
            {
                lock (_sync)
                {
                    return _received;
                }
            }
        }

        public long Sent
        {
            get
            {
                lock (_sync)
                {
                    return _sent;
                }
            }
        }

        public void CountReceived(long bytes)
        {
            lock (_sync)
            {
                _received += bytes;
            }
        }

        public void CountSent(long bytes)
        {
            lock (_sync)
            {
                _sent += bytes;
            }
        }
    }
}
