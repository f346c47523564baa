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

        /// <summary>The soonest a listed client's token runs out (Unix ms; <see cref="long.MaxValue"/> when none has a
        /// token). Before then, and with nothing revoked since the last look, no client can have lost its credentials,
        /// so <see cref="TakeClientsWithLostCredentials"/> looks at none: walking every client every second was a part
        /// of an idle host's CPU that grew with its clients (docs/performance.md, "Ticks that walk only what is
        /// due").</summary>
        long _soonestExpiryMs = long.MaxValue;

        /// <summary>The soonest a listed client's token expire notice falls due (Unix ms; <see cref="long.MaxValue"/> when
        /// none is pending): the same gate for <see cref="TakeExpiryNotices"/>.</summary>
        long _soonestNoticeMs = long.MaxValue;

        /// <summary>A device or a token was revoked since the last look.</summary>
        bool _revokedSince;

        /// <summary>Authenticated clients not yet registered (<see cref="Register"/>) whose entry displaced one of the same
        /// client ID, each at the index of the entry it displaced in <see cref="_displaced"/> (null once that one's
        /// connection ended): should the CONNECT fail, the connection that carries on gets its own entry back
        /// (<see cref="Remove"/>). A takeover's CONNECT under way is rare, so these stay short.</summary>
        readonly ArrayList _displacing = new ArrayList();

        readonly ArrayList _displaced = new ArrayList();

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
        /// (a takeover: the engine closes the older connection once this one is registered; until then the older entry
        /// is kept aside, to come back if this CONNECT fails).</summary>
        internal void Add(AuthenticatedClient client)
        {
            lock (_sync)
            {
                AuthenticatedClient current = (AuthenticatedClient)_byClientId.Get(client.ClientId);
                if (current != null)
                {
                    _displacing.Add(client);
                    _displaced.Add(current);
                }

                _byClientId.Set(client.ClientId, client);
                Watch(client);
            }
        }

        /// <summary>
        /// The engine has registered <paramref name="client"/>'s connection where its close for lost credentials finds it
        /// (host: <c>BrokerCore.Connect</c>; relay: the connection's client). False when the credentials were lost
        /// between the CONNECT's check and now — the device or a token revoked, a token run out and taken by
        /// <see cref="TakeClientsWithLostCredentials"/>, which leaves a client not yet registered to this answer because
        /// its engine could not have found the connection: the engine closes it itself, and exactly one of the two acts
        /// on each loss.
        /// </summary>
        internal bool Register(AuthenticatedClient client)
        {
            lock (_sync)
            {
                if (client.DisconnectReason != null)
                {
                    // Revoked and not yet taken: taken now, so no later look returns it too.
                    Withdraw(client);
                    return false;
                }

                // The takeover goes ahead: the entry it displaced is not coming back.
                TakeDisplaced(client);
                client.Registered = true;
                return true;
            }
        }

        /// <summary>Gives <paramref name="client"/> the tokens <paramref name="read"/> and <paramref name="write"/> in
        /// place of those it holds (a token uploaded on its connection), so a sooner expiry or notice is not looked
        /// past.</summary>
        internal void ReplaceTokens(AuthenticatedClient client, TokenRecord read, TokenRecord write)
        {
            lock (_sync)
            {
                client.ReadToken = read;
                client.WriteToken = write;
                Watch(client);
            }
        }

        /// <summary><paramref name="notice"/>, taken from <see cref="TakeExpiryNotices"/>, could not be sent: it is
        /// taken again at the next look.</summary>
        internal void ExpiryNoticeUnsent(TokenNotice notice)
        {
            lock (_sync)
            {
                notice.Client.ExpiryNoticeUnsent(notice.Token);
                Watch(notice.Client);
            }
        }

        /// <summary>Lowers the gates to <paramref name="client"/>'s next expiry and expire notice. Under the lock.</summary>
        void Watch(AuthenticatedClient client)
        {
            long expiresAtMs = client.CredentialsExpireAtMs;
            if (expiresAtMs < _soonestExpiryMs)
            {
                _soonestExpiryMs = expiresAtMs;
            }

            long noticeAtMs = client.NextExpiryNoticeAtMs;
            if (noticeAtMs < _soonestNoticeMs)
            {
                _soonestNoticeMs = noticeAtMs;
            }
        }

        /// <summary>The expire notices due at <paramref name="nowMs"/>, each marked as sent; looks at the clients only
        /// once the soonest is due, like <see cref="TakeClientsWithLostCredentials"/>.</summary>
        internal ArrayList TakeExpiryNotices(long nowMs)
        {
            ArrayList notices = new ArrayList();
            lock (_sync)
            {
                if (nowMs < _soonestNoticeMs)
                {
                    return notices;
                }

                long soonest = long.MaxValue;
                for (int slot = 0; slot < _byClientId.SlotCount; slot++)
                {
                    AuthenticatedClient client = (AuthenticatedClient)_byClientId.ValueAt(slot);
                    if (client == null || client.DisconnectReason != null)
                    {
                        continue;
                    }

                    TokenNotice notice;
                    while ((notice = client.TakeExpiryNotice(nowMs)) != null)
                    {
                        notices.Add(notice);
                    }

                    long noticeAtMs = client.NextExpiryNoticeAtMs;
                    if (noticeAtMs < soonest)
                    {
                        soonest = noticeAtMs;
                    }
                }

                _soonestNoticeMs = soonest;
            }

            return notices;
        }

        /// <summary>Forgets <paramref name="client"/> — its connection ended, or its CONNECT failed after authentication —
        /// unless a newer connection of the same client ID replaced it. The entry a failed CONNECT displaced comes back,
        /// so the connection it would have taken over keeps its own rights.</summary>
        internal void Remove(AuthenticatedClient client)
        {
            lock (_sync)
            {
                Withdraw(client);
            }
        }

        /// <summary><see cref="Remove"/>, under the lock.</summary>
        void Withdraw(AuthenticatedClient client)
        {
            AuthenticatedClient displaced = TakeDisplaced(client);

            // A newer CONNECT displaced this one's entry in turn: should it fail, what this one displaced comes back.
            for (int i = 0; i < _displaced.Count; i++)
            {
                if (_displaced[i] == client)
                {
                    _displaced[i] = displaced;
                }
            }

            if (_byClientId.Get(client.ClientId) != client)
            {
                return;
            }

            if (displaced == null)
            {
                _byClientId.Remove(client.ClientId, client);
                return;
            }

            // Back in the table, where the next look checks it again: a revocation or a run-out token the looks missed
            // while it was aside is found then.
            _byClientId.Set(client.ClientId, displaced);
            _revokedSince = true;
            Watch(displaced);
        }

        /// <summary>Forgets which entry <paramref name="client"/> displaced, and returns it (null when none, or when its
        /// connection has ended). Under the lock.</summary>
        AuthenticatedClient TakeDisplaced(AuthenticatedClient client)
        {
            int index = _displacing.IndexOf(client);
            if (index < 0)
            {
                return null;
            }

            AuthenticatedClient displaced = (AuthenticatedClient)_displaced[index];
            _displacing.RemoveAt(index);
            _displaced.RemoveAt(index);
            return displaced;
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
                    _revokedSince = true;
                }

                // An entry kept aside while a CONNECT of the device is under way would come back revoked if it failed.
                for (int i = 0; i < _displaced.Count; i++)
                {
                    AuthenticatedClient displaced = (AuthenticatedClient)_displaced[i];
                    if (displaced != null && displaced.ClientId == clientId && displaced.Mode == AuthMode.Device)
                    {
                        displaced.DisconnectReason = "device revoked";
                    }
                }
            }
        }

        /// <summary>A token was revoked: the clients that connected with it are found at the next look.</summary>
        internal void TokenRevoked()
        {
            lock (_sync)
            {
                _revokedSince = true;
            }
        }

        /// <summary>Removes every client whose credentials no longer hold — from now on the policy refuses them
        /// everything — and returns those whose connection the engine has registered (<see cref="Register"/>).</summary>
        internal ArrayList TakeClientsWithLostCredentials(long nowMs)
        {
            ArrayList lost = new ArrayList();
            lock (_sync)
            {
                if (!_revokedSince && nowMs < _soonestExpiryMs)
                {
                    return lost;
                }

                _revokedSince = false;
                long soonest = long.MaxValue;

                // Through the table's slots, not a copy of it: this runs every second, and a copy of every connected
                // client grew by doubling to about 26 bytes of garbage per idle client a second (docs/performance.md, "Idle
                // connections: the last native allocation").
                for (int slot = 0; slot < _byClientId.SlotCount; slot++)
                {
                    AuthenticatedClient client = (AuthenticatedClient)_byClientId.ValueAt(slot);
                    if (client == null)
                    {
                        continue;
                    }

                    if (client.LostCredentials(nowMs))
                    {
                        // One not yet registered is answered at its registration (Register), where its engine acts.
                        if (client.Registered)
                        {
                            lost.Add(client);
                        }

                        // An entry one not yet registered displaced comes back; it is looked at next time.
                        Withdraw(client);
                        continue;
                    }

                    long expiresAtMs = client.CredentialsExpireAtMs;
                    if (expiresAtMs < soonest)
                    {
                        soonest = expiresAtMs;
                    }
                }

                _soonestExpiryMs = soonest;
            }

            return lost;
        }
    }
}
