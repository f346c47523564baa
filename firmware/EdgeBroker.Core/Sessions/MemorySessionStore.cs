using System.Collections;

namespace EdgeBroker.Core.Sessions
{
    /// <summary>Session entries on the heap: nothing survives the process. Used where nothing durable is configured, and
    /// to test what the core writes and restores.</summary>
    public sealed class MemorySessionStore : ISessionStore
    {
        readonly object _sync = new object();
        readonly ArrayList _sessions = new ArrayList();

        public void SaveSession(string clientId, uint expiryIntervalSeconds, long disconnectedAtMs)
        {
            lock (_sync)
            {
                int index = IndexOf(clientId);
                SessionRecord sessionRecord = new SessionRecord(clientId, expiryIntervalSeconds, disconnectedAtMs);
                if (index < 0)
                {
                    _sessions.Add(sessionRecord);
                    return;
                }

                SessionRecord previous = (SessionRecord)_sessions[index];
                for (int i = 0; i < previous.Subscriptions.Count; i++)
                {
                    sessionRecord.Subscriptions.Add(previous.Subscriptions[i]);
                }

                _sessions[index] = sessionRecord;
            }
        }

        /// <summary>Memory sets no budget of its own: the engine's limits bound the sessions.</summary>
        public bool ReserveSessionRoom(string clientId)
        {
            return true;
        }

        /// <summary>Nothing is held (<see cref="ReserveSessionRoom"/>).</summary>
        public void ReleaseSessionRoom(string clientId)
        {
        }

        public void DeleteSession(string clientId)
        {
            lock (_sync)
            {
                int index = IndexOf(clientId);
                if (index >= 0)
                {
                    _sessions.RemoveAt(index);
                }
            }
        }

        public void SaveSubscription(string clientId, SubscriptionRecord subscription)
        {
            lock (_sync)
            {
                int index = IndexOf(clientId);
                if (index < 0)
                {
                    return;
                }

                SessionRecord sessionRecord = (SessionRecord)_sessions[index];
                RemoveFilter(sessionRecord, subscription.Filter);
                sessionRecord.Subscriptions.Add(subscription);
            }
        }

        public void DeleteSubscription(string clientId, string filter)
        {
            lock (_sync)
            {
                int index = IndexOf(clientId);
                if (index >= 0)
                {
                    RemoveFilter((SessionRecord)_sessions[index], filter);
                }
            }
        }

        public ArrayList LoadSessions()
        {
            ArrayList sessions = new ArrayList();
            lock (_sync)
            {
                for (int i = 0; i < _sessions.Count; i++)
                {
                    sessions.Add(_sessions[i]);
                }
            }

            return sessions;
        }

        int IndexOf(string clientId)
        {
            for (int i = 0; i < _sessions.Count; i++)
            {
                if (((SessionRecord)_sessions[i]).ClientId == clientId)
                {
                    return i;
                }
            }

            return -1;
        }

        static void RemoveFilter(SessionRecord sessionRecord, string filter)
        {
            for (int i = 0; i < sessionRecord.Subscriptions.Count; i++)
            {
                if (((SubscriptionRecord)sessionRecord.Subscriptions[i]).Filter == filter)
                {
                    sessionRecord.Subscriptions.RemoveAt(i);
                    return;
                }
            }
        }
    }
}
