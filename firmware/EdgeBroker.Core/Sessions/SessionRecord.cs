using System.Collections;

namespace EdgeBroker.Core.Sessions
{
    /// <summary>What survives a restart of a persistent session: its expiry and its subscriptions.</summary>
    public sealed class SessionRecord
    {
        public SessionRecord(string clientId, uint expiryIntervalSeconds, long disconnectedAtMs)
        {
            ClientId = clientId;
            ExpiryIntervalSeconds = expiryIntervalSeconds;
            DisconnectedAtMs = disconnectedAtMs;
            Subscriptions = new ArrayList();
        }

        public string ClientId { get; private set; }

        public uint ExpiryIntervalSeconds { get; private set; }

        /// <summary>Unix ms when its last connection ended; 0 while it was connected.</summary>
        public long DisconnectedAtMs { get; private set; }

        /// <summary><see cref="SubscriptionRecord"/>s.</summary>
        public ArrayList Subscriptions { get; private set; }
    }
}
