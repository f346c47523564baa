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
    /// keeps <see cref="AuthDecision.Client"/> with the connection, and sends the
    /// <see cref="AuthDecision.PairingMessage"/> (if any) after the CONNACK. A refused CONNECT changes nothing
    /// here, so an existing connection with the same client ID is untouched;</item>
    /// <item>when a connection ends calls <see cref="Disconnected"/> with that client;</item>
    /// <item>about once a second, and right after revoking a device or token, closes the connection of every
    /// client <see cref="ClientsToDisconnect"/> returns.</item>
    /// </list>
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
        public AuthDecision Authenticate(string clientId, string userName, byte[] password, string remoteAddress, long nowMs)
        {
            lock (_sync)
            {
                AuthDecision decision = _authenticator.Authenticate(clientId, userName, password, remoteAddress, nowMs);
                if (decision.IsAccepted)
                {
                    _clients.Add(decision.Client);
                }

                return decision;
            }
        }

        /// <summary>Whether the refusal <paramref name="decision"/> of a CONNECT from <paramref name="remoteAddress"/> is
        /// worth a log line: the first of its kind from the address in a minute is — its <see cref="AuthDecision.Outcome"/>,
        /// the kind of credentials it came with (<see cref="AuthDecision.CredentialKind"/>: a pairing device refused after an
        /// anonymous client went unlogged), and whether the answer was slowed by the login throttle —, and the failure that
        /// locks the address out; the rest
        /// are counted (<see cref="ProblemReports"/>). A locked-out address retrying wrote a line per attempt, 106 lines
        /// for 106 attempts. A logged line ends with <see cref="ProblemReports.AddressRefusalNote"/>.</summary>
        public bool ShouldLogRefusal(AuthDecision decision, string remoteAddress, long nowMs)
        {
            string kind = (remoteAddress == null ? "" : remoteAddress) + "|" + (int)decision.Outcome + "|" + decision.CredentialKind
                + (decision.ResponseDelayMs > 0 ? "|slowed" : "");
            return _refusals.ShouldReport(kind, nowMs) || decision.LockedOut;
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
        /// tokens.
        /// </summary>
        public ArrayList ClientsToDisconnect(long nowMs)
        {
            lock (_sync)
            {
                _tokens.PurgeExpired(nowMs);
                return _clients.TakeClientsWithLostCredentials(nowMs);
            }
        }

        /// <summary>Issues a token to <paramref name="accessKeyId"/> (an authenticated caller of the token API)
        /// for <paramref name="parentTopics"/>. The token is in the answer once and never stored.</summary>
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
        /// ID cannot be a P2P parent topic, so its devices could not receive their credentials.</summary>
        public PairingWindow OpenPairing(string group, int seconds, long nowMs)
        {
            return OpenPairing(group, seconds, 0, nowMs);
        }

        /// <summary>As <see cref="OpenPairing(string, int, long)"/>, to pair <paramref name="devices"/> devices (0:
        /// <see cref="SecurityOptions.PairingDevicesPerWindow"/>).</summary>
        public PairingWindow OpenPairing(string group, int seconds, int devices, long nowMs)
        {
            if (!ParentTopic.IsValid(group))
            {
                return null;
            }

            lock (_sync)
            {
                PairingWindow window = _pairing.Open(group, nowMs, seconds > 0 ? seconds : _options.PairingWindowSeconds);
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

        /// <summary>The <see cref="PairingWindow"/>s open now.</summary>
        public ArrayList OpenPairingWindows(long nowMs)
        {
            lock (_sync)
            {
                return _pairing.OpenAt(nowMs);
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
