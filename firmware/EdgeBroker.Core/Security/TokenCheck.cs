namespace EdgeBroker.Core.Security
{
    /// <summary>
    /// Whether a presented token may be used by a client of an access key, for reading, writing or both: the one check
    /// behind a Token-mode CONNECT and a token uploaded on a live connection. Says why not, and with which
    /// <see cref="TokenNotice"/> code ApsaraMQ names the reason.
    /// </summary>
    internal static class TokenCheck
    {
        /// <summary>Why <paramref name="token"/> (null: not known here) may not serve <paramref name="accessKeyId"/>'s
        /// client for <paramref name="read"/>/<paramref name="write"/> at <paramref name="nowMs"/>, or null when it may.
        /// The reason names the token's ID, never the token.</summary>
        public static string Problem(TokenRecord token, string accessKeyId, bool read, bool write, long nowMs, out int noticeCode)
        {
            noticeCode = 0;
            if (token == null)
            {
                noticeCode = TokenNotice.CodeUnknown;
                return "unknown token";
            }

            if (!token.IsValidAt(nowMs))
            {
                noticeCode = token.Revoked ? TokenNotice.CodeRevoked : TokenNotice.CodeExpired;
                return "token " + token.Id + (token.Revoked ? " revoked" : " expired");
            }

            if (token.AccessKeyId != accessKeyId)
            {
                noticeCode = TokenNotice.CodeOtherAccount;
                return "token " + token.Id + " was issued to another access key";
            }

            if ((read && !token.CanRead) || (write && !token.CanWrite))
            {
                noticeCode = TokenNotice.CodeTypeMismatch;
                return "token " + token.Id + " does not grant " + (read && !token.CanRead ? "R" : "W");
            }

            return null;
        }
    }
}
