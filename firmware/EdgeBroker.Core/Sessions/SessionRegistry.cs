using System.Collections;

namespace EdgeBroker.Core.Sessions
{
    /// <summary>Every session the broker holds, by client ID. Thread-safe.</summary>
    public sealed class SessionRegistry
    {
        readonly object _sync = new object();
        readonly ClientIdTable _table;

        public SessionRegistry(int expectedClients)
        {
            _table = new ClientIdTable(expectedClients);
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
                return _table.Find(text, start, length);
            }
        }

        /// <summary>The existing session for <paramref name="clientId"/>, or a new one that is registered now.</summary>
        public Session GetOrCreate(string clientId, out bool existed)
        {
            lock (_sync)
            {
                Session session = _table.Find(clientId, 0, clientId.Length);
                existed = session != null;
                if (session == null)
                {
                    session = new Session(clientId);
                    _table.Add(session);
                }

                return session;
            }
        }

        /// <summary>Unregisters <paramref name="session"/> if it is still the registered one.</summary>
        public bool Remove(Session session)
        {
            lock (_sync)
            {
                return _table.Remove(session);
            }
        }

        /// <summary>A copy of all sessions, for listings and expiry sweeps.</summary>
        public ArrayList Snapshot()
        {
            ArrayList sessions = new ArrayList();
            lock (_sync)
            {
                _table.CopyTo(sessions);
            }

            return sessions;
        }
    }
}
