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
    /// <para>
    /// Until the wall clock is set, <see cref="NowMs"/> reads the interval clock instead: a time below
    /// <see cref="EarliestValidMs"/> is an unset clock's, counted from the boot. Such a time (and a deadline counted from
    /// it) is judged against a set clock only through <see cref="Rebased(long, long)"/> and <see cref="HasPassed"/>, which
    /// move it by the time elapsed since on the interval clock — so a message received before the first SNTP answer keeps
    /// its real age instead of looking 56 years old (docs/architecture.md "Two clocks"). A credential's date (a token's
    /// expiry, a signed request's timestamp) is not judged against an unset clock at all: see
    /// <see cref="Security.TimeBoundCredentials"/>.
    /// </para>
    /// </summary>
    public static class Clock
    {
        const long UnixEpochTicks = 621355968000000000;

        /// <summary>The earliest wall-clock time taken as set, 2025-01-01T00:00:00Z: a clock reading earlier has not
        /// been synchronised yet (an ESP32 starts near 1970 and learns the time from SNTP once it has an address).</summary>
        public const long EarliestValidMs = 1735689600000;

        /// <summary>The wall clock, Unix ms, once it is set; until then the interval clock (an unset clock's time, see
        /// <see cref="Reading"/>).</summary>
        public static long NowMs()
        {
            return Reading(ToUnixMs(DateTime.UtcNow.Ticks), MonotonicMs());
        }

        /// <summary>The interval clock, in ms from an arbitrary start (the boot, on the device and on the PC): only the
        /// difference of two readings means anything. Never stepped, never goes back; 64 bits, so it never wraps.</summary>
        public static long MonotonicMs()
        {
            return Environment.TickCount64;
        }

        /// <summary>What <see cref="NowMs"/> says when the wall clock reads <paramref name="wallMs"/> and the interval
        /// clock <paramref name="monotonicMs"/>: the wall clock once it is set; before, the interval clock (at least 1, as
        /// 0 means "not stamped" to the router), which stays below <see cref="EarliestValidMs"/> for 55 years of uptime and
        /// which <see cref="Rebased(long, long, long)"/> can move onto the wall clock once it is set — an unset wall
        /// clock's own reading cannot be: after a restart an ESP32's may go on from where it was.</summary>
        public static long Reading(long wallMs, long monotonicMs)
        {
            if (IsValid(wallMs))
            {
                return wallMs;
            }

            return monotonicMs < 1 ? 1 : monotonicMs;
        }

        /// <summary>Whether <paramref name="unixMs"/> can be a real time rather than an unset clock's.</summary>
        public static bool IsValid(long unixMs)
        {
            return unixMs >= EarliestValidMs;
        }

        /// <summary><see cref="Rebased(long, long, long)"/> on the interval clock now.</summary>
        public static long Rebased(long timeMs, long nowMs)
        {
            // Read the interval clock only for a time that needs it: every expiry check of a message without one
            // (long.MaxValue) and every stamp taken with the clock set comes here.
            if (IsValid(timeMs) || !IsValid(nowMs))
            {
                return timeMs;
            }

            return Rebased(timeMs, nowMs, MonotonicMs());
        }

        /// <summary>
        /// <paramref name="timeMs"/> — a stamp, or a deadline counted from one — on the clock <paramref name="nowMs"/> was
        /// read from (<paramref name="monotonicMs"/> read with it): as it is when both are set or both unset; a time taken
        /// before the wall clock was set, now that it is, moved by what the wall clock is ahead of the interval clock, so it
        /// lies as long before now as it was taken before on the interval clock. A time taken before a restart with the
        /// clock unset is judged as if taken at the same uptime in this run: never older than it is, so nothing expires
        /// early because of it (it may live longer, by at most that run's uptime and the time the device was off).
        /// </summary>
        public static long Rebased(long timeMs, long nowMs, long monotonicMs)
        {
            if (IsValid(timeMs) || !IsValid(nowMs))
            {
                return timeMs;
            }

            return timeMs + (nowMs - monotonicMs);
        }

        /// <summary>Whether <paramref name="deadlineMs"/> (a message's expiry, a session's end) has come by
        /// <paramref name="nowMs"/>, whichever clock either was taken on (<see cref="Rebased(long, long)"/>).</summary>
        public static bool HasPassed(long deadlineMs, long nowMs)
        {
            return nowMs >= Rebased(deadlineMs, nowMs);
        }

        /// <summary>The Unix ms of the UTC DateTime <paramref name="ticks"/> (nanoFramework 1.x has no
        /// DateTimeOffset).</summary>
        public static long ToUnixMs(long ticks)
        {
            return (ticks - UnixEpochTicks) / TimeSpan.TicksPerMillisecond;
        }
    }
}
