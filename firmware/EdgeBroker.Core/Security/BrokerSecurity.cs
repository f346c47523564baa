using System.Collections;
using EdgeBroker.Core.Limits;

namespace EdgeBroker.Core.Security
{
    /// <summary>
    /// Authentication, pairing, tokens and access control as an engine sees them; one instance per broker,
    /// thread-safe. An engine:
    /// <list type="number">
    /// <item>passes <see cref="Policy"/> to <see cref="BrokerCore"/> (it decides every PUBLISH and SUBSCRIBE);</item>
    /// <item>on CONNECT calls <see cref="Authenticate"/>, waits <see cref="AuthDecision.ResponseDelayMs"/>, answers
    /// with the decision's CONNACK code and logs its reason; when accepted it calls <see cref="BrokerCore.Connect"/>,
    /// keeps <see cref="AuthDecision.Client"/> with the connection, tells <see cref="ConnectionRegistered"/> (and closes
    /// the connection when that says the credentials were lost meanwhile), and sends the
    /// <see cref="AuthDecision.PairingMessage"/> (if any) after the CONNACK. A refused CONNECT changes nothing
    /// here, so an existing connection with the same client ID is untouched;</item>
    /// <item>when a connection ends calls <see cref="Disconnected"/> with that client;</item>
    /// <item>about once a second, and right after revoking a device or token, closes the connection of every
    /// client <see cref="ClientsToDisconnect"/> returns, after sending it its
    /// <see cref="AuthenticatedClient.DisconnectNotice"/> (if any);</item>
    /// <item>about once a second sends each <see cref="TokenExpiryNotices"/> to its client's connection, handing back
    /// (<see cref="ExpiryNoticeUnsent"/>) one whose client is still being connected;</item>
    /// <item>hands a PUBLISH for which <see cref="IsTokenUpload"/> holds to <see cref="UploadToken"/> instead of the
    /// routing core, and carries out the <see cref="TokenUploadResult"/>.</item>
    /// </list>
    /// The notices are PUBLISHes on the client's own connection, whether or not it subscribed, never routed.
    /// </summary>
    public sealed class BrokerSecurity
    {
        readonly object _sync = new object();
        readonly SecurityOptions _options;
        readonly IDeviceStore _devices;
        readonly TokenRegistry _tokens;
        readonly PairingWindows _pairing = new PairingWindows();
        readonly ConnectedClients _clients = new ConnectedClients();
        readonly AccessCounters _counters = new AccessCounters();
        readonly Authenticator _authenticator;
        readonly SecurityPolicy _policy;
        readonly ProblemReports _refusals;

        public BrokerSecurity(SecurityOptions options, IDeviceStore devices, ITokenStore tokens, IRandomSource random)
        {
            _options = options;
            _devices = devices;
            SecretGenerator secrets = new SecretGenerator(random);
            _tokens = new TokenRegistry(tokens, secrets);
            _authenticator = new Authenticator(options, new LoginThrottle(options.Throttle), _tokens, devices, _pairing, secrets, _clients);
            _policy = new SecurityPolicy(options, _clients, _counters);
            _refusals = new ProblemReports(options.Throttle.MaxTrackedAddresses);
        }

        public SecurityOptions Options { get { return _options; } }

        /// <summary>The routing core, which pairing asks whether a client ID is in use (a pairing window pairs new devices
        /// only). Engines set it once the core is made (it is made with <see cref="Policy"/>); until then nothing is
        /// known to be in use.</summary>
        public IKnownClients KnownClients
        {
            set
            {
                lock (_sync)
                {
                    _authenticator.KnownClients = value;
                }
            }
        }

        /// <summary>The access policy to give the routing core; set <see cref="SecurityPolicy.Denied"/> to log denials.</summary>
        public SecurityPolicy Policy { get { return _policy; } }

        public AccessCounters Counters { get { return _counters; } }

        /// <summary>The clients with a live authenticated connection.</summary>
        public ConnectedClients Clients { get { return _clients; } }

        /// <param name="password">The CONNECT password as sent (MQTT passwords are binary); null when absent.</param>
        /// <param name="remoteAddress">The client's IP address without the port, the unit of throttling.</param>
        /// <param name="nowMs">The wall clock (<see cref="Clock.NowMs"/>): token expiry (a Token-mode CONNECT is refused
        /// while it is not set: <see cref="TimeBoundCredentials"/>), when a device was paired.</param>
        /// <param name="monotonicMs">The interval clock (<see cref="Clock.MonotonicMs"/>): the login throttle, the pairing
        /// window.</param>
        public AuthDecision Authenticate(string clientId, string userName, byte[] password, string remoteAddress, long nowMs, long monotonicMs)
        {
            lock (_sync)
            {
                AuthDecision decision = _authenticator.Authenticate(clientId, userName, password, remoteAddress, nowMs, monotonicMs);
                if (decision.IsAccepted)
                {
                    _clients.Add(decision.Client);
                }

                return decision;
            }
        }

        /// <summary>
        /// Decides a signed request to the host's HTTP API from <paramref name="remoteAddress"/> (the IP address without
        /// the port, as for a CONNECT) that names access key <paramref name="accessKeyId"/>: <paramref name="keyKnown"/>
        /// whether the key is configured, <paramref name="signatureMatches"/> whether the engine found the request signed
        /// with its secret. The same login throttle as <see cref="Authenticate"/>: the engine waits
        /// <see cref="AuthDecision.ResponseDelayMs"/> before it answers, refuses <see cref="AuthOutcome.Throttled"/> for
        /// <see cref="AuthDecision.LockedForMs"/>, and logs a refusal when <see cref="ShouldLogRefusal"/> says so.
        /// <paramref name="monotonicMs"/>: <see cref="Clock.MonotonicMs"/>.
        /// </summary>
        public AuthDecision AuthenticateSignedRequest(string accessKeyId, bool keyKnown, bool signatureMatches, string remoteAddress, long monotonicMs)
        {
            lock (_sync)
            {
                return _authenticator.AuthenticateSignedRequest(accessKeyId, keyKnown, signatureMatches, remoteAddress, monotonicMs);
            }
        }

        /// <summary>
        /// The engine has registered the accepted <paramref name="client"/>'s connection where its close for
        /// <see cref="ClientsToDisconnect"/> finds it (host: right after <see cref="BrokerCore.Connect(string, bool, uint, Sessions.IClientConnection, bool)"/>;
        /// relay: once the connection holds the client). False when the client's credentials were lost since
        /// <see cref="Authenticate"/> — its device or a token revoked, a token run out —: <see cref="ClientsToDisconnect"/>
        /// does not return such a client, whose connection its engine could not have found, so the engine closes the
        /// connection now, as for a client from <see cref="ClientsToDisconnect"/> (<see cref="AuthenticatedClient.DisconnectReason"/>,
        /// <see cref="AuthenticatedClient.DisconnectNotice"/>). Either this answer or <see cref="ClientsToDisconnect"/>
        /// reports each loss, never both.
        /// </summary>
        public bool ConnectionRegistered(AuthenticatedClient client)
        {
            return _clients.Register(client);
        }

        /// <summary>Whether the refusal <paramref name="decision"/> of a CONNECT (or signed HTTP request) from <paramref name="remoteAddress"/> is
        /// worth a log line: the first of its kind from the address in a minute is — its <see cref="AuthDecision.Outcome"/>,
        /// the kind of credentials it came with (<see cref="AuthDecision.CredentialKind"/>: a pairing device refused after an
        /// anonymous client went unlogged), and whether the answer was slowed by the login throttle —, and the failure that
        /// locks the address out; the rest
        /// are counted (<see cref="ProblemReports"/>). A locked-out address retrying wrote a line per attempt, 106 lines
        /// for 106 attempts. A logged line ends with <see cref="ProblemReports.AddressRefusalNote"/>.
        /// <paramref name="monotonicMs"/>: <see cref="Clock.MonotonicMs"/>.</summary>
        public bool ShouldLogRefusal(AuthDecision decision, string remoteAddress, long monotonicMs)
        {
            string kind = (remoteAddress == null ? "" : remoteAddress) + "|" + (int)decision.Outcome + "|" + decision.CredentialKind
                + (decision.ResponseDelayMs > 0 ? "|slowed" : "");
            return _refusals.ShouldReport(kind, monotonicMs) || decision.LockedOut;
        }

        /// <summary>The connection of <paramref name="client"/> ended. Ignored when a newer connection of the same
        /// client ID took over.</summary>
        public void Disconnected(AuthenticatedClient client)
        {
            if (client != null)
            {
                _clients.Remove(client);
            }
        }

        /// <summary>
        /// The <see cref="AuthenticatedClient"/>s whose connections must be closed now because their device was
        /// revoked or a token they connected with expired or was revoked (<see cref="AuthenticatedClient.DisconnectReason"/>
        /// says which). Each is returned once, and the policy already refuses them everything. Also forgets expired
        /// tokens. <paramref name="nowMs"/> is the wall clock (<see cref="Clock.NowMs"/>), which token expiry is signed in.
        /// </summary>
        public ArrayList ClientsToDisconnect(long nowMs)
        {
            lock (_sync)
            {
                _tokens.PurgeExpired(nowMs);
                return _clients.TakeClientsWithLostCredentials(nowMs);
            }
        }

        /// <summary>The <c>$SYS/tokenExpireNotice</c>s due now (<see cref="TokenNotice.ExpiryNoticeLeadMs"/> before a
        /// connected client's token runs out), each returned once per token.</summary>
        public ArrayList TokenExpiryNotices(long nowMs)
        {
            return _clients.TakeExpiryNotices(nowMs);
        }

        /// <summary>An engine could not send <paramref name="notice"/> from <see cref="TokenExpiryNotices"/> because the
        /// client's connection is accepted here but not yet connected in the routing core: it comes again at the next
        /// call.</summary>
        public void ExpiryNoticeUnsent(TokenNotice notice)
        {
            _clients.ExpiryNoticeUnsent(notice);
        }

        /// <summary>Whether <paramref name="client"/>'s PUBLISH to <paramref name="topic"/> is a token upload for
        /// <see cref="UploadToken"/>: the topic is <see cref="TokenNotice.UploadTopic"/> and the client signed in with
        /// a token. Anyone else's PUBLISH there is routed, and refused like any PUBLISH to a <c>$</c> topic.</summary>
        public bool IsTokenUpload(AuthenticatedClient client, string topic)
        {
            return topic == TokenNotice.UploadTopic && client != null && client.Mode == AuthMode.Token;
        }

        /// <summary>
        /// ApsaraMQ's dynamic token update: <paramref name="client"/> published <c>{"token":"…","type":"R|W|RW"}</c>
        /// to <c>$SYS/uploadToken</c>. The token replaces the one the client holds for that type (RW: both) when it
        /// would be accepted at CONNECT with the client's user name — known, unexpired, unrevoked, issued to the same
        /// access key (the broker has one instance ID, and the key's groups were checked at CONNECT), granting the type
        /// — and covers every parent topic of the token it replaces: the client's subscriptions were granted by those
        /// and are not checked again on delivery, so a narrower token would leave them receiving what it no longer
        /// grants (to narrow a client's rights, it connects again). Otherwise it is refused with the invalid notice
        /// whose code ApsaraMQ gives the reason, and the engine closes the connection; while the wall clock
        /// <paramref name="nowMs"/> is not set, without a notice (<see cref="TimeBoundCredentials"/>).
        /// </summary>
        public TokenUploadResult UploadToken(AuthenticatedClient client, byte[] payload, int offset, int length, long nowMs)
        {
            lock (_sync)
            {
                if (client.DisconnectReason != null)
                {
                    return TokenUploadResult.Refuse("the connection's credentials no longer hold (" + client.DisconnectReason + ")", null);
                }

                TokenUpload upload = TokenUpload.Read(payload, offset, length);
                TokenPassword presented = upload.Presented;
                if (presented == null)
                {
                    return upload.TypeIsBad
                        ? Invalid(client, TokenNotice.CodeTypeMismatch, upload.Type, "the type is not R, W or RW")
                        : Invalid(client, TokenNotice.CodeUnknown, upload.Type, "the payload is not {\"token\":\"…\",\"type\":\"R|W|RW\"}");
                }

                bool read = presented.ReadToken != null;
                bool write = presented.WriteToken != null;
                string type = TokenNotice.TypeOf(read, write);
                TokenRecord token = _tokens.Find(read ? presented.ReadToken : presented.WriteToken);
                int code;
                string problem = TokenCheck.Problem(token, client.AccessKeyId, read, write, nowMs, out code);
                if (problem != null)
                {
                    return Invalid(client, code, type, problem);
                }

                TokenRecord replaced = read && client.ReadToken != null && !token.CoversAllOf(client.ReadToken) ? client.ReadToken
                    : write && client.WriteToken != null && !token.CoversAllOf(client.WriteToken) ? client.WriteToken
                    : null;
                if (replaced != null)
                {
                    return Invalid(client, TokenNotice.CodeResourceMismatch, type,
                        "token " + token.Id + " does not cover every parent topic of token " + replaced.Id + ", which it would replace");
                }

                // Last, as at CONNECT: the checks above judged all but the expiry. No ApsaraMQ code says "try later",
                // and one that says "expired" would send the client for a new token in vain; closed without a notice,
                // it reconnects and is answered "server unavailable" until the clock is set.
                if (!TimeBoundCredentials.CanBeJudgedAt(nowMs))
                {
                    return TokenUploadResult.Refuse("uploaded token " + token.Id + " refused: " + TimeBoundCredentials.ClockNotSetReason, null);
                }

                string was = "R:" + IdOf(client.ReadToken) + " W:" + IdOf(client.WriteToken);
                _clients.ReplaceTokens(client, read ? token : client.ReadToken, write ? token : client.WriteToken);
                return TokenUploadResult.Accept("token " + token.Id + " (" + type + ", until Unix ms " + token.ExpiresAtMs.ToString()
                    + ") replaces " + was);
            }
        }

        static TokenUploadResult Invalid(AuthenticatedClient client, int code, string type, string reason)
        {
            return TokenUploadResult.Refuse("uploaded token refused: " + reason + " (tokenInvalidNotice code " + code.ToString() + ")",
                TokenNotice.Invalid(client, code, type));
        }

        static string IdOf(TokenRecord token)
        {
            return token == null ? "none" : token.Id;
        }

        /// <summary>Issues a token to <paramref name="accessKeyId"/> (an authenticated caller of the token API)
        /// for <paramref name="parentTopics"/>. The token is in the answer once and never stored. Refused while the wall
        /// clock <paramref name="nowMs"/> is not set (<see cref="TimeBoundCredentials"/>).</summary>
        public TokenIssue IssueToken(string accessKeyId, string[] parentTopics, bool canRead, bool canWrite, long expiresAtMs, long nowMs)
        {
            if (_options.FindAccessKey(accessKeyId) == null)
            {
                return TokenIssue.Refused("unknown access key");
            }

            lock (_sync)
            {
                return _tokens.Issue(accessKeyId, parentTopics, canRead, canWrite, expiresAtMs, nowMs);
            }
        }

        /// <summary>Revokes a token; clients using it come out of the next <see cref="ClientsToDisconnect"/>.
        /// False when the token is unknown, expired or already revoked.</summary>
        public bool RevokeToken(string token)
        {
            lock (_sync)
            {
                if (!_tokens.Revoke(token))
                {
                    return false;
                }

                _clients.TokenRevoked();
                return true;
            }
        }

        /// <summary>Opens (or restarts) the pairing window of <paramref name="group"/> for
        /// <paramref name="seconds"/> (0: <see cref="SecurityOptions.PairingWindowSeconds"/>), to pair
        /// <see cref="SecurityOptions.PairingDevicesPerWindow"/> devices. Null when the group
        /// ID cannot be a P2P parent topic, so its devices could not receive their credentials.
        /// <paramref name="nowMs"/>: <see cref="Clock.NowMs"/>, for its dates; <paramref name="monotonicMs"/>:
        /// <see cref="Clock.MonotonicMs"/>, which it is timed on.</summary>
        public PairingWindow OpenPairing(string group, int seconds, long nowMs, long monotonicMs)
        {
            return OpenPairing(group, seconds, 0, nowMs, monotonicMs);
        }

        /// <summary>As <see cref="OpenPairing(string, int, long, long)"/>, to pair <paramref name="devices"/> devices (0:
        /// <see cref="SecurityOptions.PairingDevicesPerWindow"/>).</summary>
        public PairingWindow OpenPairing(string group, int seconds, int devices, long nowMs, long monotonicMs)
        {
            if (!ParentTopic.IsValid(group))
            {
                return null;
            }

            lock (_sync)
            {
                PairingWindow window = _pairing.Open(group, nowMs, monotonicMs, seconds > 0 ? seconds : _options.PairingWindowSeconds);
                window.Devices = devices > 0 ? devices : _options.PairingDevicesPerWindow;
                return window;
            }
        }

        public bool ClosePairing(string group)
        {
            lock (_sync)
            {
                return _pairing.Close(group);
            }
        }

        /// <summary>The <see cref="PairingWindow"/>s open at <paramref name="monotonicMs"/>
        /// (<see cref="Clock.MonotonicMs"/>).</summary>
        public ArrayList OpenPairingWindows(long monotonicMs)
        {
            lock (_sync)
            {
                return _pairing.OpenAt(monotonicMs);
            }
        }

        /// <summary>Every paired device, revoked ones included. Their salt and secret hash are not for output.</summary>
        public ArrayList ListDevices()
        {
            return _devices.LoadDevices();
        }

        public bool RenameDevice(string clientId, string displayName)
        {
            lock (_sync)
            {
                DeviceRecord device = _devices.FindDevice(clientId);
                if (device == null)
                {
                    return false;
                }

                device.DisplayName = displayName;
                _devices.SaveDevice(device);
                return true;
            }
        }

        /// <summary>Refuses the device from now on and marks its live connection for
        /// <see cref="ClientsToDisconnect"/>; the policy refuses it everything at once. False when never paired.</summary>
        public bool RevokeDevice(string clientId)
        {
            lock (_sync)
            {
                DeviceRecord device = _devices.FindDevice(clientId);
                if (device == null)
                {
                    return false;
                }

                device.Revoked = true;
                _devices.SaveDevice(device);
                _clients.RevokeDevice(clientId);
                return true;
            }
        }
    }
}
