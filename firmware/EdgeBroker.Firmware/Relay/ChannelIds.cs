using System;
using System.Threading;

namespace EdgeBroker.Firmware.Relay
{
    /// <summary>
    /// Identifiers of 32 hex characters for connections (presence events name them) and for clients that connect with
    /// an empty client ID: the start time of this run and a counter, so they are unique within a run and, through the
    /// clock, across restarts. A connection keeps only its counter value and formats its ID when asked, which spares
    /// every connected client a 32-character string.
    /// </summary>
    public static class ChannelIds
    {
        const string HexDigits = "0123456789abcdef";
        static readonly long StartTicks = DateTime.UtcNow.Ticks;
        static int s_counter;

        /// <summary>A fresh identifier.</summary>
        public static string Next()
        {
            return Format(NextNumber());
        }

        /// <summary>A fresh counter value, to be formatted by <see cref="Format"/> when the identifier is needed.</summary>
        public static long NextNumber()
        {
            return Interlocked.Increment(ref s_counter);
        }

        public static string Format(long number)
        {
            char[] chars = new char[32];
            WriteHex(chars, 0, StartTicks);
            WriteHex(chars, 16, number);
            return new string(chars);
        }

        static void WriteHex(char[] chars, int offset, long value)
        {
            for (int i = 15; i >= 0; i--)
            {
                chars[offset + i] = HexDigits[(int)(value & 0xF)];
                value >>= 4;
            }
        }
    }
}
