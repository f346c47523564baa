namespace EdgeBroker.Core.Diagnostics
{
    /// <summary>
    /// Which of one kind of per-message drop engines log (a PUBLISH dropped for a receiver's full offline quota, one
    /// refused by a full uplink queue): the first, then every 1,000th — the rule the uplink's drop-oldest follows — each
    /// line ending with how many came since the previous line and in all (<see cref="Tally"/>). A client that floods an
    /// away receiver then writes a line per 1,000 messages, not one per message, to the log (on the device, the serial
    /// console or flash), and no drop goes unsaid. One instance per kind of drop, shared by every connection, so its
    /// memory does not grow with the clients. The counters (<c>$SYS</c>, <c>/metrics</c>) count every drop apart from
    /// this. Allocation-free until a line is due. Thread-safe.
    /// </summary>
    public sealed class DropReports
    {
        /// <summary>Every how many drops one is logged, after the first.</summary>
        public const long Interval = 1000;

        readonly object _sync = new object();
        long _dropped;

        /// <summary>Counts one drop; true when it is to be logged, with <paramref name="droppedInAll"/> (this drop
        /// included) for the line's <see cref="Tally"/>.</summary>
        public bool ShouldReport(out long droppedInAll)
        {
            lock (_sync)
            {
                _dropped++;
                droppedInAll = _dropped;
            }

            return IsReported(droppedInAll);
        }

        /// <summary>Whether the drop that made <paramref name="droppedInAll"/> is logged: the first or a 1,000th.</summary>
        public static bool IsReported(long droppedInAll)
        {
            return droppedInAll == 1 || droppedInAll % Interval == 0;
        }

        /// <summary>What a logged drop's line ends with: that later ones are thinned out, or how many there were since
        /// the previous line and in all.</summary>
        public static string Tally(long droppedInAll)
        {
            if (droppedInAll == 1)
            {
                return " (the first; from now on every " + Interval + "th is logged)";
            }

            // The previous line was the first drop's or the last 1,000th's.
            long sinceLastLine = droppedInAll - (droppedInAll == Interval ? 1 : droppedInAll - Interval);
            return " (" + sinceLastLine + " more since the last line, " + droppedInAll + " in all)";
        }
    }
}
