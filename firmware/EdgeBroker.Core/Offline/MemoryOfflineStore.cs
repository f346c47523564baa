using System.Collections;
using EdgeBroker.Core.Collections;

namespace EdgeBroker.Core.Offline
{
    /// <summary>Offline messages on the heap: lost on restart. A bounded queue per client; when it is full new
    /// messages are refused (and counted by the router) rather than old ones silently dropped.</summary>
    public sealed class MemoryOfflineStore : IOfflineStore
    {
        readonly object _sync = new object();
        readonly StringMap _queues = new StringMap(16);
        readonly int _maxMessagesPerClient;

        public MemoryOfflineStore(int maxMessagesPerClient)
        {
            _maxMessagesPerClient = maxMessagesPerClient;
        }

        public bool Enqueue(string clientId, OfflineMessage message)
        {
            lock (_sync)
            {
                Queue queue = (Queue)_queues.Get(clientId);
                if (queue == null)
                {
                    queue = new Queue();
                    _queues.Set(clientId, queue);
                }

                if (queue.Count >= _maxMessagesPerClient)
                {
                    return false;
                }

                queue.Enqueue(message);
                return true;
            }
        }

        public int Take(string clientId, int max, ArrayList into)
        {
            lock (_sync)
            {
                Queue queue = (Queue)_queues.Get(clientId);
                if (queue == null)
                {
                    return 0;
                }

                int taken = 0;
                while (taken < max && queue.Count > 0)
                {
                    into.Add(queue.Dequeue());
                    taken++;
                }

                if (queue.Count == 0)
                {
                    _queues.Remove(clientId);
                }

                return taken;
            }
        }

        public int Count(string clientId)
        {
            lock (_sync)
            {
                Queue queue = (Queue)_queues.Get(clientId);
                return queue == null ? 0 : queue.Count;
            }
        }

        public void Discard(string clientId)
        {
            lock (_sync)
            {
                _queues.Remove(clientId);
            }
        }
    }
}
