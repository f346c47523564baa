namespace EdgeBroker.Firmware.Storage
{
    /// <summary>
    /// UTF-8 for the strings in log entries, written straight into the entry buffer so that logging a message
    /// allocates nothing (Encoding.GetBytes would allocate an array per string). Lone surrogates, which cannot occur
    /// in an MQTT topic or client ID, are kept as 3-byte sequences so that every string reads back exactly as written.
    /// </summary>
    internal static class Utf8
    {
        public static int ByteCount(string text)
        {
            int count = 0;
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                if (c < 0x80)
                {
                    count += 1;
                }
                else if (c < 0x800)
                {
                    count += 2;
                }
                else if (IsSurrogatePair(text, i))
                {
                    count += 4;
                    i++;
                }
                else
                {
                    count += 3;
                }
            }

            return count;
        }

        /// <summary>Writes <paramref name="text"/> at <paramref name="offset"/> (which has room for
        /// <see cref="ByteCount"/> bytes) and returns the number of bytes written.</summary>
        public static int Encode(string text, byte[] target, int offset)
        {
            int at = offset;
            for (int i = 0; i < text.Length; i++)
            {
                int c = text[i];
                if (c < 0x80)
                {
                    target[at++] = (byte)c;
                }
                else if (c < 0x800)
                {
                    target[at++] = (byte)(0xC0 | (c >> 6));
                    target[at++] = (byte)(0x80 | (c & 0x3F));
                }
                else if (IsSurrogatePair(text, i))
                {
                    int codePoint = 0x10000 + ((c - 0xD800) << 10) + (text[i + 1] - 0xDC00);
                    i++;
                    target[at++] = (byte)(0xF0 | (codePoint >> 18));
                    target[at++] = (byte)(0x80 | ((codePoint >> 12) & 0x3F));
                    target[at++] = (byte)(0x80 | ((codePoint >> 6) & 0x3F));
                    target[at++] = (byte)(0x80 | (codePoint & 0x3F));
                }
                else
                {
                    target[at++] = (byte)(0xE0 | (c >> 12));
                    target[at++] = (byte)(0x80 | ((c >> 6) & 0x3F));
                    target[at++] = (byte)(0x80 | (c & 0x3F));
                }
            }

            return at - offset;
        }

        /// <summary>Decodes bytes written by <see cref="Encode"/> into <paramref name="target"/> (room for
        /// <paramref name="count"/> chars always suffices) and returns the number of chars.</summary>
        public static int Decode(byte[] source, int offset, int count, char[] target)
        {
            int chars = 0;
            int end = offset + count;
            int i = offset;
            while (i < end)
            {
                int lead = source[i];
                int length = SequenceLength(lead);
                if (i + length > end)
                {
                    length = end - i;
                }

                if (length == 1)
                {
                    target[chars++] = (char)lead;
                }
                else if (length == 2)
                {
                    target[chars++] = (char)(((lead & 0x1F) << 6) | (source[i + 1] & 0x3F));
                }
                else if (length == 3)
                {
                    target[chars++] = (char)(((lead & 0x0F) << 12) | ((source[i + 1] & 0x3F) << 6) | (source[i + 2] & 0x3F));
                }
                else
                {
                    int codePoint = ((lead & 0x07) << 18) | ((source[i + 1] & 0x3F) << 12) | ((source[i + 2] & 0x3F) << 6) | (source[i + 3] & 0x3F);
                    codePoint -= 0x10000;
                    target[chars++] = (char)(0xD800 + (codePoint >> 10));
                    target[chars++] = (char)(0xDC00 + (codePoint & 0x3FF));
                }

                i += length;
            }

            return chars;
        }

        /// <summary>How many chars <see cref="Decode"/> would produce, without producing them.</summary>
        public static int CharCount(byte[] source, int offset, int count)
        {
            int chars = 0;
            int end = offset + count;
            for (int i = offset; i < end; i += SequenceLength(source[i]))
            {
                chars += SequenceLength(source[i]) == 4 ? 2 : 1;
            }

            return chars;
        }

        static int SequenceLength(int lead)
        {
            if (lead < 0xC0)
            {
                return 1;
            }

            if (lead < 0xE0)
            {
                return 2;
            }

            return lead < 0xF0 ? 3 : 4;
        }

        static bool IsSurrogatePair(string text, int index)
        {
            char c = text[index];
            return c >= 0xD800 && c <= 0xDBFF && index + 1 < text.Length && text[index + 1] >= 0xDC00 && text[index + 1] <= 0xDFFF;
        }
    }
}
