using System.Threading;

namespace EdgeBroker.Core.Routing
{
    /// <summary>
    /// How far one connection's reader has got, so that a PUBLISH is routed only once every SUBSCRIBE and UNSUBSCRIBE
    /// its receivers sent before it arrived is in effect (MQTT 3.1.1 §4.6), whatever order the engine's threads run in.
    /// Both engines read each connection on its own (a thread per connection on the relay, a thread-pool continuation
    /// per socket event on the host); under load the reader of a connection whose UNSUBSCRIBE already sits in its
    /// socket can run after another connection's whole CONNECT, CONNACK and PUBLISH — nothing in the kernel or the
    /// scheduler orders readers across connections.
    /// <para>
    /// The reader reports where it is: waiting for a packet with everything before it handled (<see cref="AwaitingPacket"/>),
    /// handling (<see cref="PacketArriving"/>), inside a read of the socket (<see cref="ReadingRest"/>, ended by
    /// <see cref="Took"/>), waiting for the rest of a packet the peer has not finished sending
    /// (<see cref="StalledInPacket"/>), and how many of the bytes it took are handled.
    /// Before routing a pub/sub message, the engine asks each receiving connection: <see cref="Observe"/>, then the
    /// bytes unread in its socket (how many, and the first of them, peeked), then <see cref="MayHoldEarlierInput"/>;
    /// where that says so it waits (without holding any lock of the core) until <see cref="CaughtUp"/>: the reader has
    /// come back to waiting for input, or handled every byte that had arrived when it was asked, or the connection ended.
    /// </para>
    /// <para>
    /// Only a SUBSCRIBE or an UNSUBSCRIBE changes what a PUBLISH is routed to, so a reader waiting for its next packet
    /// whose unread bytes are all acknowledgements (a QoS 1 subscriber's PUBACKs, which arrive at the rate it receives)
    /// is not waited for: with one thread serving a light load, a receiver's PUBACK often lies unread in the same wake-up
    /// as the publisher's next PUBLISH, and each wait costs a hand-off and a second match.
    /// </para>
    /// <para>
    /// Waits never form a cycle: a connection announces that it is about to wait (<see cref="BeginWaitingForOthers"/>)
    /// before it asks, and nobody waits for a connection that is waiting, so every wait was started on a connection
    /// that was not waiting then and each chain of waits ends. The price: a receiver that is itself waiting for
    /// another receiver at that moment is not waited for.
    /// </para>
    /// <para>
    /// An engine's connection derives from it (four integers, no object of its own): the device allows an idle client
    /// 1 KB, and a separate object with its own fields cost a tenth of that.
    /// </para>
    /// </summary>
    public class ReaderProgress
    {
        const int Busy = 0;
        const int Idle = 1;
        const int Stalled = 2;

        /// <summary>Inside a read of the socket: bytes may be gone from the socket and not yet counted as taken.</summary>
        const int InRead = 3;

        const int PhaseMask = 3;

        /// <summary>The connection ended: nobody waits for it any longer.</summary>
        const int EndedFlag = 4;

        /// <summary>The reader is asking its receivers, or waiting for them: nobody waits for it meanwhile.</summary>
        const int WaitingForOthersFlag = 8;

        /// <summary>The bytes taken from the socket and the socket's unread bytes count the same stream, so
        /// <see cref="CaughtUp"/> may release a waiter by position (not under TLS, whose layer keeps bytes of its own).</summary>
        const int CountsSocketBytesFlag = 16;

        /// <summary>The reader waits for its next packet without taking a byte of it (the host's zero-byte read; the
        /// relay's blocking read takes the first byte before it can say so), so while it waits its socket's unread bytes
        /// begin with a packet, and <see cref="MayHoldEarlierInput"/> may read them as packets.</summary>
        const int WaitsWithoutTakingFlag = 32;

        /// <summary>Both: what the socket holds unread while the reader waits is whole packets, as the client sent them.</summary>
        const int UnreadArePacketsFlags = CountsSocketBytesFlag | WaitsWithoutTakingFlag;

        const int OneChange = 64;

        /// <summary>The phase in the low two bits, then the flags, then the number of phase changes, so a reader that went
        /// away and came back to the same phase is told apart.</summary>
        int _state;

        int _taken;
        int _handled;
        int _waiters;

        /// <param name="countsSocketBytes">Whether the reader reads the socket's bytes as they are (no TLS).</param>
        /// <param name="waitsWithoutTaking">Whether the reader waits for its next packet without taking any of it.</param>
        public ReaderProgress(bool countsSocketBytes, bool waitsWithoutTaking)
        {
            _state = Busy | (countsSocketBytes ? CountsSocketBytesFlag : 0) | (waitsWithoutTaking ? WaitsWithoutTakingFlag : 0);
        }

        /// <summary>Bytes the reader has taken from the socket (wrapping at 2^31).</summary>
        public int Taken
        {
            get { return Interlocked.CompareExchange(ref _taken, 0, 0); }
        }

        /// <summary>Whether the reader is inside a read for the rest of a packet (said to be stalled or not).</summary>
        public bool IsInRead
        {
            get
            {
                int phase = Observe() & PhaseMask;
                return phase == InRead || phase == Stalled;
            }
        }

        /// <summary>Whether anyone waits on this reader: a reader that knows it is about to wait for the peer only needs
        /// to say so then.</summary>
        public bool HasWaiters
        {
            get { return Interlocked.CompareExchange(ref _waiters, 0, 0) > 0; }
        }

        /// <summary>Everything taken so far is handled, and the reader now waits for the next packet. An engine calls it
        /// only when the wait is real (the relay: just before it blocks for a packet's first byte, which cannot complete
        /// a packet; the host: when its zero-byte read did not complete at once).</summary>
        public void AwaitingPacket()
        {
            Interlocked.Exchange(ref _handled, Taken);
            Enter(Idle);
        }

        /// <summary>The reader woke up with input (before it takes any, where it can).</summary>
        public void PacketArriving()
        {
            Enter(Busy);
        }

        /// <summary>Bytes are about to leave the socket in a read that is not the reader's own (a TLS layer filling its
        /// buffer while the reader waits for input): a reader that waited for input does so no longer.</summary>
        public void TakingFromSocket()
        {
            if ((Observe() & PhaseMask) == Idle)
            {
                Enter(Busy);
            }
        }

        /// <summary>The reader is about to read the socket for the rest of a packet (<see cref="Took"/> ends it).</summary>
        public void ReadingRest()
        {
            Enter(InRead);
        }

        /// <summary>That read waits for bytes the peer has not sent yet: everything complete before the packet is
        /// handled.</summary>
        public void StalledInPacket()
        {
            Enter(Stalled);
        }

        /// <summary>The reader took <paramref name="count"/> bytes from the socket (only the reader calls this) and
        /// carries on handling them.</summary>
        public void Took(int count)
        {
            Interlocked.Exchange(ref _taken, unchecked(_taken + count));
            if ((Observe() & PhaseMask) != Busy)
            {
                Enter(Busy);
            }
        }

        /// <summary>Every byte taken is handled except <paramref name="buffered"/> bytes the reader holds for later
        /// packets.</summary>
        public void HandledAllBut(int buffered)
        {
            Interlocked.Exchange(ref _handled, unchecked(Taken - buffered));
            Notify();
        }

        /// <summary>The connection ended: nobody waits for it any longer.</summary>
        public void Ended()
        {
            SetFlag(EndedFlag, true);
            Notify();
        }

        /// <summary>This connection's reader is about to ask its receivers (and maybe wait for them); from now on
        /// nobody waits for it. Call before <see cref="Observe"/> on any receiver.</summary>
        public void BeginWaitingForOthers()
        {
            SetFlag(WaitingForOthersFlag, true);
        }

        public void EndWaitingForOthers()
        {
            SetFlag(WaitingForOthersFlag, false);
        }

        /// <summary>The first step of asking this reader: its state, to hand to <see cref="MayHoldEarlierInput"/> and
        /// <see cref="CaughtUp"/>. Read the socket's unread bytes after this.</summary>
        public int Observe()
        {
            return Interlocked.CompareExchange(ref _state, 0, 0);
        }

        /// <summary>Where the stream will be once every byte unread now is handled, given the socket's
        /// <paramref name="unread"/> bytes read after <see cref="Observe"/> gave <paramref name="observed"/> (a byte that
        /// arrives meanwhile only makes the target later). False when no position can be trusted: under TLS, or while
        /// the reader was inside a read (bytes gone from the socket, not yet counted) or moved on meanwhile.</summary>
        public bool TryTarget(int observed, int unread, out int target)
        {
            target = unchecked(Taken + unread);
            return (observed & CountsSocketBytesFlag) != 0 && (observed & PhaseMask) != InRead && Observe() == observed;
        }

        /// <summary>Whether the connection may hold input that arrived before the message being routed and is not
        /// handled yet, given the socket's <paramref name="unread"/> bytes read after <see cref="Observe"/> gave
        /// <paramref name="observed"/>, of which the first <paramref name="peekedCount"/> are in <paramref name="peeked"/>.
        /// False only when it ended, waits for others itself, or was waiting for input (or for the rest of a packet) with
        /// nothing unread in its socket — or waiting for its next packet with every unread byte peeked and all of them
        /// acknowledgements (<see cref="OnlyAcknowledgements"/>; only where those bytes are whole packets: not under TLS,
        /// not on a reader that takes a packet's first byte while it waits) — before and after the bytes were read. An
        /// engine that does not peek passes 0 for <paramref name="peekedCount"/>.
        /// <para>
        /// <paramref name="heldNothing"/> is set when the answer is false because the connection ended or held nothing
        /// that could change a route, not because it waits for others itself (which is over when its wait is). Such an
        /// answer was true of the connection after every byte the asking reader had taken when it asked had arrived, so
        /// it holds for each PUBLISH among those bytes: while the asker's <see cref="Taken"/> is what it was before it
        /// asked, an engine need not ask this connection again (whatever arrives at it later came after them).
        /// </para></summary>
        public bool MayHoldEarlierInput(int observed, int unread, byte[] peeked, int peekedCount, out bool heldNothing)
        {
            int flags = Observe();
            heldNothing = (flags & WaitingForOthersFlag) == 0;
            if ((flags & (EndedFlag | WaitingForOthersFlag)) != 0)
            {
                return false;
            }

            int phase = observed & PhaseMask;
            bool nothingThatRoutes = unread == 0
                ? phase == Idle || phase == Stalled
                : phase == Idle && (observed & UnreadArePacketsFlags) == UnreadArePacketsFlags && peekedCount == unread
                    && OnlyAcknowledgements(peeked, peekedCount);
            return !(nothingThatRoutes && Observe() == observed);
        }

        /// <summary>Whether the first <paramref name="count"/> bytes of <paramref name="bytes"/>, read from a packet
        /// boundary, are acknowledgements only (PUBACK, PUBREC, PUBREL, PUBCOMP, PINGREQ, with their required flags and a
        /// remaining length under 128), the last of them perhaps not whole. Anything else — a packet that could change
        /// subscriptions, a malformed header, a longer acknowledgement (MQTT 5 properties) — says no.</summary>
        public static bool OnlyAcknowledgements(byte[] bytes, int count)
        {
            int at = 0;
            while (at < count)
            {
                switch (bytes[at])
                {
                    case 0x40:
                    case 0x50:
                    case 0x62:
                    case 0x70:
                    case 0xC0:
                        break;
                    default:
                        return false;
                }

                if (at + 1 >= count)
                {
                    return true;
                }

                int remainingLength = bytes[at + 1];
                if (remainingLength >= 0x80)
                {
                    return false;
                }

                at += 2 + remainingLength;
            }

            return true;
        }

        /// <summary>Whether a wait that found <paramref name="observed"/> (and, when <paramref name="hasTarget"/>,
        /// <paramref name="target"/> from <see cref="TryTarget"/>) is over: the connection ended, or its reader has
        /// since come back to waiting for input or for the rest of a packet, or has handled every byte up to the target.</summary>
        public bool CaughtUp(int observed, bool hasTarget, int target)
        {
            int state = Observe();
            if ((state & EndedFlag) != 0)
            {
                return true;
            }

            int phase = state & PhaseMask;
            if (state != observed && (phase == Idle || phase == Stalled))
            {
                return true;
            }

            return hasTarget && unchecked(Interlocked.CompareExchange(ref _handled, 0, 0) - target) >= 0;
        }

        /// <summary>One more waiter on this reader (<see cref="OnProgressed"/> is called while there is one).</summary>
        public void AddWaiter()
        {
            Interlocked.Increment(ref _waiters);
        }

        public void RemoveWaiter()
        {
            Interlocked.Decrement(ref _waiters);
        }

        /// <summary>Called (on the reader's thread) while someone waits, when a waiter may be released: an engine whose
        /// waiters sleep on something wakes them here.</summary>
        protected virtual void OnProgressed()
        {
        }

        void Enter(int phase)
        {
            int state;
            do
            {
                state = Observe();
            }
            while (Interlocked.CompareExchange(ref _state, unchecked((state & ~PhaseMask) + OneChange) | phase, state) != state);

            if (phase != Busy)
            {
                Notify();
            }
        }

        void SetFlag(int flag, bool on)
        {
            int state;
            do
            {
                state = Observe();
            }
            while (Interlocked.CompareExchange(ref _state, on ? state | flag : state & ~flag, state) != state);
        }

        void Notify()
        {
            if (HasWaiters)
            {
                OnProgressed();
            }
        }
    }
}
