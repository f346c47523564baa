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

        public int Count
        {
            get
            {
                lock (_sync)
                {
                    return _byClientId.Count;
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
                _byClientId.Set(client.ClientId, client);
            }
        }

        /// <summary>Forgets <paramref name="client"/> unless a newer connection of the same client ID replaced it.</summary>
        internal void Remove(AuthenticatedClient client)
        {
            lock (_sync)
            {
                _byClientId.Remove(client.ClientId, client);
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
                // Through the table's slots, not a copy of it: this runs every second, and a copy of every connected
                // client grew by doubling to about 26 bytes of garbage per idle client a second (docs/performance.md, "Idle
                // connections: the last native allocation").
                for (int slot = 0; slot < _byClientId.SlotCount; slot++)
                {
                    AuthenticatedClient client = (AuthenticatedClient)_byClientId.ValueAt(slot);
                    if (client != null && client.LostCredentials(nowMs))
                    {
                        lost.Add(client);
                        _byClientId.Remove(client.ClientId);
                    }
                }
            }

            return lost;
        }
    }
}
