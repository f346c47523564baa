namespace EdgeBroker.Core.Text
{
    /// <summary>
    /// The broker's one UTF-8: MQTT strings on the wire (the relay's codec, the emulator's uplink client), payloads the
    /// broker writes (presence events, pairing messages, uplink status), the bytes a signature or hash covers, and the
    /// strings of the flash log. Written by hand rather than taken from System.Text.Encoding: nanoFramework ships that in
    /// a package of its own and its decoder is not .NET's, and a signature must cover the same bytes on the device and
    /// on the PC. Nothing here allocates except <see cref="GetBytes"/>' result.
    /// <para>The replacement rule, stated once: encoding writes an unpaired surrogate as U+FFFD (EF BF BD), as .NET's
    /// <c>Encoding.UTF8</c> does, so the encoded bytes are always well-formed. Decoding replaces nothing: bytes that are
    /// not well-formed UTF-8 are refused (-1), never guessed at.</para>
    /// </summary>
    public static class Utf8
    {
        /// <summary>What an unpaired surrogate is encoded as.</summary>
        public const int ReplacementCharacter = 0xFFFD;

        /// <summary>Bytes <paramref name="text"/> takes in UTF-8.</summary>
        public static int EncodedLength(string text)
        {
            int length = 0;
            for (int i = 0; i < text.Length; i++)
            {
                int codePoint = CodePointAt(text, i);
                if (codePoint > 0xFFFF)
                {
                    i++;
                }

                length += codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
            }

            return length;
        }

        /// <summary>Writes <paramref name="text"/> at <paramref name="offset"/> (room for <see cref="EncodedLength"/>
        /// bytes) and returns the number of bytes written.</summary>
        public static int Encode(string text, byte[] into, int offset)
        {
            int at = offset;
            for (int i = 0; i < text.Length; i++)
            {
                int codePoint = CodePointAt(text, i);
                if (codePoint < 0x80)
                {
                    into[at++] = (byte)codePoint;
                }
                else if (codePoint < 0x800)
                {
                    into[at++] = (byte)(0xC0 | (codePoint >> 6));
                    into[at++] = (byte)(0x80 | (codePoint & 0x3F));
                }
                else if (codePoint < 0x10000)
                {
                    into[at++] = (byte)(0xE0 | (codePoint >> 12));
                    into[at++] = (byte)(0x80 | ((codePoint >> 6) & 0x3F));
                    into[at++] = (byte)(0x80 | (codePoint & 0x3F));
                }
                else
                {
                    i++;
                    into[at++] = (byte)(0xF0 | (codePoint >> 18));
                    into[at++] = (byte)(0x80 | ((codePoint >> 12) & 0x3F));
                    into[at++] = (byte)(0x80 | ((codePoint >> 6) & 0x3F));
                    into[at++] = (byte)(0x80 | (codePoint & 0x3F));
                }
            }

            return at - offset;
        }

        /// <summary><paramref name="text"/> in UTF-8, in an array of its own.</summary>
        public static byte[] GetBytes(string text)
        {
            byte[] bytes = new byte[EncodedLength(text)];
            Encode(text, bytes, 0);
            return bytes;
        }

        /// <summary>
        /// Decodes <paramref name="length"/> bytes into <paramref name="chars"/> (which must hold at least
        /// <paramref name="length"/> chars: UTF-8 never needs more UTF-16 units than bytes) and returns how many chars it
        /// wrote, or -1 when the bytes are not well-formed UTF-8: no overlong forms, no encoded surrogates, nothing above
        /// U+10FFFF, no sequence cut short.
        /// </summary>
        public static int Decode(byte[] bytes, int offset, int length, char[] chars)
        {
            return Decode(bytes, offset, length, chars, false);
        }

        /// <summary>As <see cref="Decode(byte[], int, int, char[])"/>, for an MQTT UTF-8 string (MQTT 3.1.1 §1.5.3,
        /// MQTT 5 §1.5.4): well-formed ([MQTT-1.5.3-1]) and without U+0000 ([MQTT-1.5.3-2]); -1 otherwise.</summary>
        public static int DecodeMqtt(byte[] bytes, int offset, int length, char[] chars)
        {
            return Decode(bytes, offset, length, chars, true);
        }

        /// <summary>Whether <paramref name="length"/> bytes at <paramref name="offset"/> are an MQTT UTF-8 string as
        /// <see cref="DecodeMqtt"/> accepts it (well-formed, no U+0000), without decoding them: for an engine that checks a
        /// field before another decoder (MQTTnet's, which turns bad bytes into U+FFFD) reads it.</summary>
        public static bool IsValidMqtt(byte[] bytes, int offset, int length)
        {
            return Decode(bytes, offset, length, null, true) >= 0;
        }

        /// <summary>How many chars <see cref="Decode(byte[], int, int, char[])"/> makes of well-formed bytes, without
        /// making them.</summary>
        public static int CharCount(byte[] bytes, int offset, int length)
        {
            int chars = 0;
            int end = offset + length;
            for (int i = offset; i < end; i++)
            {
                int b = bytes[i];
                if ((b & 0xC0) != 0x80)
                {
                    // Each sequence has one lead byte; a four-byte one makes a surrogate pair.
                    chars += b >= 0xF0 ? 2 : 1;
                }
            }

            return chars;
        }

        /// <summary>The one decoder: with <paramref name="chars"/> null it only checks (and counts).</summary>
        static int Decode(byte[] bytes, int offset, int length, char[] chars, bool refuseNul)
        {
            int end = offset + length;
            int written = 0;
            int i = offset;
            while (i < end)
            {
                int b = bytes[i];
                if (b < 0x80)
                {
                    if (b == 0 && refuseNul)
                    {
                        return -1;
                    }

                    if (chars != null)
                    {
                        chars[written] = (char)b;
                    }

                    written++;
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

                if (chars == null)
                {
                    written += codePoint >= 0x10000 ? 2 : 1;
                }
                else if (codePoint >= 0x10000)
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

        /// <summary>The code point starting at <paramref name="i"/>: a surrogate pair counts as one (above U+FFFF),
        /// an unpaired surrogate as <see cref="ReplacementCharacter"/>.</summary>
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
    }
}
