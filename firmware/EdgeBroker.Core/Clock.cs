using System;

namespace EdgeBroker.Core
{
    /// <summary>
    /// The broker's two clocks. <see cref="NowMs"/> is the wall clock in Unix milliseconds: the time of what a peer or a
    /// store sees — presence events, when a message was received (its expiry), a token's expiry, a session's end, stored
    /// entries. <see cref="MonotonicMs"/> is the interval clock: how long since something happened — windows, backoffs,
    /// grace periods, rate windows, log thinning. They differ on the device: an ESP32's wall clock starts near 1970 and
    /// SNTP steps it by about 56 years when it first learns the time (possibly long after start-up), and an operator may
    /// step a PC's; an interval measured on the wall clock across such a step ends at once or lasts decades.
    /// </summary>
    public static class Clock
    {
        const long UnixEpochTicks = 621355968000000000;

        /// <summary>The earliest wall-clock time taken as set, 2025-01-01T00:00:00Z: a clock reading earlier has not
        /// been synchronised yet (an ESP32 starts near 1970 and learns the time from SNTP once it has an address).</summary>
        public const long EarliestValidMs = 1735689600000;

        /// <summary>The wall clock, Unix ms.</summary>
        public static long NowMs()
        {
            return ToUnixMs(DateTime.UtcNow.Ticks);
        }

        /// <summary>The interval clock, in ms from an arbitrary start (the boot, on the device and on the PC): only the
        /// difference of two readings means anything. Never stepped, never goes back; 64 bits, so it never wraps.</summary>
        public static long MonotonicMs()
        {
            return Environment.TickCount64;
        }

        /// <summary>Whether <paramref name="unixMs"/> can be a real time rather than an unset clock's.</summary>
        public static bool IsValid(long unixMs)
        {
            return unixMs >= EarliestValidMs;
        }

        /// <summary>The Unix ms of the UTC DateTime <paramref name="ticks"/> (nanoFramework 1.x has no
        /// DateTimeOffset).</summary>
        public static long ToUnixMs(long ticks)
        {
            return (ticks - UnixEpochTicks) / TimeSpan.TicksPerMillisecond;
        }
    }
}
