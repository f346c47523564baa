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

        /// <summary>Token mode: the access key of its user name, whose tokens alone it may present or upload.</summary>
        public string AccessKeyId
        {
            get { return _tokens == null ? null : _tokens.AccessKeyId; }
            internal set { if (value != null || _tokens != null) { Held().AccessKeyId = value; } }
        }

        /// <summary>Token mode: the token that grants subscribing, or null. Replaced by an uploaded token
        /// (<see cref="BrokerSecurity.UploadToken"/>).</summary>
        public TokenRecord ReadToken
        {
            get { return _tokens == null ? null : _tokens.Read; }
            internal set { if (value != null || _tokens != null) { Held().Read = value; } }
        }

        /// <summary>Token mode: the token that grants publishing, or null. Replaced by an uploaded token.</summary>
        public TokenRecord WriteToken
        {
            get { return _tokens == null ? null : _tokens.Write; }
            internal set { if (value != null || _tokens != null) { Held().Write = value; } }
        }

        /// <summary>Token mode's state, made when the first of it is set (null for every other client).</summary>
        HeldTokens _tokens;

        const int AnnouncementRefusalReportedFlag = 1;
        const int RegisteredFlag = 2;

        /// <summary>The two flags below in one field: on nanoFramework every field is a heap block of its own, and one is
        /// kept per connected client. Both are written only by the connection's own reader, one packet at a time.</summary>
        int _flags;

        /// <summary>Whether a refused route announcement of this connection was reported (logged once per connection:
        /// a gateway sends many).</summary>
        internal bool AnnouncementRefusalReported
        {
            get { return (_flags & AnnouncementRefusalReportedFlag) != 0; }
            set { _flags = value ? _flags | AnnouncementRefusalReportedFlag : _flags & ~AnnouncementRefusalReportedFlag; }
        }

        /// <summary>Whether the engine has registered the connection where a close for lost credentials finds it
        /// (<see cref="BrokerSecurity.ConnectionRegistered"/>); until then the engine, not
        /// <see cref="BrokerSecurity.ClientsToDisconnect"/>, acts on lost credentials. Read and written under
        /// <see cref="ConnectedClients"/>' lock.</summary>
        internal bool Registered
        {
            get { return (_flags & RegisteredFlag) != 0; }
            set { _flags = value ? _flags | RegisteredFlag : _flags & ~RegisteredFlag; }
        }

        /// <summary>Why the engine must close this client's connection; null while it may stay.</summary>
        public string DisconnectReason { get; internal set; }

        /// <summary>Token mode: the <c>$SYS/tokenInvalidNotice</c> to send before closing the connection for an expired
        /// or revoked token; null otherwise.</summary>
        public TokenNotice DisconnectNotice
        {
            get { return _tokens == null ? null : _tokens.DisconnectNotice; }
            internal set { if (value != null || _tokens != null) { Held().DisconnectNotice = value; } }
        }

        HeldTokens Held()
        {
            if (_tokens == null)
            {
                _tokens = new HeldTokens();
            }

            return _tokens;
        }

        /// <summary>True when the client's credentials no longer hold at <paramref name="nowMs"/>: its device was
        /// revoked, or a token it holds expired or was revoked. Sets <see cref="DisconnectReason"/> (and for a token
        /// <see cref="DisconnectNotice"/>).</summary>
        internal bool LostCredentials(long nowMs)
        {
            if (DisconnectReason != null)
            {
                return true;
            }

            TokenRecord lost = !TokenHolds(ReadToken, nowMs) ? ReadToken : !TokenHolds(WriteToken, nowMs) ? WriteToken : null;
            if (lost != null)
            {
                DisconnectReason = lost.Revoked ? "token revoked" : "token expired";
                DisconnectNotice = TokenNotice.Invalid(this, lost.Revoked ? TokenNotice.CodeRevoked : TokenNotice.CodeExpired,
                    TokenNotice.TypeOf(ReadToken == lost, WriteToken == lost));
            }

            return DisconnectReason != null;
        }

        /// <summary>When the next expire notice of this client falls due (Unix ms): <see cref="TokenNotice.ExpiryNoticeLeadMs"/>
        /// before the sooner-running-out of its tokens not noticed yet; <see cref="long.MaxValue"/> when none is left.</summary>
        internal long NextExpiryNoticeAtMs
        {
            get
            {
                long read = ReadToken == null || _tokens.ReadExpiryNoticed == ReadToken ? long.MaxValue : ReadToken.ExpiresAtMs - TokenNotice.ExpiryNoticeLeadMs;
                long write = WriteToken == null || _tokens.WriteExpiryNoticed == WriteToken ? long.MaxValue : WriteToken.ExpiresAtMs - TokenNotice.ExpiryNoticeLeadMs;
                return read < write ? read : write;
            }
        }

        /// <summary>The expire notice due at <paramref name="nowMs"/> for one of the client's tokens, marked as sent;
        /// null when none is due. A token in both slots gets one notice, of type RW.</summary>
        internal TokenNotice TakeExpiryNotice(long nowMs)
        {
            if (_tokens == null)
            {
                return null;
            }

            TokenRecord due = IsNoticeDue(ReadToken, _tokens.ReadExpiryNoticed, nowMs) ? ReadToken
                : IsNoticeDue(WriteToken, _tokens.WriteExpiryNoticed, nowMs) ? WriteToken
                : null;
            if (due == null)
            {
                return null;
            }

            bool read = ReadToken == due;
            bool write = WriteToken == due;
            if (read)
            {
                _tokens.ReadExpiryNoticed = due;
            }

            if (write)
            {
                _tokens.WriteExpiryNoticed = due;
            }

            return TokenNotice.Expiring(this, due, TokenNotice.TypeOf(read, write));
        }

        /// <summary>The expire notice of <paramref name="token"/> could not be sent (the connection was not the core's
        /// yet): it is due again.</summary>
        internal void ExpiryNoticeUnsent(TokenRecord token)
        {
            if (_tokens == null)
            {
                return;
            }

            if (_tokens.ReadExpiryNoticed == token)
            {
                _tokens.ReadExpiryNoticed = null;
            }

            if (_tokens.WriteExpiryNoticed == token)
            {
                _tokens.WriteExpiryNoticed = null;
            }
        }

        /// <summary>Due from the lead time on, until the token has run out: then the invalid notice says so instead.</summary>
        static bool IsNoticeDue(TokenRecord token, TokenRecord noticed, long nowMs)
        {
            return token != null && token != noticed && nowMs >= token.ExpiresAtMs - TokenNotice.ExpiryNoticeLeadMs && nowMs < token.ExpiresAtMs;
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
