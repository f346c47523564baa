namespace EdgeBroker.Firmware.Relay.Codec
{
    /// <summary>
    /// UTF-8 as MQTT 3.1.1 §1.5.3 wants it, done by hand so the device and the PC decide alike (nanoFramework's
    /// decoder is not .NET's) and so nothing is allocated beyond the resulting string: well-formed only — no overlong
    /// forms, no encoded surrogates, nothing above U+10FFFF ([MQTT-1.5.3-1]) — and no U+0000 ([MQTT-1.5.3-2]).
    /// </summary>
    public static class MqttUtf8
    {
        /// <summary>
        /// Decodes <paramref name="length"/> bytes into <paramref name="chars"/> (which must hold at least
        /// <paramref name="length"/> chars: UTF-8 never needs more UTF-16 units than bytes) and returns how many chars it
        /// wrote, or -1 when the bytes are not an MQTT UTF-8 string.
        /// </summary>
        public static int Decode(byte[] bytes, int offset, int length, char[] chars)
        {
            int end = offset + length;
            int written = 0;
            int i = offset;
            while (i < end)
            {
                int b = bytes[i];
                if (b < 0x80)
                {
                    if (b == 0)
                    {
                        return -1;
                    }

                    chars[written++] = (char)b;
                    i++;
                    continue;
                }

                int needed;
                int codePoint;
                int minimum;
                if ((b & 0xE0) == 0xC0)
                {
                    needed = 1;
                    codePoint = b & 0x1F;
                    minimum = 0x80;
                }
                else if ((b & 0xF0) == 0xE0)
                {
                    needed = 2;
                    codePoint = b & 0x0F;
                    minimum = 0x800;
                }
                else if ((b & 0xF8) == 0xF0)
                {
                    needed = 3;
                    codePoint = b & 0x07;
                    minimum = 0x10000;
                }
                else
                {
                    return -1;
                }

                if (i + needed >= end)
                {
                    return -1;
                }

                for (int k = 1; k <= needed; k++)
                {
                    int continuation = bytes[i + k];
                    if ((continuation & 0xC0) != 0x80)
                    {
                        return -1;
                    }

                    codePoint = (codePoint << 6) | (continuation & 0x3F);
                }

                if (codePoint < minimum || codePoint > 0x10FFFF || (codePoint >= 0xD800 && codePoint <= 0xDFFF))
                {
                    return -1;
                }

                if (codePoint >= 0x10000)
                {
                    codePoint -= 0x10000;
                    chars[written++] = (char)(0xD800 + (codePoint >> 10));
                    chars[written++] = (char)(0xDC00 + (codePoint & 0x3FF));
                }
                else
                {
                    chars[written++] = (char)codePoint;
                }

                i += needed + 1;
            }

            return written;
        }

        /// <summary>Bytes <paramref name="value"/> takes in UTF-8 (an unpaired surrogate counts as U+FFFD, 3 bytes).</summary>
        public static int EncodedLength(string value)
        {
            int length = 0;
            int count = value.Length;
            for (int i = 0; i < count; i++)
            {
                char c = value[i];
                if (c < 0x80)
                {
                    length += 1;
                }
                else if (c < 0x800)
                {
                    length += 2;
                }
                else if (IsHighSurrogate(c) && i + 1 < count && IsLowSurrogate(value[i + 1]))
                {
                    length += 4;
                    i++;
                }
                else
                {
                    length += 3;
                }
            }

            return length;
        }

        /// <summary>Writes <paramref name="value"/> as UTF-8 at <paramref name="offset"/>; returns the bytes written.</summary>
        public static int Encode(string value, byte[] buffer, int offset)
        {
            int start = offset;
            int count = value.Length;
            for (int i = 0; i < count; i++)
            {
                int c = value[i];
                if (c < 0x80)
                {
                    buffer[offset++] = (byte)c;
                    continue;
                }

                if (c < 0x800)
                {
                    buffer[offset++] = (byte)(0xC0 | (c >> 6));
                    buffer[offset++] = (byte)(0x80 | (c & 0x3F));
                    continue;
                }

                if (IsHighSurrogate((char)c) && i + 1 < count && IsLowSurrogate(value[i + 1]))
                {
                    int codePoint = 0x10000 + ((c - 0xD800) << 10) + (value[i + 1] - 0xDC00);
                    i++;
                    buffer[offset++] = (byte)(0xF0 | (codePoint >> 18));
                    buffer[offset++] = (byte)(0x80 | ((codePoint >> 12) & 0x3F));
                    buffer[offset++] = (byte)(0x80 | ((codePoint >> 6) & 0x3F));
                    buffer[offset++] = (byte)(0x80 | (codePoint & 0x3F));
                    continue;
                }

                if (c >= 0xD800 && c <= 0xDFFF)
                {
                    c = 0xFFFD;
                }

                buffer[offset++] = (byte)(0xE0 | (c >> 12));
                buffer[offset++] = (byte)(0x80 | ((c >> 6) & 0x3F));
                buffer[offset++] = (byte)(0x80 | (c & 0x3F));
            }

            return offset - start;
        }

        static bool IsHighSurrogate(char c)
        {
            return c >= 0xD800 && c <= 0xDBFF;
        }

        static bool IsLowSurrogate(char c)
        {
            return c >= 0xDC00 && c <= 0xDFFF;
        }
    }
}
