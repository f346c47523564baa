using System;

namespace EdgeBroker.Core
{
    /// <summary>Wall-clock time in Unix milliseconds, the unit of presence events, message expiry and stored entries.</summary>
    public static class Clock
    {
        const long UnixEpochTicks = 621355968000000000;

        /// <summary>The earliest wall-clock time taken as set, 2025-01-01T00:00:00Z: a clock reading earlier has not
        /// been synchronised yet (an ESP32 starts near 1970 and learns the time from SNTP once it has an address).</summary>
        public const long EarliestValidMs = 1735689600000;

        public static long NowMs()
        {
            return ToUnixMs(DateTime.UtcNow.Ticks);
        }

        /// <summary>Whether <paramref name="unixMs"/> can be a real time rather than an unset clock's.</summary>
        public static bool IsValid(long unixMs)
        {
            return unixMs >= EarliestValidMs;
        }

        public static long ToUnixMs(long ticks)
        {
            return (ticks - UnixEpochTicks) / (TimeSpan.TicksPerSecond / 1000);
        }
    }
}
