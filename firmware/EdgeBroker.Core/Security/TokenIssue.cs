namespace EdgeBroker.Core.Security
{
    /// <summary>The answer to a token request: the token (shown once, never stored) and its record, or why none was
    /// issued.</summary>
    public sealed class TokenIssue
    {
        TokenIssue(string token, TokenRecord record, string error)
        {
            Token = token;
            Record = record;
            Error = error;
        }

        public static TokenIssue Issued(string token, TokenRecord record)
        {
            return new TokenIssue(token, record, null);
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
