namespace EdgeBroker.Core.Sessions
{
    /// <summary>
    /// The handshakes of one session that outlive a connection (MQTT 3.1.1 §4.1, MQTT 5 §4.1: "QoS 1 and QoS 2 messages
    /// which have been sent to the Client, but have not been completely acknowledged", "QoS 2 messages received, but not
    /// completely acknowledged" and "QoS 2 messages sent, awaiting PUBCOMP"), kept by packet identifier only:
    /// <list type="bullet">
    /// <item><b>inbound</b>, the client's QoS 2 PUBLISHes the broker has routed (method A: on arrival) and answered with
    /// PUBREC, until the client's PUBREL: a PUBLISH with one of these identifiers is a resend, acknowledged again and
    /// not routed again [MQTT-4.3.3-2], on this connection or on a later one of the session;</item>
    /// <item><b>outbound</b>, the identifiers of the broker's QoS 2 deliveries the client has received (PUBREC) and the
    /// broker released (PUBREL), until the client's PUBCOMP, each with the delivery tag of the message the core keeps
    /// for it: the broker must not send that PUBLISH again [MQTT-4.3.3-1] (offline delivery passes over it), a resumed
    /// session gets the PUBREL again [MQTT-4.4.0-1], the engine numbers no new delivery with one of them, and the
    /// PUBCOMP lets the message go;</item>
    /// <item><b>unacknowledged</b>, the deliveries of kept messages an ended connection sent and the client did not
    /// acknowledge (QoS 1 before PUBACK, QoS 2 before PUBREC), each with its delivery tag, from the connection's end to
    /// the next connection's start: that connection resends them with the same identifiers [MQTT-4.4.0-1]
    /// (<see cref="IClientConnection.ResendWith"/>), so a client that keeps an inbound QoS 2 identifier until its PUBREL
    /// sees the resend as the same message.</item>
    /// </list>
    /// Made at the session's first such exchange; held in memory with the session (a broker restart forgets it: the
    /// kept message then comes again as a PUBLISH with DUP set — a possible duplicate, never a loss).
    /// Guarded by the session's lock.
    /// </summary>
    internal sealed class OpenExchanges
    {
        PacketIdentifiers _awaitingRelease;
        PacketIdentifiers _released;
        PacketIdentifiers _unacknowledged;

        /// <summary>Inbound identifiers awaiting the client's PUBREL; made at the first.</summary>
        public PacketIdentifiers AwaitingRelease
        {
            get
            {
                if (_awaitingRelease == null)
                {
                    _awaitingRelease = new PacketIdentifiers();
                }

                return _awaitingRelease;
            }
        }

        /// <summary>Outbound identifiers released (PUBREL sent) awaiting the client's PUBCOMP; made at the first.</summary>
        public PacketIdentifiers Released
        {
            get
            {
                if (_released == null)
                {
                    _released = new PacketIdentifiers();
                }

                return _released;
            }
        }

        /// <summary>Deliveries the last connection left unacknowledged, kept until the next connection takes them
        /// (<see cref="TakeUnacknowledged"/>); made at the first.</summary>
        public PacketIdentifiers Unacknowledged
        {
            get
            {
                if (_unacknowledged == null)
                {
                    _unacknowledged = new PacketIdentifiers();
                }

                return _unacknowledged;
            }
        }

        /// <summary>The deliveries left unacknowledged, handed over to the connection that resends them (the session
        /// keeps them no more); null when there are none.</summary>
        public PacketIdentifiers TakeUnacknowledged()
        {
            PacketIdentifiers taken = _unacknowledged;
            _unacknowledged = null;
            return taken == null || taken.Count == 0 ? null : taken;
        }

        /// <summary>Whether nothing is open either way (the session may let go of this object).</summary>
        public bool IsEmpty
        {
            get
            {
                return (_awaitingRelease == null || _awaitingRelease.Count == 0) && (_released == null || _released.Count == 0)
                    && (_unacknowledged == null || _unacknowledged.Count == 0);
            }
        }

        public bool AwaitsRelease(int packetId)
        {
            return _awaitingRelease != null && _awaitingRelease.Contains(packetId);
        }

        public int AwaitingReleaseCount
        {
            get { return _awaitingRelease == null ? 0 : _awaitingRelease.Count; }
        }

        /// <summary>Whether the kept message <paramref name="deliveryTag"/> was released (its PUBLISH is not sent again).</summary>
        public bool IsReleased(long deliveryTag)
        {
            return deliveryTag > 0 && _released != null && _released.ContainsValue(deliveryTag);
        }

        public int[] ReleasedIds()
        {
            return _released == null ? null : _released.CopyIds();
        }
    }
}
