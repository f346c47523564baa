namespace EdgeBroker.Core.Security
{
    /// <summary>What the authenticator decided about a CONNECT. <see cref="ConnackCodes"/> turns it into the
    /// CONNACK code of each protocol version.</summary>
    public enum AuthOutcome
    {
        Accepted,

        /// <summary>Unknown user, wrong password, signature or token: 3.1.1 0x04, 5.0 0x86.</summary>
        BadCredentials,

        /// <summary>Credentials are not at fault but the client may not connect (anonymous, revoked, wrong group,
        /// no pairing window): 3.1.1 0x05, 5.0 0x87.</summary>
        NotAuthorized,

        /// <summary>Too many failed attempts from the client's address: 3.1.1 0x05, 5.0 0x9F.</summary>
        Throttled,

        /// <summary>The client ID is longer than the broker keeps (<see cref="SecurityOptions.MaxClientIdLength"/>):
        /// 3.1.1 0x02, 5.0 0x85.</summary>
        ClientIdNotValid,

        /// <summary>The credentials carry a date (Token mode) and the wall clock is not set yet, so they cannot be judged
        /// (<see cref="TimeBoundCredentials"/>): 3.1.1 0x03, 5.0 0x88, server unavailable — the client may try again,
        /// and is accepted once the clock is set.</summary>
        ClockNotSet,
    }
}
