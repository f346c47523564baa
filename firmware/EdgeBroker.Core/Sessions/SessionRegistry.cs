using System.Collections;
using EdgeBroker.Core.Collections;

namespace EdgeBroker.Core.Sessions
{
    /// <summary>Every session the broker holds, by client ID. Thread-safe.</summary>
    internal sealed class SessionRegistry
    {
        readonly object _sync = new object();
        readonly StringMap _table;

        public SessionRegistry(int expectedClients)
        {
            _table = new StringMap(expectedClients);
        }

        public int Count
        {
            get
            {
                lock (_sync)
                {
                    return _table.Count;
                }
            }
        }

        public Session Find(string clientId)
        {
            return Find(clientId, 0, clientId.Length);
        }

        /// <summary>Finds the session whose client ID equals the slice <paramref name="text"/>[start, start+length).</summary>
        public Session Find(string text, int start, int length)
        {
            lock (_sync)
            {
                return (Session)_table.Get(text, start, length);
            }
        }

        /// <summary>The existing session for <paramref name="clientId"/>, or a new one that is registered now.</summary>
        public Session GetOrCreate(string clientId, out bool existed)
        {
            lock (_sync)
            {
                Session session = (Session)_table.Get(clientId);
                existed = session != null;
                if (session == null)
                {
                    session = new Session(clientId);
                    _table.Set(clientId, session);
                }

                return session;
            }
        }

        /// <summary>Unregisters <paramref name="session"/> if it is still the registered one.</summary>
        public bool Remove(Session session)
        {
            lock (_sync)
            {
                return _table.Remove(session.ClientId, session);
            }
        }

        /// <summary>The sessions that outlive their connection — with <paramref name="awayOnly"/>, only those away now —
        /// read without their locks, so a caller that acts on one checks it again under its lock. What concerns only
        /// these (the expiry sweep, the offline queues) copies only these: a copy of every session at each sweep and
        /// each <c>$SYS</c> publication was most of what an idle host with 10,000 clients still did in its ticks
        /// (docs/performance.md, "Ticks that walk only what is due").</summary>
        public ArrayList Persistent(bool awayOnly)
        {
            ArrayList sessions = new ArrayList();
            lock (_sync)
            {
                for (int slot = 0; slot < _table.SlotCount; slot++)
                {
                    Session session = (Session)_table.ValueAt(slot);
                    if (session != null && session.IsPersistent && !(awayOnly && session.IsOnline))
                    {
                        sessions.Add(session);
                    }
                }
            }

            return sessions;
        }

        /// <summary>A copy of all sessions, for listings; made at its size, not grown by doubling
        /// (which left about three times the list's size in garbage at each call).</summary>
        public ArrayList Snapshot()
        {
            ArrayList sessions = new ArrayList();
            lock (_sync)
            {
                sessions.Capacity = _table.Count;
                _table.CopyValuesTo(sessions);
            }

            return sessions;
        }
    }
}
