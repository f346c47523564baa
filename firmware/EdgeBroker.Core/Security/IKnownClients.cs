namespace EdgeBroker.Core.Security
{
    /// <summary>What the security asks the routing core (<see cref="BrokerCore"/>) before it pairs a client ID: whether a
    /// client already uses it. Pairing is for new devices; handing a window's credentials to an ID in use would give
    /// whoever connects first its session, its kept messages and a lasting identity.</summary>
    public interface IKnownClients
    {
        /// <summary>Whether a session (connected or away) exists for <paramref name="clientId"/>.</summary>
        bool HasSession(string clientId);
    }
}
