namespace EdgeBroker.Core.Presence
{
    /// <summary>Unix time in milliseconds, the <c>time</c> of presence events. Computed from DateTime ticks because
    /// nanoFramework 1.x has no DateTimeOffset.</summary>
    public static class UnixTime
    {
        /// <summary>DateTime ticks of 1970-01-01T00:00:00Z.</summary>
        public const long EpochTicks = 621355968000000000;

        public static long Milliseconds(long utcTicks)
        {
            return (utcTicks - EpochTicks) / System.TimeSpan.TicksPerMillisecond;
        }

        public static long NowMilliseconds()
        {
            return Milliseconds(System.DateTime.UtcNow.Ticks);
        }
    }
}
