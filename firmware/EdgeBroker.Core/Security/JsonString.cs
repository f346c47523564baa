namespace EdgeBroker.Core.Security
{
    /// <summary>Escapes text for the inside of a JSON string (RFC 8259 §7): quote, backslash and control
    /// characters; everything else is written as it is.</summary>
    public static class JsonString
    {
        const string HexDigits = "0123456789abcdef";

        public static string Escape(string text)
        {
            if (!NeedsEscaping(text))
            {
                return text;
            }

            string escaped = "";
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                if (c == '"' || c == '\\')
                {
                    escaped += "\\" + c;
                }
                else if (c < 0x20)
                {
                    escaped += "\\u00" + HexDigits[c >> 4] + HexDigits[c & 0x0F];
                }
                else
                {
                    escaped += c;
                }
            }

            return escaped;
        }

        static bool NeedsEscaping(string text)
        {
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                if (c == '"' || c == '\\' || c < 0x20)
                {
                    return true;
                }
            }

            return false;
        }
    }
}
