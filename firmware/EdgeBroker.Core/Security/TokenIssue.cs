namespace EdgeBroker.Core.Security
{
    /// <summary>The answer to a token request: the token (shown once, never stored) and its entry, or why none was
    /// issued.</summary>
    public sealed class TokenIssue
    {
        TokenIssue(string token, TokenRecord tokenRecord, string error)
        {
            Token = token;
            Record = tokenRecord;
            Error = error;
        }

        public static TokenIssue Issued(string token, TokenRecord tokenRecord)
        {
            return new TokenIssue(token, tokenRecord, null);
        }

        public static TokenIssue Refused(string error)
        {
            return new TokenIssue(null, null, error);
        }

        public bool Succeeded { get { return Token != null; } }

        public string Token { get; private set; }

        public TokenRecord Record { get; private set; }

        /// <summary>Why the request was refused, fit to return to the caller.</summary>
        public string Error { get; private set; }
    }
}
