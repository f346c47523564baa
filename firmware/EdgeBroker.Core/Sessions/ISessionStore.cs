using System.Collections;

namespace EdgeBroker.Core.Sessions
{
    /// <summary>Where persistent sessions and their subscriptions are kept so they survive a restart. Only persistent
    /// sessions are written; every call returns once the change is durable.</summary>
    public interface ISessionStore
    {
        /// <summary>Creates or updates the session's expiry and disconnect time (not its subscriptions).</summary>
        void SaveSession(string clientId, uint expiryIntervalSeconds, long disconnectedAtMs);

        /// <summary>Forgets the session and its subscriptions.</summary>
        void DeleteSession(string clientId);

        void SaveSubscription(string clientId, SubscriptionRecord subscription);

        void DeleteSubscription(string clientId, string filter);

        /// <summary>Every stored session, with its subscriptions, as <see cref="SessionRecord"/>s.</summary>
        ArrayList LoadSessions();
    }
}
