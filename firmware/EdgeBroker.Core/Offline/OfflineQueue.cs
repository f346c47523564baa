namespace EdgeBroker.Core.Offline
{
    /// <summary>How many messages the offline store keeps for one persistent session (<see cref="BrokerCore.OfflineQueues"/>).</summary>
    public sealed class OfflineQueue
    {
        public OfflineQueue(string clientId, int count)
        {
            ClientId = clientId;
            Count = count;
        }

        public string ClientId { get; private set; }

        public int Count { get; private set; }
    }
}
