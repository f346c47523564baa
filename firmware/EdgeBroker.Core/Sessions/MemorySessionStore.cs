using System.Collections;

namespace EdgeBroker.Core.Sessions
{
    /// <summary>Session records on the heap: nothing survives the process. Used where nothing durable is configured, and
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
                SessionRecord record = new SessionRecord(clientId, expiryIntervalSeconds, disconnectedAtMs);
                if (index < 0)
                {
                    _sessions.Add(record);
                    return;
                }

                SessionRecord previous = (SessionRecord)_sessions[index];
                for (int i = 0; i < previous.Subscriptions.Count; i++)
                {
                    record.Subscriptions.Add(previous.Subscriptions[i]);
                }

                _sessions[index] = record;
            }
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

                SessionRecord record = (SessionRecord)_sessions[index];
                RemoveFilter(record, subscription.Filter);
                record.Subscriptions.Add(subscription);
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

        static void RemoveFilter(SessionRecord record, string filter)
        {
            for (int i = 0; i < record.Subscriptions.Count; i++)
            {
                if (((SubscriptionRecord)record.Subscriptions[i]).Filter == filter)
                {
                    record.Subscriptions.RemoveAt(i);
                    return;
                }
            }
        }
    }
}
