namespace EdgeBroker.Core.Security
{
    /// <summary>
    /// What a Token-mode client holds: its access key, its read and write tokens, which of them had their expire notice,
    /// and the invalid notice to send before its connection closes. Kept apart from <see cref="AuthenticatedClient"/>
    /// and made only for Token clients, so every other client — all of them on the device, which issues no tokens —
    /// pays one reference for it instead of six.
    /// </summary>
    internal sealed class HeldTokens
    {
        public string AccessKeyId;
        public TokenRecord Read;
        public TokenRecord Write;

        /// <summary>The tokens of the read and write slot whose expire notice was taken: a notice goes once per token,
        /// and a token uploaded in its place gets its own.</summary>
        public TokenRecord ReadExpiryNoticed;
        public TokenRecord WriteExpiryNoticed;

        public TokenNotice DisconnectNotice;
    }
}
