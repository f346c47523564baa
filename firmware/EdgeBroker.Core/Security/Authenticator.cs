using System.Collections;
using EdgeBroker.Core.Text;
using EdgeBroker.Core.Topics;

namespace EdgeBroker.Core.Security
{
    /// <summary>
    /// Decides one CONNECT from its client ID, user name, password and remote address. Reasons name the mode, the
    /// access key, token IDs, device or group — never a password, secret or token. Only bad credentials count
    /// towards the address's throttle: a revoked device or a closed pairing window retrying is no guessing.
    /// Not thread-safe: <see cref="BrokerSecurity"/> serialises calls.
    /// </summary>
    public sealed class Authenticator
    {
        readonly SecurityOptions _options;
        readonly LoginThrottle _throttle;
        readonly TokenRegistry _tokens;
        readonly IDeviceStore _devices;
        readonly PairingWindows _pairing;
        readonly SecretGenerator _secrets;
        readonly ConnectedClients _connected;
        IKnownClients _knownClients;

        public Authenticator(SecurityOptions options, LoginThrottle throttle, TokenRegistry tokens, IDeviceStore devices,
            PairingWindows pairing, SecretGenerator secrets, ConnectedClients connected)
        {
            _connected = connected;
            _options = options;
            _throttle = throttle;
            _tokens = tokens;
            _devices = devices;
            _pairing = pairing;
            _secrets = secrets;
        }

        /// <summary>The routing core, asked whether a client ID is in use before it is paired
        /// (<see cref="BrokerSecurity.KnownClients"/>).</summary>
        public IKnownClients KnownClients
        {
            set { _knownClients = value; }
        }

        /// <param name="nowMs">The wall clock (<see cref="Clock.NowMs"/>): token expiry (a Token-mode CONNECT is refused
        /// while it is not set: <see cref="TimeBoundCredentials"/>), when a device was paired.</param>
        /// <param name="monotonicMs">The interval clock (<see cref="Clock.MonotonicMs"/>): the login throttle, the pairing
        /// window.</param>
        public AuthDecision Authenticate(string clientId, string userName, byte[] password, string remoteAddress, long nowMs, long monotonicMs)
        {
            if (remoteAddress == null)
            {
                // An engine that cannot tell the address still gets a (shared) throttle rather than an exception.
                remoteAddress = "";
            }

            if (clientId.Length > _options.MaxClientIdLength)
            {
                // Not a guess at credentials: it does not count towards the throttle.
                return AuthDecision.Refuse(AuthOutcome.ClientIdNotValid, "the client ID is " + clientId.Length
                    + " characters long; at most " + _options.MaxClientIdLength + " are accepted (" + SecurityOptions.MaxClientIdLengthSetting + ")");
            }

            AuthDecision lockedOut = LockedOut(remoteAddress, monotonicMs);
            if (lockedOut != null)
            {
                return lockedOut;
            }

            int delay = _throttle.DelayMs(remoteAddress, monotonicMs);
            AuthDecision decision = Decide(clientId, userName, password, nowMs, monotonicMs);
            if (decision.IsAccepted && !decision.Client.ProvesClientId && IsHeldWithBoundCredentials(clientId))
            {
                decision = AuthDecision.Refuse(AuthOutcome.NotAuthorized,
                    "the client ID's session, connected or away, was taken with credentials bound to it (Signature or Device), which only such credentials may take over");
            }
            CountFailure(decision, remoteAddress, monotonicMs);

            decision.CredentialKind = CredentialKindOf(userName);
            if (decision.Client != null && userName != null && userName.Length > 0)
            {
                decision.Client.UserName = userName;
            }

            decision.ResponseDelayMs = delay;
            return decision;
        }

        /// <summary>
        /// Decides a request to the host's HTTP API signed with access key <paramref name="accessKeyId"/> (as the request
        /// names it), whose signature the engine checked — the string to sign is the engine's —, under the throttle
        /// CONNECTs from <paramref name="remoteAddress"/> are under: a locked-out address is refused whatever it signed,
        /// an unknown key or a wrong signature counts as a failed login, and from the address's third failure on the
        /// answer is slowed, right signature or not. So guesses at a secret over HTTP and over MQTT add up, and one
        /// policy answers both. Accepted, the decision has no <see cref="AuthDecision.Client"/>: a request holds no
        /// connection.
        /// </summary>
        public AuthDecision AuthenticateSignedRequest(string accessKeyId, bool keyKnown, bool signatureMatches, string remoteAddress, long monotonicMs)
        {
            if (remoteAddress == null)
            {
                remoteAddress = "";
            }

            AuthDecision decision = LockedOut(remoteAddress, monotonicMs);
            if (decision == null)
            {
                int delay = _throttle.DelayMs(remoteAddress, monotonicMs);
                decision = !keyKnown ? Bad("unknown access key " + ClientTextForLog.Of(accessKeyId))
                    : !signatureMatches ? Bad("signature of access key " + accessKeyId + " does not match")
                    : AuthDecision.Accept(null, "access key " + accessKeyId);
                CountFailure(decision, remoteAddress, monotonicMs);
                decision.ResponseDelayMs = delay;
            }

            decision.CredentialKind = AuthDecision.SignedRequestKind;
            return decision;
        }

        /// <summary>The refusal of everything from <paramref name="remoteAddress"/> while the throttle locks it out, or
        /// null.</summary>
        AuthDecision LockedOut(string remoteAddress, long monotonicMs)
        {
            long lockedUntil = _throttle.LockedUntilMs(remoteAddress, monotonicMs);
            if (lockedUntil <= 0)
            {
                return null;
            }

            AuthDecision refused = AuthDecision.Refuse(AuthOutcome.Throttled,
                "too many failed logins from this address; refused for another " + SecondsUntil(lockedUntil, monotonicMs) + " s");
            refused.LockedForMs = lockedUntil - monotonicMs;
            return refused;
        }

        /// <summary>Counts bad credentials towards the address's throttle, and says so in the reason when this failure
        /// locks the address out.</summary>
        void CountFailure(AuthDecision decision, string remoteAddress, long monotonicMs)
        {
            if (decision.Outcome == AuthOutcome.BadCredentials && _throttle.RecordFailure(remoteAddress, monotonicMs))
            {
                decision.Reason = decision.Reason + "; too many failed logins: address locked out for "
                    + SecondsUntil(_throttle.LockedUntilMs(remoteAddress, monotonicMs), monotonicMs) + " s";
                decision.LockedOut = true;
            }
        }

        /// <summary>See <see cref="AuthDecision.CredentialKind"/>: one of seven, whatever the user name holds.</summary>
        static string CredentialKindOf(string userName)
        {
            if (userName == null || userName.Length == 0)
            {
                return "anonymous";
            }

            int bar = userName.IndexOf('|');
            string mode = bar < 0 ? null : userName.Substring(0, bar);
            return mode == CredentialUserName.SignatureMode || mode == CredentialUserName.TokenMode
                || mode == CredentialUserName.DeviceMode || mode == CredentialUserName.PairMode ? mode : "password";
        }

        AuthDecision Decide(string clientId, string userName, byte[] password, long nowMs, long monotonicMs)
        {
            if (userName == null || userName.Length == 0)
            {
                return Anonymous(clientId);
            }

            CredentialUserName parsed = CredentialUserName.Parse(userName);
            if (parsed == null && _options.PasswordFile != null)
            {
                return Password(clientId, userName, password);
            }

            if (parsed == null)
            {
                return Bad("user name is not Signature|key|instance, Token|key|instance, Device|clientId or Pair|group");
            }

            if (parsed.Mode == CredentialUserName.SignatureMode)
            {
                return Signature(clientId, parsed, password);
            }

            if (parsed.Mode == CredentialUserName.TokenMode)
            {
                return Token(clientId, parsed, password, nowMs);
            }

            if (parsed.Mode == CredentialUserName.DeviceMode)
            {
                return Device(clientId, parsed.First, password);
            }

            return Pair(clientId, parsed.First, nowMs, monotonicMs);
        }

        /// <summary>Where allowed, anyone may connect without credentials, but not as a paired device: that would
        /// take over the device's session and receive its P2P messages.</summary>
        AuthDecision Anonymous(string clientId)
        {
            if (!_options.AllowAnonymous)
            {
                return AuthDecision.Refuse(AuthOutcome.NotAuthorized, "anonymous access is not allowed");
            }

            return IsPairedDevice(clientId) ? PairedDeviceRefusal() : Accept(clientId, ClientIdentity.GroupOf(clientId), AuthMode.Anonymous, "anonymous");
        }

        /// <summary>A user of the password file; like an anonymous client, never as a paired device.</summary>
        AuthDecision Password(string clientId, string userName, byte[] password)
        {
            if (!_options.PasswordFile.Verify(userName, password))
            {
                return Bad("user name and password are not in the password file");
            }

            return IsPairedDevice(clientId)
                ? PairedDeviceRefusal()
                : Accept(clientId, ClientIdentity.GroupOf(clientId), AuthMode.Password, "password file user " + userName);
        }

        /// <summary>Whether <paramref name="clientId"/> is connected now, or kept away, for a client whose credentials
        /// proved the ID: a client that chose the ID freely may not take that session over (its kept messages, its P2P
        /// messages, its group's rights). The live connection is asked first: the core learns of it a moment later.</summary>
        bool IsHeldWithBoundCredentials(string clientId)
        {
            AuthenticatedClient live = _connected.Find(clientId);
            if (live != null && live.ProvesClientId)
            {
                return true;
            }

            return _knownClients != null && _knownClients.IsHeldWithProvenId(clientId);
        }

        bool IsPairedDevice(string clientId)
        {
            DeviceRecord device = _devices.FindDevice(clientId);
            return device != null && !device.Revoked;
        }

        static AuthDecision PairedDeviceRefusal()
        {
            return AuthDecision.Refuse(AuthOutcome.NotAuthorized, "the client ID belongs to a paired device, which must use its credentials");
        }

        AuthDecision Signature(string clientId, CredentialUserName userName, byte[] password)
        {
            AccessKey key = _options.FindAccessKey(userName.First);
            AuthDecision refused = CheckAccessKey(key, userName);
            if (refused != null)
            {
                return refused;
            }

            if (!ApsaraSignature.Verify(key.Secret, clientId, password))
            {
                return Bad("signature of access key " + key.Id + " does not match");
            }

            return AcceptForKey(clientId, key, AuthMode.Signature, "access key " + key.Id);
        }

        AuthDecision Token(string clientId, CredentialUserName userName, byte[] password, long nowMs)
        {
            AccessKey key = _options.FindAccessKey(userName.First);
            AuthDecision refused = CheckAccessKey(key, userName);
            if (refused != null)
            {
                return refused;
            }

            TokenPassword presented = TokenPassword.Parse(password);
            if (presented == null)
            {
                return Bad("password is not a token list (R|token|W|token or RW|token)");
            }

            TokenRecord read = null;
            TokenRecord write = null;
            if (presented.ReadToken != null)
            {
                read = _tokens.Find(presented.ReadToken);
                refused = CheckToken(read, key, true, nowMs);
                if (refused != null)
                {
                    return refused;
                }
            }

            if (presented.WriteToken != null)
            {
                write = _tokens.Find(presented.WriteToken);
                refused = CheckToken(write, key, false, nowMs);
                if (refused != null)
                {
                    return refused;
                }
            }

            string tokens = "tokens" + (read != null ? " R:" + read.Id : "") + (write != null ? " W:" + write.Id : "");
            AuthDecision decision = AcceptForKey(clientId, key, AuthMode.Token, "access key " + key.Id + ", " + tokens);
            if (decision.Client == null)
            {
                return decision;
            }

            // Last, so whatever is wrong without a clock — key, instance, group, an unknown, revoked or mismatched
            // token — is told (and throttled) as ever: against the uptime every token's expiry lies ahead, so the checks
            // above judged all but that. Not a guess at credentials: it does not count towards the throttle.
            if (!TimeBoundCredentials.CanBeJudgedAt(nowMs))
            {
                return AuthDecision.Refuse(AuthOutcome.ClockNotSet, "Token mode, " + tokens + ": " + TimeBoundCredentials.ClockNotSetReason);
            }

            decision.Client.AccessKeyId = key.Id;
            decision.Client.ReadToken = read;
            decision.Client.WriteToken = write;
            return decision;
        }

        AuthDecision Device(string clientId, string deviceClientId, byte[] password)
        {
            if (deviceClientId != clientId)
            {
                return Bad("device user name names another client ID");
            }

            DeviceRecord device = _devices.FindDevice(clientId);
            if (device == null)
            {
                return Bad("unknown device");
            }

            if (!SecretHasher.Verify(device.Salt, device.SecretHash, password))
            {
                return Bad("wrong device secret");
            }

            if (device.Revoked)
            {
                return AuthDecision.Refuse(AuthOutcome.NotAuthorized, "device revoked");
            }

            return Accept(clientId, device.Group, AuthMode.Device, "paired device");
        }

        /// <summary>Admits a new device of <paramref name="group"/> once per open window, as many as the window was opened
        /// for and within the broker's bounds on paired devices (<see cref="SecurityOptions.MaxPairedDevices"/>, the
        /// store's share), stores its entry (hash only) and hands the engine the message carrying its secret.</summary>
        AuthDecision Pair(string clientId, string group, long nowMs, long monotonicMs)
        {
            PairingWindow window = _pairing.Find(group, monotonicMs);
            if (window == null)
            {
                return AuthDecision.Refuse(AuthOutcome.NotAuthorized, "no pairing window is open for group " + ClientTextForLog.Of(group));
            }

            // No '/', '+' or '#': the credentials go to the device at {group}/p2p/{clientId}, a topic name.
            int deviceStart = group.Length + ClientIdentity.Separator.Length;
            if (ClientIdentity.GroupOf(clientId) != group || clientId.Length <= deviceStart || clientId.IndexOf('/') >= 0
                || clientId.IndexOf('+') >= 0 || clientId.IndexOf('#') >= 0)
            {
                return AuthDecision.Refuse(AuthOutcome.NotAuthorized,
                    "pairing client ID must be " + group + ClientIdentity.Separator + "{deviceId}, without '/', '+' or '#'");
            }

            if (window.HasAdmitted(clientId))
            {
                return AuthDecision.Refuse(AuthOutcome.NotAuthorized, "already paired in this pairing window");
            }

            DeviceRecord existing = _devices.FindDevice(clientId);
            if (existing != null && !existing.Revoked)
            {
                return AuthDecision.Refuse(AuthOutcome.NotAuthorized, "already paired; revoke the device to pair it again");
            }

            // A revoked device paired again may take up its own session; any other ID in use belongs to someone.
            if (existing == null && _knownClients != null && _knownClients.HasSession(clientId))
            {
                return AuthDecision.Refuse(AuthOutcome.NotAuthorized, "the client ID is in use (a connected client or a kept session); pairing is for new devices");
            }

            // The bounds come last: a refusal names what is wrong with this very ID first.
            if (window.HasPairedAll)
            {
                return AuthDecision.Refuse(AuthOutcome.NotAuthorized, "the pairing window of group " + group + " has paired the "
                    + window.Devices + " device(s) it was opened for; open it again to pair more");
            }

            if (PairedDeviceCount() >= _options.MaxPairedDevices)
            {
                return AuthDecision.Refuse(AuthOutcome.NotAuthorized, _options.MaxPairedDevices + " devices are paired, the most this broker keeps ("
                    + SecurityOptions.MaxPairedDevicesSetting + "); revoke one to pair another");
            }

            string secret = _secrets.NewSecret();
            byte[] salt = _secrets.NewSalt();
            string displayName = existing != null
                ? existing.DisplayName
                : clientId.Substring(deviceStart, clientId.Length - deviceStart);
            DeviceRecord device = new DeviceRecord(clientId, group, displayName, salt, SecretHasher.Hash(salt, Utf8.GetBytes(secret)), false, nowMs);
            if (!_devices.HasRoomForDevice(device))
            {
                return AuthDecision.Refuse(AuthOutcome.NotAuthorized, "the store's share for paired devices is full");
            }

            _devices.SaveDevice(device);
            window.Admit(clientId);

            AuthenticatedClient client = new AuthenticatedClient(clientId, AuthMode.Pairing, "pairing window of group " + group, null);
            return AuthDecision.AcceptForPairing(client, "pairing window of group " + group + ": paired, credentials sent",
                PairingMessage.For(group, clientId, secret));
        }

        /// <summary>Paired devices that are not revoked: a revoked one signs in no more, and pairing it again replaces its
        /// entry.</summary>
        int PairedDeviceCount()
        {
            ArrayList devices = _devices.LoadDevices();
            int paired = 0;
            for (int i = 0; i < devices.Count; i++)
            {
                if (!((DeviceRecord)devices[i]).Revoked)
                {
                    paired++;
                }
            }

            return paired;
        }

        AuthDecision CheckAccessKey(AccessKey key, CredentialUserName userName)
        {
            if (key == null)
            {
                return Bad("unknown access key " + ClientTextForLog.Of(userName.First));
            }

            if (_options.InstanceId != null && _options.InstanceId != userName.Second)
            {
                return Bad("instance ID " + ClientTextForLog.Of(userName.Second) + " is not this broker's");
            }

            return null;
        }

        static AuthDecision CheckToken(TokenRecord token, AccessKey key, bool forRead, long nowMs)
        {
            int noticeCode;
            string problem = TokenCheck.Problem(token, key.Id, forRead, !forRead, nowMs, out noticeCode);
            return problem == null ? null : Bad(problem);
        }

        AuthDecision AcceptForKey(string clientId, AccessKey key, AuthMode mode, string credentialId)
        {
            string group = ClientIdentity.GroupOf(clientId);
            if (!key.Serves(group))
            {
                return AuthDecision.Refuse(AuthOutcome.NotAuthorized, "access key " + key.Id + " may not serve group " + group);
            }

            AuthDecision accepted = Accept(clientId, group, mode, credentialId);
            accepted.Client.AccessKey = key;
            return accepted;
        }

        AuthDecision Accept(string clientId, string group, AuthMode mode, string credentialId)
        {
            AccessRule rule = _options.RuleFor(clientId, group);
            return AuthDecision.Accept(new AuthenticatedClient(clientId, mode, credentialId, rule), credentialId);
        }

        static AuthDecision Bad(string reason)
        {
            return AuthDecision.Refuse(AuthOutcome.BadCredentials, reason);
        }

        static long SecondsUntil(long untilMs, long nowMs)
        {
            return (untilMs - nowMs + 999) / 1000;
        }
    }
}
