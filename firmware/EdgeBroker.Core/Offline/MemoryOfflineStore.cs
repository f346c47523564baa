using System.Collections;
using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Collections;

namespace EdgeBroker.Core.Offline
{
    /// <summary>Offline messages on the heap: the same rules as the durable stores, lost on restart. Used where nothing
    /// durable is configured and as the reference the durable stores are tested against.</summary>
    public sealed class MemoryOfflineStore : IOfflineStore
    {
        readonly object _sync = new object();
        readonly StringMap _queues = new StringMap(16);
        readonly OfflineLimits _limits;
        long _lastId;

        public MemoryOfflineStore(OfflineLimits limits)
        {
            _limits = limits;
        }

        public long Append(string clientId, RoutedMessage message, int qos, bool retain, int[] subscriptionIdentifiers, long expiresAtMs)
        {
            lock (_sync)
            {
                ClientQueue queue = (ClientQueue)_queues.Get(clientId);
                if (queue == null)
                {
                    queue = new ClientQueue();
                    _queues.Set(clientId, queue);
                }

                long size = MessageFootprint.Of(message);
                if (queue.Messages.Count >= _limits.MaxMessagesPerClient || queue.Bytes + size > _limits.MaxBytesPerClient)
                {
                    return 0;
                }

                _lastId++;
                queue.Messages.Add(new StoredMessage(_lastId, message.Detach(), qos, retain, subscriptionIdentifiers, expiresAtMs));
                queue.Bytes += size;
                return _lastId;
            }
        }

        public int Read(string clientId, long afterId, int max, long nowMs, ArrayList into)
        {
            lock (_sync)
            {
                ClientQueue queue = (ClientQueue)_queues.Get(clientId);
                if (queue == null)
                {
                    return 0;
                }

                int added = 0;
                for (int i = 0; i < queue.Messages.Count && added < max; i++)
                {
                    StoredMessage stored = (StoredMessage)queue.Messages[i];
                    if (Clock.HasPassed(stored.ExpiresAtMs, nowMs))
                    {
                        queue.Bytes -= MessageFootprint.Of(stored.Message);
                        queue.Messages.RemoveAt(i);
                        i--;
                    }
                    else if (stored.Id > afterId)
                    {
                        into.Add(stored);
                        added++;
                    }
                }

                return added;
            }
        }

        /// <summary>Nothing to write: memory is as durable as this store gets.</summary>
        public bool Commit()
        {
            return true;
        }

        /// <summary>Nothing waits (see <see cref="Commit"/>).</summary>
        public PendingCommit CommitLater()
        {
            return null;
        }

        public void Remove(string clientId, long id)
        {
            lock (_sync)
            {
                ClientQueue queue = (ClientQueue)_queues.Get(clientId);
                if (queue == null)
                {
                    return;
                }

                for (int i = 0; i < queue.Messages.Count; i++)
                {
                    StoredMessage stored = (StoredMessage)queue.Messages[i];
                    if (stored.Id == id)
                    {
                        queue.Bytes -= MessageFootprint.Of(stored.Message);
                        queue.Messages.RemoveAt(i);
                        return;
                    }
                }
            }
        }

        public bool IsFull(string clientId)
        {
            return Count(clientId) >= _limits.MaxMessagesPerClient;
        }

        public int Count(string clientId)
        {
            lock (_sync)
            {
                ClientQueue queue = (ClientQueue)_queues.Get(clientId);
                return queue == null ? 0 : queue.Messages.Count;
            }
        }

        public long LastIssuedId
        {
            get
            {
                lock (_sync)
                {
                    return _lastId;
                }
            }
        }

        public long LastId(string clientId)
        {
            lock (_sync)
            {
                ClientQueue queue = (ClientQueue)_queues.Get(clientId);
                return queue == null || queue.Messages.Count == 0
                    ? 0
                    : ((StoredMessage)queue.Messages[queue.Messages.Count - 1]).Id;
            }
        }

        public void Discard(string clientId)
        {
            lock (_sync)
            {
                _queues.Remove(clientId);
            }
        }

        sealed class ClientQueue
        {
            public readonly ArrayList Messages = new ArrayList();
            public long Bytes;
        }
    }
}
