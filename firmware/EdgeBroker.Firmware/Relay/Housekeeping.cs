using System.Collections;
using EdgeBroker.Core;
using EdgeBroker.Core.Security;
using EdgeBroker.Core.Text;

namespace EdgeBroker.Firmware.Relay
{
    /// <summary>
    /// What the relay does once a second rather than per packet: closes the connections whose CONNECT or next packet is
    /// late (<see cref="RelayConnection.IsOverdue"/>: a blocked read on nanoFramework ends only when another thread closes
    /// its socket), lets the core send overdue offline batches and forget
    /// persistent sessions whose expiry passed, publishes the <c>$SYS</c> tree when its interval has passed, closes the connections of clients whose credentials no longer hold
    /// (a revoked device, an expired or revoked token), and every minute lets the buffer pool give back what it kept
    /// beyond recent use. A <see cref="Worker"/> thread of its own (nanoFramework 1.x has timers,
    /// but a waiting thread costs the same and stops as plainly as the relay's other threads).
    /// </summary>
    public sealed class Housekeeping
    {
        const int IntervalMilliseconds = 1000;

        /// <summary>How often the buffer pool gives back what it kept beyond the most in use at once meanwhile: traffic
        /// that comes at least this often keeps its buffers (nothing allocated per message), a burst's are gone within
        /// two intervals.</summary>
        const int GiveBackIntervalMilliseconds = 60000;

        readonly RelayContext _context;
        readonly Worker _worker;

        /// <summary>When the pool next gives back (<see cref="RelayConnection.Tick"/>).</summary>
        int _nextGiveBack;

        public Housekeeping(RelayContext context)
        {
            _context = context;
            _worker = new Worker("housekeeping", RunOnce, IntervalMilliseconds, context.Log);
            _nextGiveBack = unchecked(RelayConnection.Tick() + GiveBackIntervalMilliseconds);
        }

        public void Start()
        {
            _worker.Start();
        }

        public void Stop()
        {
            _worker.Stop();
        }

        /// <summary>One round of the work (the thread's, every second; tests call it directly).</summary>
        public void RunOnce()
        {
            // Before the core's work, so that a tick that fails every second cannot keep slow connections open.
            CloseOverdueConnections();
            long nowMs = Clock.NowMs();
            long monotonicMs = Clock.MonotonicMs();
            BrokerCore core = _context.Core;
            core.Tick(nowMs, monotonicMs);
            _context.SysTree.Tick(monotonicMs);
            ArrayList expired = core.ExpireSessions(nowMs);
            for (int i = 0; i < expired.Count; i++)
            {
                _context.Log.Info("Session of " + ClientTextForLog.Of((string)expired[i]) + " expired");
            }

            ArrayList lost = _context.Security.ClientsToDisconnect(nowMs);
            if (lost.Count > 0)
            {
                CloseConnectionsOf(lost);
            }

            int now = RelayConnection.Tick();
            if (unchecked(now - _nextGiveBack) >= 0)
            {
                _context.Buffers.GiveBackUnused();
                _nextGiveBack = unchecked(now + GiveBackIntervalMilliseconds);
            }
        }

        void CloseOverdueConnections()
        {
            int now = RelayConnection.Tick();
            ArrayList overdue = _context.OverdueConnections(now);
            if (overdue == null)
            {
                return;
            }

            for (int i = 0; i < overdue.Count; i++)
            {
                ((RelayConnection)overdue[i]).CloseIfOverdue(now);
            }
        }

        void CloseConnectionsOf(ArrayList clients)
        {
            ArrayList open = _context.OpenConnections();
            for (int i = 0; i < clients.Count; i++)
            {
                AuthenticatedClient client = (AuthenticatedClient)clients[i];
                for (int j = 0; j < open.Count; j++)
                {
                    RelayConnection connection = (RelayConnection)open[j];
                    if (connection.Authenticated == client)
                    {
                        _context.Log.Warning("Closed connection of client " + ClientTextForLog.Of(client.ClientId) + ": " + client.DisconnectReason);
                        connection.Close();
                    }
                }
            }
        }
    }
}
