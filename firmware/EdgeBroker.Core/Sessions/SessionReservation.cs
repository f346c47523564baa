namespace EdgeBroker.Core.Sessions
{
    /// <summary>
    /// A place among <see cref="BrokerCore.MaxSessions"/> held for the CONNECTs of one client ID from their admission
    /// (<see cref="BrokerCore.ReserveSession"/>) until each is connected or refused (<see cref="BrokerCore.ReleaseSession"/>):
    /// so CONNECTs of new client IDs accepted at the same moment cannot each take the last place. CONNECTs of the same
    /// client ID share one place, as their connections share one session. A place whose session outlives its connection
    /// holds the session store's room for it too, taken in the same step. Only <see cref="SessionRegistry"/> reads or
    /// writes it, under its lock.
    /// </summary>
    public sealed class SessionReservation
    {
        internal SessionReservation(string clientId)
        {
            ClientId = clientId;
        }

        internal string ClientId { get; private set; }

        /// <summary>The CONNECTs holding the place that have not released it yet.</summary>
        internal int Holders { get; set; }

        /// <summary>The store that holds room for the session on this place's behalf
        /// (<see cref="ISessionStore.ReserveSessionRoom"/>: a CONNECT whose session outlives its connection), given
        /// back with the place; null while none does.</summary>
        internal ISessionStore StoreRoom { get; set; }
    }
}
