namespace EdgeBroker.Core.Security
{
    /// <summary>
    /// When a broker is open — anyone who reaches it connects without credentials — decided here for both engines from
    /// what their settings say. Engines word the outcome with their own setting names; they decide nothing themselves.
    /// The anonymous-access setting is a tri-state int (nanoFramework 1.x has no nullable types): 1 admit, 0 refuse,
    /// <see cref="NotSet"/> let this rule decide.
    /// </summary>
    public static class OpenBrokerRule
    {
        /// <summary>Anonymous access was not set either way.</summary>
        public const int NotSet = -1;

        /// <summary>
        /// Whether clients without a user name are admitted: as set, or — when not set — only while no credentials are
        /// configured (the engine says which it has: access keys, paired devices, the host's password file), so an
        /// unconfigured broker works out of the box and one that has started to use credentials does not stay open.
        /// </summary>
        public static bool AdmitsAnonymous(int allowAnonymous, bool credentialsConfigured)
        {
            return allowAnonymous == NotSet ? !credentialsConfigured : allowAnonymous == 1;
        }

        /// <summary>
        /// True when the configuration lacks what a broker reachable beyond loopback must have: a way for clients to sign
        /// in (an access key; on the host also a password file), or anonymous access explicitly allowed (knowingly open). Without either, anyone on the network gets in (anonymous
        /// access by default) or nobody but paired devices does — neither is a safe thing to fall into unasked. The host
        /// refuses to start then (an operator at a console adds a key or the allow-anonymous switch); the device, which
        /// must boot to be paired at all, starts and warns.
        /// </summary>
        public static bool NeedsAccessKey(bool loopbackOnly, bool signInConfigured, int allowAnonymous)
        {
            return !loopbackOnly && !signInConfigured && allowAnonymous != 1;
        }
    }
}
