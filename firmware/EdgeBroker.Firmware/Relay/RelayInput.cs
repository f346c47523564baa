using System;
using System.Collections;
using System.Net.Sockets;
using System.Threading;
using EdgeBroker.Core;
using EdgeBroker.Core.Routing;

namespace EdgeBroker.Firmware.Relay
{
    /// <summary>
    /// The relay's side of one connection's <see cref="ReaderProgress"/> (the base of <see cref="RelayConnection"/>, so
    /// it costs an idle client four integers): its reader thread reads through <see cref="Receive"/>, and another
    /// connection's thread that is about to route a PUBLISH here waits in <see cref="WaitForSubscribers"/> until this
    /// reader has handled the input it had received before (an UNSUBSCRIBE whose thread the scheduler has not run yet).
    /// A thread per connection is woken by the kernel in no particular order, so without this a client that connected
    /// after the UNSUBSCRIBE was sent could still be routed by the old subscription.
    /// </summary>
    public abstract class RelayInput : ReaderProgress
    {
        /// <summary>How long a waiter sleeps between looks. Waiters poll rather than being woken: an event and a
        /// delegate per connection would cost an idle client a third of its 1 KB budget, and a wait is rare (a
        /// subscriber caught with unread input).</summary>
        const int PollMilliseconds = 1;

        /// <summary>Looks in a row without a byte taken or unread, while the reader sits inside a read, after which it
        /// is taken to wait for the client to finish a packet (about 20 ms).</summary>
        const int QuietLooks = 20;

        /// <summary>Its bytes are the socket's as they are; its blocking read takes a packet's first byte while it waits
        /// (so a check meanwhile cannot read what is unread as packets, and does not peek).</summary>
        protected RelayInput()
            : base(true, false)
        {
        }

        /// <summary>The connection's socket.</summary>
        protected abstract Socket InputSocket { get; }

        /// <summary>Reads into <paramref name="buffer"/> as the socket's Receive does, telling the reader's progress;
        /// <paramref name="packetStart"/> for a packet's first byte, read while waiting for input (after
        /// <see cref="ReaderProgress.AwaitingPacket"/>: a single byte never completes a packet, so a check meanwhile
        /// finds the rest unread).</summary>
        protected int Receive(byte[] buffer, int offset, int count, bool packetStart)
        {
            Socket socket = InputSocket;
            if (!packetStart)
            {
                ReadingRest();
                if (HasWaiters && socket.Available == 0)
                {
                    StalledInPacket();
                }
            }

            int read = socket.Receive(buffer, offset, count, SocketFlags.None);
            Took(read);
            return read;
        }

        /// <summary>Blocks until every other connection subscribed to <paramref name="topic"/> has handled the input it
        /// had received before now; returns at once when none may hold any (the usual case). Called by this
        /// connection's reader, which nobody waits for meanwhile. Returns what the subscription tree matched, for the
        /// core to route by (<see cref="BrokerCore.Publish(string, RoutedMessage, SubscriberMatch)"/>), when nobody was
        /// waited for; null after a wait, when the subscriptions may have changed and the core must match again.</summary>
        public SubscriberMatch WaitForSubscribers(BrokerCore core, string topic)
        {
            SubscriberMatch match = core.MatchSubscribers(topic);
            ArrayList receivers = match == null ? null : match.Connections;
            if (receivers == null)
            {
                return match;
            }

            bool waited = false;
            BeginWaitingForOthers();
            try
            {
                for (int i = 0; i < receivers.Count; i++)
                {
                    RelayInput receiver = receivers[i] as RelayInput;
                    if (receiver != null && receiver != this && receiver.WaitUntilCaughtUp())
                    {
                        waited = true;
                    }
                }
            }
            finally
            {
                EndWaitingForOthers();
            }

            return waited ? null : match;
        }

        /// <summary>Called on another connection's thread: returns once this reader has handled what it had received;
        /// false when it could not have held anything earlier (nothing was waited for).</summary>
        bool WaitUntilCaughtUp()
        {
            int observed = Observe();
            int unread;
            try
            {
                unread = InputSocket.Available;
            }
            catch (Exception)
            {
                // Closed meanwhile.
                return false;
            }

            int target;
            bool hasTarget = TryTarget(observed, unread, out target);
            if (!MayHoldEarlierInput(observed, unread, null, 0, out _))
            {
                return false;
            }

            // Counted as a waiter, so the reader says when it stalls inside a packet.
            AddWaiter();
            try
            {
                int lastTaken = Taken;
                int quiet = 0;
                while (!CaughtUp(observed, hasTarget, target))
                {
                    Thread.Sleep(PollMilliseconds);
                    int taken = Taken;
                    quiet = taken == lastTaken && IsInRead && UnreadBytes() == 0 ? quiet + 1 : 0;
                    lastTaken = taken;
                    if (quiet >= QuietLooks)
                    {
                        // Blocked inside a packet the client has not finished sending: nothing complete is left to handle.
                        return true;
                    }
                }
            }
            finally
            {
                RemoveWaiter();
            }

            return true;
        }

        int UnreadBytes()
        {
            try
            {
                return InputSocket.Available;
            }
            catch (Exception)
            {
                return 0;
            }
        }
    }
}
