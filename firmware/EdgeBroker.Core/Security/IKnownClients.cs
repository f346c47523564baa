namespace EdgeBroker.Core.Security
{
    /// <summary>What the security asks the routing core (<see cref="BrokerCore"/>) about a client ID's session: before it
    /// pairs the ID, whether a client already uses it (pairing is for new devices; handing a window's credentials to an ID
    /// in use would give whoever connects first its session, its kept messages and a lasting identity); before a client
    /// that chose the ID freely takes the session, whether its owner proved the ID.</summary>
    public interface IKnownClients
    {
        /// <summary>Whether a session (connected or away) exists for <paramref name="clientId"/>.</summary>
        bool HasSession(string clientId);

        /// <summary>Whether <paramref name="clientId"/> has a session, connected or away and not expired, last taken with
        /// credentials that prove the ID (<see cref="AuthenticatedClient.ProvesClientId"/>).</summary>
        bool IsHeldWithProvenId(string clientId);
    }
}
