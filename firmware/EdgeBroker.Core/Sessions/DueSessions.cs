using System.Collections;

namespace EdgeBroker.Core.Sessions
{
    /// <summary>
    /// The sessions the core's once-a-second tick has something to look at for: stored messages not yet handed to their
    /// connection (a batch may become overdue) or a will waiting out its delay. Every other session — nearly every idle
    /// client — costs the tick nothing; walking them all every second was the largest part of an idle host's CPU
    /// (docs/performance.md, "Ticks that walk only what is due").
    /// A session is added, under its own lock, when it may become due; the tick takes the list and gives back, under
    /// the session's lock again, each one that still may. The session's <see cref="Session.IsDue"/> says it is listed,
    /// so it is listed once however often it is added.
    /// </summary>
    internal sealed class DueSessions
    {
        readonly object _sync = new object();
        ArrayList _listed = new ArrayList();

        /// <summary>The list the last <see cref="Take"/> returned: kept and emptied by the next one, so a tick makes no
        /// garbage.</summary>
        ArrayList _taken = new ArrayList();

        /// <summary>Lists <paramref name="session"/> for the next tick unless it is already. Call under its lock.</summary>
        public void Add(Session session)
        {
            lock (_sync)
            {
                if (!session.IsDue)
                {
                    session.IsDue = true;
                    _listed.Add(session);
                }
            }
        }

        /// <summary>The sessions listed now, for one tick; each must then be <see cref="Settle"/>d. The list is valid
        /// until the next call, so ticks must not overlap.</summary>
        public ArrayList Take()
        {
            lock (_sync)
            {
                ArrayList taken = _listed;
                _taken.Clear();
                _listed = _taken;
                _taken = taken;
                return taken;
            }
        }

        /// <summary>The tick has looked at <paramref name="session"/> (call under its lock): listed again for the next
        /// tick when it may still become due, forgotten otherwise.</summary>
        public void Settle(Session session, bool mayBecomeDue)
        {
            lock (_sync)
            {
                if (mayBecomeDue)
                {
                    _listed.Add(session);
                }
                else
                {
                    session.IsDue = false;
                }
            }
        }

        /// <summary>Lists again the sessions of <paramref name="taken"/> from <paramref name="from"/> on, which a tick
        /// ended early did not <see cref="Settle"/>: they stay listed until a tick has looked at them.</summary>
        public void Relist(ArrayList taken, int from)
        {
            lock (_sync)
            {
                for (int i = from; i < taken.Count; i++)
                {
                    _listed.Add(taken[i]);
                }
            }
        }
    }
}
