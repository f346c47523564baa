namespace EdgeBroker.Core.Text
{
    /// <summary>
    /// JSON string literals for text the broker does not control: client IDs may hold quotes, backslashes and control
    /// characters. Written by hand because nanoFramework 1.x has no JSON serializer in its core libraries.
    /// </summary>
    public static class JsonString
    {
        const string HexDigits = "0123456789abcdef";

        /// <summary><paramref name="value"/> as a quoted JSON string (RFC 8259 §7); null is written as "".
        /// Everything else passes through unchanged, so non-ASCII text stays readable in the UTF-8 payload.</summary>
        public static string Quote(string value)
        {
            if (value == null)
            {
                return "\"\"";
            }

            return "\"" + CharacterEscaping.Apply(value, EscapeOf) + "\"";
        }

        /// <summary>The escape sequence JSON requires for <paramref name="c"/>, or null when it may appear as is.</summary>
        static string EscapeOf(char c)
        {
            switch (c)
            {
                case '"':
                    return "\\\"";
                case '\\':
                    return "\\\\";
                case '\n':
                    return "\\n";
                case '\r':
                    return "\\r";
                case '\t':
                    return "\\t";
                case '\b':
                    return "\\b";
                case '\f':
                    return "\\f";
            }

            if (c < ' ')
            {
                return "\\u00" + HexDigits.Substring(c >> 4, 1) + HexDigits.Substring(c & 0xF, 1);
            }

            return null;
        }
    }
}
