using EdgeBroker.Core.Sessions;

namespace EdgeBroker.Firmware.Relay
{
    /// <summary>
    /// The packet identifiers of one connection's QoS 1 deliveries the core tagged (the kept messages of a persistent
    /// session), each with its delivery tag: those awaiting the client's PUBACK, and those an earlier connection of the
    /// session left unacknowledged, which this one resends with the same identifier [MQTT-4.4.0-1]. At most
    /// <see cref="Settings.RelaySettings.MaxTrackedDeliveries"/> in all. Made with the connection's first tagged delivery
    /// or resend, so a client that never uses QoS 1 costs nothing; guarded by the outgoing queue's lock.
    /// </summary>
    internal sealed class TaggedDeliveries
    {
        readonly int _capacity;
        readonly PacketIdentifiers _awaitingAck = new PacketIdentifiers();

        /// <summary>Identifier → tag of the deliveries to resend; null once none is left.</summary>
        PacketIdentifiers _resends;

        public TaggedDeliveries(int capacity)
        {
            _capacity = capacity;
        }

        /// <summary>The deliveries an earlier connection left unacknowledged (<see cref="IClientConnection.ResendWith"/>).</summary>
        public void ResendWith(PacketIdentifiers resends)
        {
            _resends = resends;
        }

        /// <summary>Whether a delivery awaiting its PUBACK or a resend holds <paramref name="packetId"/>.</summary>
        public bool Holds(int packetId)
        {
            return _awaitingAck.Contains(packetId) || (_resends != null && _resends.Contains(packetId));
        }

        /// <summary>The identifier an earlier connection sent <paramref name="deliveryTag"/> with, now taken for its resend;
        /// 0 when it is not one (<see cref="PacketIdentifiers.TakeForResend"/>).</summary>
        public int TakeResent(long deliveryTag, bool duplicate)
        {
            if (_resends == null)
            {
                return 0;
            }

            int packetId = _resends.TakeForResend(deliveryTag, duplicate);
            if (_resends.Count == 0)
            {
                _resends = null;
            }

            return packetId;
        }

        /// <summary>Records a delivery sent with <paramref name="packetId"/>; false when the set is full.</summary>
        public bool Track(int packetId, long deliveryTag)
        {
            if (_awaitingAck.Count + (_resends == null ? 0 : _resends.Count) >= _capacity)
            {
                return false;
            }

            return _awaitingAck.Add(packetId, deliveryTag);
        }

        /// <summary>The client acknowledged <paramref name="packetId"/> (or its delivery was not written): its delivery
        /// tag, or 0 when none awaited it.</summary>
        public long Complete(int packetId)
        {
            long deliveryTag;
            return _awaitingAck.Remove(packetId, out deliveryTag) ? deliveryTag : 0;
        }

        /// <summary>See <see cref="IClientConnection.CopyUnacknowledged"/>: the kept messages' deliveries awaiting PUBACK
        /// and the resends not made.</summary>
        public void CopyUnacknowledged(PacketIdentifiers into)
        {
            CopyKept(_awaitingAck, into);
            if (_resends != null)
            {
                CopyKept(_resends, into);
            }
        }

        static void CopyKept(PacketIdentifiers from, PacketIdentifiers into)
        {
            for (int i = 0; i < from.Count; i++)
            {
                // A shared subscription's delivery (a tag below 0) is handed on to another member, not resent here.
                if (from.ValueAt(i) > 0)
                {
                    into.Add(from.IdAt(i), from.ValueAt(i));
                }
            }
        }
    }
}
