using System.Collections;
using EdgeBroker.Core.Collections;

namespace EdgeBroker.Core.Security
{
    /// <summary>
    /// The authenticated clients with a live connection, by client ID: what the access policy consults on every
    /// PUBLISH and SUBSCRIBE, and where lost credentials are found. Thread-safe; lookups are short and allocation-free.
    /// </summary>
    public sealed class ConnectedClients
    {
        readonly object _sync = new object();
        readonly StringMap _byClientId = new StringMap(16);
        readonly ArrayList _clients = new ArrayList();

        public int Count
        {
            get
            {
                lock (_sync)
                {
                    return _clients.Count;
                }
            }
        }

        public AuthenticatedClient Find(string clientId)
        {
            lock (_sync)
            {
                return (AuthenticatedClient)_byClientId.Get(clientId);
            }
        }

        /// <summary>Registers an accepted client; it replaces an earlier connection's entry for the same client ID
        /// (a takeover: the engine closes the older connection).</summary>
        internal void Add(AuthenticatedClient client)
        {
            lock (_sync)
            {
                AuthenticatedClient previous = (AuthenticatedClient)_byClientId.Get(client.ClientId);
                if (previous != null)
                {
                    _clients.Remove(previous);
                }

                _byClientId.Set(client.ClientId, client);
                _clients.Add(client);
            }
        }

        /// <summary>Forgets <paramref name="client"/> unless a newer connection of the same client ID replaced it.</summary>
        internal void Remove(AuthenticatedClient client)
        {
            lock (_sync)
            {
                if (_byClientId.Get(client.ClientId) == client)
                {
                    _byClientId.Remove(client.ClientId);
                }

                _clients.Remove(client);
            }
        }

        /// <summary>Marks the client connected as device <paramref name="clientId"/> as revoked.</summary>
        internal void RevokeDevice(string clientId)
        {
            lock (_sync)
            {
                AuthenticatedClient client = (AuthenticatedClient)_byClientId.Get(clientId);
                if (client != null && client.Mode == AuthMode.Device)
                {
                    client.DisconnectReason = "device revoked";
                }
            }
        }

        /// <summary>Removes and returns every client whose credentials no longer hold; from now on the policy refuses
        /// them everything.</summary>
        internal ArrayList TakeClientsWithLostCredentials(long nowMs)
        {
            ArrayList lost = new ArrayList();
            lock (_sync)
            {
                for (int i = _clients.Count - 1; i >= 0; i--)
                {
                    AuthenticatedClient client = (AuthenticatedClient)_clients[i];
                    if (client.LostCredentials(nowMs))
                    {
                        lost.Add(client);
                        _clients.RemoveAt(i);
                        _byClientId.Remove(client.ClientId);
                    }
                }
            }

            return lost;
        }
    }
}
