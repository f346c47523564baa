namespace EdgeBroker.Core.Text
{
    /// <summary>
    /// What a client chose — its client ID, the fields of its user name, the topics and filters it sent — as log lines
    /// show it, in both engines. MQTT allows strings of 65,535 bytes: longer text is shown as its start and its length
    /// (a flood of refused 60,000-character topics wrote 60 KB a line, 1.2 MB of log a second from one address). And
    /// a client's text may hold terminal control sequences (ESC [ 31 m …) that an operator's <c>tail -f</c> would run,
    /// or line breaks that forge a log line of its own: control characters, line and paragraph separators and bidi
    /// overrides are shown escaped (<c>\x1B</c>, <c>\u202E</c>). The backslash is not: so escaping what was escaped
    /// already changes nothing, and a message that quotes client text shown here can be escaped as a whole
    /// (<see cref="Escaped"/>) without showing <c>\\x1B</c>.
    /// </summary>
    public static class ClientTextForLog
    {
        /// <summary>Text up to this long is shown whole: every ID the default limit accepts, and most topics.</summary>
        const int ShownWhole = Security.SecurityOptions.DefaultMaxClientIdLength;

        const int ShownStart = 64;

        const string HexDigits = "0123456789ABCDEF";

        /// <summary><paramref name="text"/>, cut when long and escaped (null stays null).</summary>
        public static string Of(string text)
        {
            if (text == null || text.Length <= ShownWhole)
            {
                return Escaped(text);
            }

            // Not between the two halves of a surrogate pair, which would leave half a character.
            int start = IsHighSurrogate(text[ShownStart - 1]) ? ShownStart - 1 : ShownStart;
            return Escaped(text.Substring(0, start)) + "... (" + text.Length + " characters)";
        }

        /// <summary><paramref name="text"/> escaped, not cut: for a message that quotes client text already cut with
        /// <see cref="Of"/> (an authentication refusal's reason), so nothing in it can reach a terminal raw.</summary>
        public static string Escaped(string text)
        {
            return text == null ? null : CharacterEscaping.Apply(text, EscapeOf);
        }

        static string EscapeOf(char c)
        {
            if (c < 0x20 || (c >= 0x7F && c <= 0x9F))
            {
                // C0 controls (ESC, CR, LF, BEL …), DEL and the C1 controls (0x9B is a one-byte CSI to some terminals).
                return new string(new char[] { '\\', 'x', HexDigits[c >> 4], HexDigits[c & 0xF] });
            }

            if (c == '\u2028' || c == '\u2029' || (c >= '\u202A' && c <= '\u202E') || (c >= '\u2066' && c <= '\u2069'))
            {
                // Line and paragraph separators, and the bidi controls that make a line read other than it is.
                return new string(new char[] { '\\', 'u', HexDigits[c >> 12], HexDigits[(c >> 8) & 0xF], HexDigits[(c >> 4) & 0xF], HexDigits[c & 0xF] });
            }

            return null;
        }

        static bool IsHighSurrogate(char c)
        {
            return c >= '\uD800' && c <= '\uDBFF';
        }
    }
}
