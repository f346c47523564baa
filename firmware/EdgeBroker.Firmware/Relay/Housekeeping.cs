using System.Collections;
using EdgeBroker.Core;
using EdgeBroker.Core.Security;

namespace EdgeBroker.Firmware.Relay
{
    /// <summary>
    /// What the relay does once a second rather than per packet: closes the connections whose CONNECT or next packet is
    /// late (<see cref="RelayConnection.IsOverdue"/>: a blocked read on nanoFramework ends only when another thread closes
    /// its socket), lets the core send overdue offline batches and forget
    /// persistent sessions whose expiry passed, publishes the <c>$SYS</c> tree when its interval has passed, and closes the connections of clients whose credentials no longer hold
    /// (a revoked device, an expired or revoked token). A <see cref="Worker"/> thread of its own (nanoFramework 1.x has timers,
    /// but a waiting thread costs the same and stops as plainly as the relay's other threads).
    /// </summary>
    public sealed class Housekeeping
    {
        const int IntervalMilliseconds = 1000;

        readonly RelayContext _context;
        readonly Worker _worker;

        public Housekeeping(RelayContext context)
        {
            _context = context;
            _worker = new Worker("housekeeping", RunOnce, IntervalMilliseconds, context.Log);
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
            BrokerCore core = _context.Core;
            core.Tick(nowMs);
            _context.SysTree.Tick(nowMs);
            ArrayList expired = core.ExpireSessions(nowMs);
            for (int i = 0; i < expired.Count; i++)
            {
                _context.Log.Info("Session of " + (string)expired[i] + " expired");
            }

            ArrayList lost = _context.Security.ClientsToDisconnect(nowMs);
            if (lost.Count > 0)
            {
                CloseConnectionsOf(lost);
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
                        _context.Log.Warning("Closed connection of client " + client.ClientId + ": " + client.DisconnectReason);
                        connection.Close();
                    }
                }
            }
        }
    }
}
