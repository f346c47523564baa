namespace EdgeBroker.Core.Security
{
    /// <summary>
    /// UTF-8 encoding of strings signed or hashed here (client IDs, secrets). Written out rather than taken from
    /// System.Text.Encoding so the bytes a signature covers are the same on both engines by construction; an
    /// unpaired surrogate becomes U+FFFD, as .NET's encoder does.
    /// </summary>
    public static class Utf8
    {
        const char Replacement = '\uFFFD';

        public static byte[] GetBytes(string text)
        {
            byte[] bytes = new byte[ByteCount(text)];
            int at = 0;
            for (int i = 0; i < text.Length; i++)
            {
                int codePoint = CodePointAt(text, i);
                if (codePoint > 0xFFFF)
                {
                    i++;
                }

                if (codePoint < 0x80)
                {
                    bytes[at++] = (byte)codePoint;
                }
                else if (codePoint < 0x800)
                {
                    bytes[at++] = (byte)(0xC0 | (codePoint >> 6));
                    bytes[at++] = (byte)(0x80 | (codePoint & 0x3F));
                }
                else if (codePoint < 0x10000)
                {
                    bytes[at++] = (byte)(0xE0 | (codePoint >> 12));
                    bytes[at++] = (byte)(0x80 | ((codePoint >> 6) & 0x3F));
                    bytes[at++] = (byte)(0x80 | (codePoint & 0x3F));
                }
                else
                {
                    bytes[at++] = (byte)(0xF0 | (codePoint >> 18));
                    bytes[at++] = (byte)(0x80 | ((codePoint >> 12) & 0x3F));
                    bytes[at++] = (byte)(0x80 | ((codePoint >> 6) & 0x3F));
                    bytes[at++] = (byte)(0x80 | (codePoint & 0x3F));
                }
            }

            return bytes;
        }

        static int ByteCount(string text)
        {
            int count = 0;
            for (int i = 0; i < text.Length; i++)
            {
                int codePoint = CodePointAt(text, i);
                if (codePoint > 0xFFFF)
                {
                    i++;
                    count += 4;
                }
                else
                {
                    count += codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : 3;
                }
            }

            return count;
        }

        /// <summary>The code point starting at <paramref name="index"/>: a surrogate pair as one code point above
        /// U+FFFF, an unpaired surrogate as U+FFFD.</summary>
        static int CodePointAt(string text, int index)
        {
            char c = text[index];
            if (c >= 0xD800 && c <= 0xDBFF && index + 1 < text.Length && text[index + 1] >= 0xDC00 && text[index + 1] <= 0xDFFF)
            {
                return 0x10000 + ((c - 0xD800) << 10) + (text[index + 1] - 0xDC00);
            }

            return c >= 0xD800 && c <= 0xDFFF ? Replacement : c;
        }
    }
}
