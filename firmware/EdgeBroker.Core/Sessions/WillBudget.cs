namespace EdgeBroker.Core.Sessions
{
    /// <summary>
    /// The bytes all wills the broker holds may take together (<see cref="BrokerCore.MaxWillBytes"/>): a will is the
    /// client's own and waits with its session until it is published or discarded — with an MQTT 5 Will Delay Interval
    /// while the session is away — so without a bound of its own, wills grew with sessions × packet size (100 MQTT 5
    /// wills of 925 KB held by connected clients took the host from 70 to 231 MB). Each will counts what
    /// <see cref="BrokerCore.WillFootprint"/> says from the moment its CONNECT asks for room
    /// (<see cref="BrokerCore.ReserveWill"/>) until it is published, discarded or replaced. Thread-safe.
    /// </summary>
    internal sealed class WillBudget
    {
        readonly object _lock = new object();
        long _heldBytes;
        long _maxBytes;
        int _refused;

        /// <summary>The bound; 0 sets none.</summary>
        public long MaxBytes
        {
            get { lock (_lock) { return _maxBytes; } }
            set { lock (_lock) { _maxBytes = value; } }
        }

        /// <summary>What the wills held and reserved count now.</summary>
        public long HeldBytes
        {
            get { lock (_lock) { return _heldBytes; } }
        }

        /// <summary>The reservations <see cref="TryTake"/> refused since start: each one a CONNECT refused, on either
        /// engine, so the figure operators watch is counted where the decision is.</summary>
        public int Refused
        {
            get { lock (_lock) { return _refused; } }
        }

        /// <summary>
        /// Counts <paramref name="reservation"/> if it fits beside what is held. <paramref name="credit"/> is the will the
        /// same client ID holds now, which its new connection replaces: it is not held against the new one, so a client
        /// that reconnects with the same will is never refused for its own. Both are counted until the old one goes (as
        /// its CONNECT takes the session over), so for that moment the held bytes may exceed the bound by it.
        /// </summary>
        public bool TryTake(WillReservation reservation, int credit)
        {
            lock (_lock)
            {
                if (_maxBytes > 0 && _heldBytes - credit + reservation.Bytes > _maxBytes)
                {
                    _refused++;
                    return false;
                }

                _heldBytes += reservation.Bytes;
                reservation.IsOpen = true;
                return true;
            }
        }

        /// <summary>Ends <paramref name="reservation"/> with its bytes still counted: true once, for the session that now
        /// keeps its will; false when it ended already.</summary>
        public bool Close(WillReservation reservation)
        {
            lock (_lock)
            {
                if (!reservation.IsOpen)
                {
                    return false;
                }

                reservation.IsOpen = false;
                return true;
            }
        }

        /// <summary>A reservation whose will is not kept: its bytes are free again. Does nothing the second time.</summary>
        public void Release(WillReservation reservation)
        {
            lock (_lock)
            {
                if (reservation.IsOpen)
                {
                    reservation.IsOpen = false;
                    _heldBytes -= reservation.Bytes;
                }
            }
        }

        /// <summary>A kept will of <paramref name="bytes"/> was published, discarded or replaced.</summary>
        public void Release(int bytes)
        {
            lock (_lock)
            {
                _heldBytes -= bytes;
            }
        }
    }
}
