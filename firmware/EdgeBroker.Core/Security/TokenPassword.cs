using EdgeBroker.Core.Text;

namespace EdgeBroker.Core.Security
{
    /// <summary>
    /// The password of token mode: <c>type|token</c> pairs joined by <c>|</c>, type <c>R</c> (subscribe), <c>W</c>
    /// (publish) or <c>RW</c> (both), each at most once: <c>R|t1|W|t2</c>, <c>RW|t</c>, <c>W|t</c>. Tokens are
    /// printable ASCII without <c>|</c>.
    /// </summary>
    public sealed class TokenPassword
    {
        TokenPassword(string readToken, string writeToken)
        {
            ReadToken = readToken;
            WriteToken = writeToken;
        }

        /// <summary>The token presented for subscribing, or null.</summary>
        public string ReadToken { get; private set; }

        /// <summary>The token presented for publishing, or null.</summary>
        public string WriteToken { get; private set; }

        /// <summary>The parsed password, or null when it does not have the form above.</summary>
        public static TokenPassword Parse(byte[] password)
        {
            if (password == null || password.Length == 0)
            {
                return null;
            }

            string readToken = null;
            string writeToken = null;
            int at = 0;
            while (at < password.Length)
            {
                int typeEnd = FieldEnd(password, at);
                int tokenStart = typeEnd + 1;
                int tokenEnd = tokenStart < password.Length ? FieldEnd(password, tokenStart) : -1;
                if (typeEnd < 0 || tokenEnd <= tokenStart)
                {
                    return null;
                }

                bool read;
                bool write;
                if (!ParseType(password, at, typeEnd - at, out read, out write)
                    || (read && readToken != null) || (write && writeToken != null))
                {
                    return null;
                }

                string token = Ascii(password, tokenStart, tokenEnd - tokenStart);
                if (read)
                {
                    readToken = token;
                }

                if (write)
                {
                    writeToken = token;
                }

                at = tokenEnd + 1;
                if (tokenEnd == password.Length - 1 && password[tokenEnd] == (byte)'|')
                {
                    return null;
                }
            }

            return new TokenPassword(readToken, writeToken);
        }

        /// <summary>The token a client uploads on a live connection (<c>$SYS/uploadToken</c>: a type and a token
        /// instead of a password), read by the same rules as a password of one pair; null when it breaks them.</summary>
        public static TokenPassword FromUpload(string type, string token)
        {
            // A '|' in either would make the one pair several.
            if (type == null || token == null || type.IndexOf('|') >= 0 || token.IndexOf('|') >= 0)
            {
                return null;
            }

            return Parse(Utf8.GetBytes(type + "|" + token));
        }

        /// <summary>Index of the <c>|</c> or the end that closes the field starting at <paramref name="start"/>;
        /// -1 on a byte that is not printable ASCII.</summary>
        static int FieldEnd(byte[] bytes, int start)
        {
            for (int i = start; i < bytes.Length; i++)
            {
                byte b = bytes[i];
                if (b == (byte)'|')
                {
                    return i;
                }

                if (b < 0x21 || b > 0x7E)
                {
                    return -1;
                }
            }

            return bytes.Length;
        }

        static bool ParseType(byte[] bytes, int start, int length, out bool read, out bool write)
        {
            read = length >= 1 && bytes[start] == (byte)'R';
            write = (length == 1 && bytes[start] == (byte)'W') || (length == 2 && read && bytes[start + 1] == (byte)'W');
            return (length == 1 && (read || write)) || (length == 2 && read && write);
        }

        static string Ascii(byte[] bytes, int start, int length)
        {
            char[] chars = new char[length];
            for (int i = 0; i < length; i++)
            {
                chars[i] = (char)bytes[start + i];
            }

            return new string(chars);
        }
    }
}
