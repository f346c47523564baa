namespace EdgeBroker.Core.Security
{
    /// <summary>
    /// What became of a token a Token-mode client published to <c>$SYS/uploadToken</c>
    /// (<see cref="BrokerSecurity.UploadToken"/>). Accepted: the connection holds the new token from now on, and the
    /// engine acknowledges the PUBLISH. Refused: the engine sends <see cref="Notice"/> (when there is one), refuses the
    /// PUBLISH (MQTT 5: PUBACK/PUBREC 0x87; MQTT 3.1.1 has no negative acknowledgement) and then closes the
    /// connection, as ApsaraMQ closes it after an invalid notice (MQTT 5: DISCONNECT 0x87 with <see cref="Reason"/>).
    /// </summary>
    public sealed class TokenUploadResult
    {
        TokenUploadResult(bool accepted, string reason, TokenNotice notice)
        {
            Accepted = accepted;
            Reason = reason;
            Notice = notice;
        }

        internal static TokenUploadResult Accept(string reason)
        {
            return new TokenUploadResult(true, reason, null);
        }

        internal static TokenUploadResult Refuse(string reason, TokenNotice notice)
        {
            return new TokenUploadResult(false, reason, notice);
        }

        public bool Accepted { get; private set; }

        /// <summary>For the log: which token (its ID, never the token) replaced which, or why it was refused.</summary>
        public string Reason { get; private set; }

        /// <summary>The <c>$SYS/tokenInvalidNotice</c> to send the client before its connection closes; null when
        /// accepted, or when the connection was closing already.</summary>
        public TokenNotice Notice { get; private set; }
    }
}
