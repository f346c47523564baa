namespace EdgeBroker.Core.Security
{
    /// <summary>
    /// What <see cref="BrokerSecurity.Authenticate"/> decided about one CONNECT (or
    /// <see cref="BrokerSecurity.AuthenticateSignedRequest"/> about one signed HTTP request), and what the engine does with it:
    /// wait <see cref="ResponseDelayMs"/>, answer with <see cref="Mqtt311ReturnCode"/> / <see cref="Mqtt5ReasonCode"/>,
    /// log <see cref="Reason"/> with the client ID and address, and on acceptance keep <see cref="Client"/> and send
    /// <see cref="PairingMessage"/> after the CONNACK when there is one.
    /// </summary>
    public sealed class AuthDecision
    {
        AuthDecision(AuthOutcome outcome, string reason, AuthenticatedClient client, PairingMessage pairingMessage)
        {
            Outcome = outcome;
            Reason = reason;
            Client = client;
            PairingMessage = pairingMessage;
        }

        internal static AuthDecision Accept(AuthenticatedClient client, string reason)
        {
            return new AuthDecision(AuthOutcome.Accepted, reason, client, null);
        }

        internal static AuthDecision AcceptForPairing(AuthenticatedClient client, string reason, PairingMessage message)
        {
            return new AuthDecision(AuthOutcome.Accepted, reason, client, message);
        }

        internal static AuthDecision Refuse(AuthOutcome outcome, string reason)
        {
            return new AuthDecision(outcome, reason, null, null);
        }

        public AuthOutcome Outcome { get; private set; }

        public bool IsAccepted { get { return Outcome == AuthOutcome.Accepted; } }

        /// <summary>For the log: names the mode, access key, token IDs or device, never a secret or password.</summary>
        public string Reason { get; internal set; }

        /// <summary>The accepted client; null when refused, and for a signed HTTP request.</summary>
        public AuthenticatedClient Client { get; private set; }

        /// <summary>How long to wait before answering, so an address that keeps failing is slowed down.</summary>
        public int ResponseDelayMs { get; internal set; }

        /// <summary>What a logged refusal adds when it was slowed (<see cref="ResponseDelayMs"/>), so an operator reading
        /// the line knows the client waited; empty when it was not.</summary>
        public string SlowedNote
        {
            get { return ResponseDelayMs > 0 ? "; answered after " + ResponseDelayMs + " ms (repeated failures from this address)" : string.Empty; }
        }

        /// <summary>The kind of request a signed HTTP request is (<see cref="CredentialKind"/>).</summary>
        public const string SignedRequestKind = "HTTP";

        /// <summary>What kind of credentials the CONNECT came with — <c>anonymous</c>, <c>password</c> (a password-file user
        /// name, or one of no known form), or the user name's mode (<c>Signature</c>, <c>Token</c>, <c>Device</c>,
        /// <c>Pair</c>) —, or <see cref="SignedRequestKind"/> for a signed HTTP request, so refusals of different kinds
        /// from one address are each logged
        /// (<see cref="BrokerSecurity.ShouldLogRefusal"/>). Never the user name itself.</summary>
        public string CredentialKind { get; internal set; }

        /// <summary>This failure locked the address out (the login throttle's limit was reached): always worth a log
        /// line, however many refusals from the address came before it.</summary>
        public bool LockedOut { get; internal set; }

        /// <summary>For <see cref="AuthOutcome.Throttled"/>: how long the address's lockout still lasts (an HTTP answer's
        /// Retry-After); 0 otherwise.</summary>
        public long LockedForMs { get; internal set; }

        /// <summary>A freshly paired device's credentials, to deliver to it (QoS 1) right after the CONNACK; null
        /// otherwise. The only time the secret exists outside the device: do not log the payload.</summary>
        public PairingMessage PairingMessage { get; private set; }

        public int Mqtt311ReturnCode { get { return ConnackCodes.ForMqtt311(Outcome); } }

        public int Mqtt5ReasonCode { get { return ConnackCodes.ForMqtt5(Outcome); } }
    }
}
