using System;
using System.Collections;
using System.Net.Sockets;
using System.Threading;
using EdgeBroker.Core;
using EdgeBroker.Core.Routing;

namespace EdgeBroker.Firmware.Relay
{
    /// <summary>
    /// The relay's side of one connection's <see cref="ReaderProgress"/>: its reader thread reports through
    /// <see cref="Receive"/> and <see cref="AwaitingPacket"/>, and another connection's thread that is about to route a
    /// PUBLISH here blocks in <see cref="WaitForSubscribers"/> until this reader has handled the input it had received
    /// before (an UNSUBSCRIBE whose thread the scheduler has not run yet). A thread per connection is woken by the
    /// kernel in no particular order, so without this a client that connected after the UNSUBSCRIBE was sent could
    /// still be routed by the old subscription.
    /// </summary>
    public sealed class RelayInput
    {
        /// <summary>How long a waiter sleeps between looks when no progress wakes it (another waiter took the wake-up,
        /// or the reader is blocked inside a packet the client has not finished).</summary>
        const int WaitSliceMilliseconds = 10;

        /// <summary>Slices in a row without a byte taken or unread, while the reader sits inside a read, after which it
        /// is taken to wait for the client to finish a packet.</summary>
        const int QuietSlices = 2;

        readonly Socket _socket;
        readonly ReaderProgress _progress = new ReaderProgress(true);
        readonly AutoResetEvent _progressed = new AutoResetEvent(false);

        /// <summary>The subscribers matched for one PUBLISH (only this connection's reader uses it); made at the first.</summary>
        ArrayList _receivers;

        public RelayInput(Socket socket)
        {
            _socket = socket;
            _progress.Progressed = OnProgressed;
        }

        /// <summary>The reader handled everything it read and is about to block for the next packet's first byte (a
        /// single byte can never complete a packet, so a check meanwhile finds the rest unread).</summary>
        public void AwaitingPacket()
        {
            _progress.AwaitingPacket();
        }

        /// <summary>Reads into <paramref name="buffer"/> as the socket's Receive does, telling the reader's progress;
        /// <paramref name="packetStart"/> for a packet's first byte, read while waiting for input.</summary>
        public int Receive(byte[] buffer, int offset, int count, bool packetStart)
        {
            if (!packetStart)
            {
                _progress.ReadingRest();
                if (_progress.HasWaiters && _socket.Available == 0)
                {
                    _progress.StalledInPacket();
                }
            }

            int read = _socket.Receive(buffer, offset, count, SocketFlags.None);
            _progress.Took(read);
            return read;
        }

        /// <summary>The connection ended: nobody waits for it any longer.</summary>
        public void Ended()
        {
            _progress.Ended();
        }

        /// <summary>Blocks until every other connection subscribed to <paramref name="topic"/> has handled the input it
        /// had received before now; returns at once when none may hold any (the usual case). Called by this
        /// connection's reader, which nobody waits for meanwhile.</summary>
        public void WaitForSubscribers(BrokerCore core, string topic)
        {
            if (_receivers == null)
            {
                _receivers = new ArrayList();
            }

            core.CollectSubscribers(topic, _receivers);
            if (_receivers.Count == 0)
            {
                return;
            }

            _progress.BeginWaitingForOthers();
            try
            {
                for (int i = 0; i < _receivers.Count; i++)
                {
                    RelayConnection receiver = _receivers[i] as RelayConnection;
                    if (receiver != null && receiver.Input != this)
                    {
                        receiver.Input.WaitUntilCaughtUp();
                    }
                }
            }
            finally
            {
                _receivers.Clear();
                _progress.EndWaitingForOthers();
            }
        }

        /// <summary>Called on another connection's thread: returns once this reader has handled what it had received.</summary>
        void WaitUntilCaughtUp()
        {
            int observed = _progress.Observe();
            int unread;
            try
            {
                unread = _socket.Available;
            }
            catch (Exception)
            {
                // Closed meanwhile.
                return;
            }

            int target;
            bool hasTarget = _progress.TryTarget(observed, unread, out target);
            if (!_progress.MayHoldEarlierInput(observed, unread))
            {
                return;
            }

            _progress.AddWaiter();
            try
            {
                int lastTaken = _progress.Taken;
                int quiet = 0;
                while (!_progress.CaughtUp(observed, hasTarget, target))
                {
                    if (_progressed.WaitOne(WaitSliceMilliseconds, false))
                    {
                        continue;
                    }

                    int taken = _progress.Taken;
                    quiet = taken == lastTaken && _progress.IsInRead && UnreadBytes() == 0 ? quiet + 1 : 0;
                    lastTaken = taken;
                    if (quiet >= QuietSlices)
                    {
                        // Blocked inside a packet the client has not finished sending: nothing complete is left to handle.
                        return;
                    }
                }
            }
            finally
            {
                _progress.RemoveWaiter();
            }

            if (_progress.HasWaiters)
            {
                // The wake-up this waiter took may be another's too.
                _progressed.Set();
            }
        }

        int UnreadBytes()
        {
            try
            {
                return _socket.Available;
            }
            catch (Exception)
            {
                return 0;
            }
        }

        void OnProgressed()
        {
            _progressed.Set();
        }
    }
}
