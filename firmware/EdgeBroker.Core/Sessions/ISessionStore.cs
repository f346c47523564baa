using System.Collections;

namespace EdgeBroker.Core.Sessions
{
    /// <summary>Where persistent sessions and their subscriptions are kept so they survive a restart. Only persistent
    /// sessions are written; every call returns once the change is durable.</summary>
    public interface ISessionStore
    {
        /// <summary>Creates or updates the session's expiry and disconnect time (not its subscriptions).</summary>
        void SaveSession(string clientId, uint expiryIntervalSeconds, long disconnectedAtMs);

        /// <summary>Whether the store has room for a new persistent session of <paramref name="clientId"/> (true when it
        /// keeps one already): a store with a budget for sessions refuses beyond it, and the engine answers the CONNECT
        /// 0x03 (server unavailable) rather than accept a session it cannot keep (<see cref="BrokerCore.AdmitsSession"/>).</summary>
        bool HasRoomForSession(string clientId);

        /// <summary>Forgets the session and its subscriptions.</summary>
        void DeleteSession(string clientId);

        void SaveSubscription(string clientId, SubscriptionRecord subscription);

        void DeleteSubscription(string clientId, string filter);

        /// <summary>Every stored session, with its subscriptions, as <see cref="SessionRecord"/>s.</summary>
        ArrayList LoadSessions();
    }
}
