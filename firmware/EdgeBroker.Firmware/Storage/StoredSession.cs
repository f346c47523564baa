using System.Collections;
using EdgeBroker.Core.Sessions;

namespace EdgeBroker.Firmware.Storage
{
    /// <summary>A persistent session as the flash session store keeps it: its values, its subscriptions, and the
    /// sizes of the log entries that hold them (what a compaction would rewrite).</summary>
    internal sealed class StoredSession
    {
        readonly string _clientId;
        readonly ArrayList _subscriptions = new ArrayList();
        int[] _subscriptionBytes = new int[4];

        public StoredSession(string clientId)
        {
            _clientId = clientId;
        }

        public string ClientId
        {
            get { return _clientId; }
        }

        public uint ExpiryIntervalSeconds { get; set; }

        public long DisconnectedAtMs { get; set; }

        /// <summary>Size of the entry holding the session's values.</summary>
        public int RecordBytes { get; set; }

        /// <summary><see cref="SubscriptionRecord"/>s (immutable, so they are handed out as they are).</summary>
        public ArrayList Subscriptions
        {
            get { return _subscriptions; }
        }

        /// <summary>Size of the entries holding the subscriptions.</summary>
        public int SubscriptionBytes { get; private set; }

        public int SubscriptionBytesAt(int index)
        {
            return _subscriptionBytes[index];
        }

        public int IndexOf(string filter)
        {
            for (int i = 0; i < _subscriptions.Count; i++)
            {
                if (((SubscriptionRecord)_subscriptions[i]).Filter == filter)
                {
                    return i;
                }
            }

            return -1;
        }

        public void AddSubscription(SubscriptionRecord subscription, int recordBytes)
        {
            int index = _subscriptions.Count;
            if (index == _subscriptionBytes.Length)
            {
                int[] grown = new int[index * 2];
                System.Array.Copy(_subscriptionBytes, 0, grown, 0, index);
                _subscriptionBytes = grown;
            }

            _subscriptions.Add(subscription);
            _subscriptionBytes[index] = recordBytes;
            SubscriptionBytes += recordBytes;
        }

        public void RemoveSubscriptionAt(int index)
        {
            SubscriptionBytes -= _subscriptionBytes[index];
            _subscriptions.RemoveAt(index);
            System.Array.Copy(_subscriptionBytes, index + 1, _subscriptionBytes, index, _subscriptions.Count - index);
        }
    }
}
