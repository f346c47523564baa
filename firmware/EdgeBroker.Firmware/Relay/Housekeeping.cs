using System.Collections;
using EdgeBroker.Core;

namespace EdgeBroker.Firmware.Relay
{
    /// <summary>
    /// What the relay does once a second rather than per packet: lets the core send overdue offline batches and forget
    /// persistent sessions whose expiry passed. A <see cref="Worker"/> thread of its own (nanoFramework 1.x has timers,
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
            _worker = new Worker(RunOnce, IntervalMilliseconds);
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
            long nowMs = Clock.NowMs();
            BrokerCore core = _context.Core;
            core.Tick(nowMs);
            ArrayList expired = core.ExpireSessions(nowMs);
            for (int i = 0; i < expired.Count; i++)
            {
                _context.Log.Info("Session of " + (string)expired[i] + " expired");
            }
        }
    }
}
