namespace EdgeBroker.Core.Text
{
    /// <summary>
    /// UTF-8 encoding of the text the broker writes into payloads. The core references only mscorlib and
    /// System.Collections on the device, and System.Text.Encoding lives in another nanoFramework package; these few
    /// lines spare the device that dependency. Produces the same bytes as .NET's Encoding.UTF8, including U+FFFD for
    /// an unpaired surrogate.
    /// </summary>
    public static class Utf8
    {
        const int ReplacementCharacter = 0xFFFD;

        public static byte[] GetBytes(string text)
        {
            byte[] bytes = new byte[Encode(text, null)];
            Encode(text, bytes);
            return bytes;
        }

        /// <summary>Writes <paramref name="text"/> into <paramref name="into"/> (when not null, so the same walk
        /// also measures) and returns the number of bytes.</summary>
        static int Encode(string text, byte[] into)
        {
            int at = 0;
            for (int i = 0; i < text.Length; i++)
            {
                int codePoint = CodePointAt(text, i);
                if (codePoint > 0xFFFF)
                {
                    i++;
                }

                at = into == null ? at + SequenceLength(codePoint) : Write(codePoint, into, at);
            }

            return at;
        }

        static int SequenceLength(int codePoint)
        {
            return codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
        }

        /// <summary>The code point starting at <paramref name="i"/>: a surrogate pair counts as one (above U+FFFF),
        /// an unpaired surrogate as U+FFFD.</summary>
        static int CodePointAt(string text, int i)
        {
            int c = text[i];
            if (c < 0xD800 || c > 0xDFFF)
            {
                return c;
            }

            if (c <= 0xDBFF && i + 1 < text.Length)
            {
                int low = text[i + 1];
                if (low >= 0xDC00 && low <= 0xDFFF)
                {
                    return 0x10000 + ((c - 0xD800) << 10) + (low - 0xDC00);
                }
            }

            return ReplacementCharacter;
        }

        static int Write(int codePoint, byte[] bytes, int at)
        {
            if (codePoint < 0x80)
            {
                bytes[at] = (byte)codePoint;
                return at + 1;
            }

            if (codePoint < 0x800)
            {
                bytes[at] = (byte)(0xC0 | (codePoint >> 6));
                bytes[at + 1] = (byte)(0x80 | (codePoint & 0x3F));
                return at + 2;
            }

            if (codePoint < 0x10000)
            {
                bytes[at] = (byte)(0xE0 | (codePoint >> 12));
                bytes[at + 1] = (byte)(0x80 | ((codePoint >> 6) & 0x3F));
                bytes[at + 2] = (byte)(0x80 | (codePoint & 0x3F));
                return at + 3;
            }

            bytes[at] = (byte)(0xF0 | (codePoint >> 18));
            bytes[at + 1] = (byte)(0x80 | ((codePoint >> 12) & 0x3F));
            bytes[at + 2] = (byte)(0x80 | ((codePoint >> 6) & 0x3F));
            bytes[at + 3] = (byte)(0x80 | (codePoint & 0x3F));
            return at + 4;
        }
    }
}
