namespace EdgeBroker.Core.Flow
{
    /// <summary>
    /// The broker's side of one client's Receive Maximum (MQTT 5 §4.9): never more QoS 1/2 PUBLISHes sent and not yet
    /// acknowledged (PUBACK, or PUBCOMP for QoS 2) than the client allowed [MQTT-3.3.4-7]; the rest wait here, in the
    /// order they were routed, and go out as acknowledgements free the window. A QoS 0 PUBLISH takes no place in the
    /// window but waits behind a QoS 1/2 one routed before it, so the client receives messages in routing order.
    /// <para>
    /// The engine offers each PUBLISH it is to write (<see cref="Offer"/>), writes whatever <see cref="TakeSendable"/>
    /// hands out, and reports each acknowledgement (<see cref="Acknowledged"/>), all under its connection's lock. What
    /// waits here is still counted by the engine against the core's <c>OutboundQueueLimits</c>, so a client that stops
    /// acknowledging fills its queue and further messages are refused as for a client that stops reading.
    /// </para>
    /// </summary>
    public sealed class InFlightWindow
    {
        /// <summary>What a client that sends no Receive Maximum allows (MQTT 5 §3.1.2.11.3).</summary>
        public const int Unlimited = 65535;

        readonly int _maximum;

        /// <summary>The first capacity of the waiting ring; it doubles while more wait.</summary>
        const int FirstCapacity = 16;

        /// <summary>What waits and at which QoS, a ring from <see cref="_head"/>: taking the oldest is one step, where
        /// a list shifted every entry behind it (a drained backlog queues ~1,000 here); made at the first offer (an
        /// idle client has none).</summary>
        object[] _waiting;
        int[] _waitingQos;
        int _head;
        int _count;
        int _inFlight;

        /// <param name="maximum">The client's Receive Maximum (1–65535).</param>
        public InFlightWindow(int maximum)
        {
            _maximum = maximum;
        }

        /// <summary>QoS 1/2 PUBLISHes handed out and not yet acknowledged.</summary>
        public int InFlight
        {
            get { return _inFlight; }
        }

        /// <summary>PUBLISHes offered and not yet handed out.</summary>
        public int Waiting
        {
            get { return _count; }
        }

        /// <summary>Queues <paramref name="item"/> (the engine's PUBLISH at <paramref name="qos"/>) behind what waits.</summary>
        public void Offer(object item, int qos)
        {
            if (_waiting == null || _count == _waiting.Length)
            {
                Grow();
            }

            int tail = (_head + _count) % _waiting.Length;
            _waiting[tail] = item;
            _waitingQos[tail] = qos;
            _count++;
        }

        /// <summary>Whether a PUBLISH at <paramref name="qos"/> may be written at once instead of offered: nothing waits
        /// before it and, at QoS 1/2, a place is free, which it then takes (as <see cref="TakeSendable"/> would). What
        /// passes is never queued, so the engine need not make a waiting entry for it.</summary>
        public bool PassesAtOnce(int qos)
        {
            if (Waiting > 0 || (qos > 0 && _inFlight >= _maximum))
            {
                return false;
            }

            if (qos > 0)
            {
                _inFlight++;
            }

            return true;
        }

        /// <summary>The next PUBLISH that may be written now, taking a place in the window if it is QoS 1/2; null when
        /// nothing waits or the next one must wait for an acknowledgement.</summary>
        public object TakeSendable()
        {
            if (Waiting == 0)
            {
                return null;
            }

            bool needsPlace = _waitingQos[_head] > 0;
            if (needsPlace && _inFlight >= _maximum)
            {
                return null;
            }

            object item = _waiting[_head];
            _waiting[_head] = null;
            _head = (_head + 1) % _waiting.Length;
            _count--;
            if (needsPlace)
            {
                _inFlight++;
            }

            return item;
        }

        /// <summary>A QoS 2 handshake resumed at its PUBREL (sent before this connection, not completed) takes a place
        /// until its PUBCOMP, even beyond the maximum: the client counts it among its unacknowledged ones already.</summary>
        public void Hold()
        {
            _inFlight++;
        }

        /// <summary>A QoS 1/2 PUBLISH handed out was acknowledged, or will never be (it was not written after all): its
        /// place is free again.</summary>
        public void Acknowledged()
        {
            if (_inFlight > 0)
            {
                _inFlight--;
            }
        }

        /// <summary>Doubles the ring (or makes the first), the oldest first.</summary>
        void Grow()
        {
            int capacity = _waiting == null ? FirstCapacity : _waiting.Length * 2;
            object[] waiting = new object[capacity];
            int[] waitingQos = new int[capacity];
            for (int i = 0; i < _count; i++)
            {
                int from = (_head + i) % _waiting.Length;
                waiting[i] = _waiting[from];
                waitingQos[i] = _waitingQos[from];
            }

            _waiting = waiting;
            _waitingQos = waitingQos;
            _head = 0;
        }
    }
}
