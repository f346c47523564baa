using System;

namespace EdgeBroker.Core
{
    /// <summary>Wall-clock time in Unix milliseconds, the unit of presence events, message expiry and stored entries.</summary>
    public static class Clock
    {
        const long UnixEpochTicks = 621355968000000000;

        public static long NowMs()
        {
            return ToUnixMs(DateTime.UtcNow.Ticks);
        }

        public static long ToUnixMs(long ticks)
        {
            return (ticks - UnixEpochTicks) / (TimeSpan.TicksPerSecond / 1000);
        }
    }
}
