using EdgeBroker.Core.Topics;

namespace EdgeBroker.Core.Security
{
    /// <summary>
    /// A client whose CONNECT was accepted: who it is, how it proved it, and what it may do. The engine keeps the
    /// instance with its connection and hands it back to <see cref="BrokerSecurity.Disconnected"/>; the access
    /// policy finds it by client ID.
    /// </summary>
    public sealed class AuthenticatedClient
    {
        string _group;

        internal AuthenticatedClient(string clientId, AuthMode mode, string credentialId, AccessRule rule)
        {
            ClientId = clientId;
            Mode = mode;
            CredentialId = credentialId;
            Rule = rule;
        }

        public string ClientId { get; private set; }

        /// <summary>The group of the client ID (every mode authenticates a client as a member of its client ID's
        /// group). Worked out when first asked: one is kept per connected client, and most never need it.</summary>
        public string Group
        {
            get
            {
                if (_group == null)
                {
                    _group = ClientIdentity.GroupOf(ClientId);
                }

                return _group;
            }
        }

        public AuthMode Mode { get; private set; }

        /// <summary>Whether the credentials prove the client ID itself: a Signature password is an HMAC of it, a device's
        /// secret was issued for it. Anonymous, password-file and Token clients choose their ID freely (a token is the
        /// access key's, not the ID's), and a pairing connection has yet to get its secret.</summary>
        public bool ProvesClientId
        {
            get { return Mode == AuthMode.Signature || Mode == AuthMode.Device; }
        }

        /// <summary>The access key a Signature or Token client signed in with, null for other modes: which groups it
        /// serves bounds the client IDs the client may announce routes for (<see cref="SecurityPolicy.CanAnnounceRoutes"/>).</summary>
        public AccessKey AccessKey { get; internal set; }

        /// <summary>What to name in logs: the access key ID, the device's client ID or the token IDs; never a secret.</summary>
        public string CredentialId { get; private set; }

        public AccessRule Rule { get; private set; }

        /// <summary>The user name of the CONNECT, or null without one: who an <see cref="AclFile"/>'s user lines and
        /// <c>%u</c> mean.</summary>
        public string UserName { get; internal set; }

        /// <summary>Token mode: the token that grants subscribing, or null.</summary>
        public TokenRecord ReadToken { get; internal set; }

        /// <summary>Token mode: the token that grants publishing, or null.</summary>
        public TokenRecord WriteToken { get; internal set; }

        /// <summary>Whether a refused route announcement of this connection was reported (logged once per connection:
        /// a gateway sends many).</summary>
        internal bool AnnouncementRefusalReported { get; set; }

        /// <summary>Why the engine must close this client's connection; null while it may stay.</summary>
        public string DisconnectReason { get; internal set; }

        /// <summary>True when the client's credentials no longer hold at <paramref name="nowMs"/>: its device was
        /// revoked, or a token it connected with expired or was revoked. Sets <see cref="DisconnectReason"/>.</summary>
        internal bool LostCredentials(long nowMs)
        {
            if (DisconnectReason != null)
            {
                return true;
            }

            if (!TokenHolds(ReadToken, nowMs) || !TokenHolds(WriteToken, nowMs))
            {
                DisconnectReason = "token expired or revoked";
            }

            return DisconnectReason != null;
        }

        /// <summary>When the sooner of the client's tokens runs out (Unix ms); <see cref="long.MaxValue"/> without
        /// one.</summary>
        internal long CredentialsExpireAtMs
        {
            get
            {
                long read = ReadToken == null ? long.MaxValue : ReadToken.ExpiresAtMs;
                long write = WriteToken == null ? long.MaxValue : WriteToken.ExpiresAtMs;
                return read < write ? read : write;
            }
        }

        static bool TokenHolds(TokenRecord token, long nowMs)
        {
            return token == null || token.IsValidAt(nowMs);
        }
    }
}
