using System.Collections;

namespace EdgeBroker.Core.Sessions
{
    /// <summary>Where persistent sessions and their subscriptions are kept so they survive a restart. Only persistent
    /// sessions are written; every call returns once the change is durable.</summary>
    public interface ISessionStore
    {
        /// <summary>Creates or updates the session's expiry and disconnect time (not its subscriptions).</summary>
        void SaveSession(string clientId, uint expiryIntervalSeconds, long disconnectedAtMs);

        /// <summary>Holds room for a new persistent session of <paramref name="clientId"/> until <see cref="SaveSession"/>
        /// of it takes the room or <see cref="ReleaseSessionRoom"/> gives it back; true when the store keeps the session
        /// already or the room is held now, false when a store with a budget for sessions has none left beside what it
        /// keeps and holds for others. The core asks as it admits a CONNECT (<see cref="BrokerCore.ReserveSession"/>, under
        /// the session registry's lock), so CONNECTs at the same moment cannot each take the last room, and the engine
        /// answers a refusal 0x03 (server unavailable) rather than accept a session it cannot keep.</summary>
        bool ReserveSessionRoom(string clientId);

        /// <summary>The CONNECT of <paramref name="clientId"/> that <see cref="ReserveSessionRoom"/> admitted is done; the
        /// room it held and <see cref="SaveSession"/> did not take is free again.</summary>
        void ReleaseSessionRoom(string clientId);

        /// <summary>Forgets the session and its subscriptions.</summary>
        void DeleteSession(string clientId);

        void SaveSubscription(string clientId, SubscriptionRecord subscription);

        void DeleteSubscription(string clientId, string filter);

        /// <summary>Every stored session, with its subscriptions, as <see cref="SessionRecord"/>s.</summary>
        ArrayList LoadSessions();
    }
}
