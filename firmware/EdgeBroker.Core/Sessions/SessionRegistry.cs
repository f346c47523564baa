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

        /// <summary>A copy of all sessions, for listings and expiry sweeps; made at its size, not grown by doubling
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
