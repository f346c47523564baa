namespace EdgeBroker.Core.Diagnostics
{
    /// <summary>
    /// Which of one kind of per-message drop engines log (a PUBLISH dropped for a receiver's full offline quota, one
    /// refused by a full uplink queue, a message from upstream skipped): the first, then at most one a minute while they
    /// go on — the rule <see cref="Limits.ProblemReports"/> applies to a connection's problems — each line ending with
    /// how many came since the previous line and in all. A flood then writes a line a minute, not one per message (every
    /// 1,000th wrote 150 lines a second under a flood of 150,000 drops a second; on the device the log is the serial
    /// console or flash), and no drop goes unsaid. One instance per kind of drop, shared by every connection, so its
    /// memory does not grow with the clients. The counters (<c>$SYS</c>, <c>/metrics</c>) count every drop apart from
    /// this. Allocation-free until a line is due. Thread-safe.
    /// </summary>
    public sealed class DropReports
    {
        /// <summary>How long a kind of drop stays quiet in the log after a line about it.</summary>
        public const long QuietMs = Limits.ProblemReports.QuietMs;

        readonly object _sync = new object();
        long _dropped;
        long _atLastLine;
        long _lastLineMs;
        bool _logged;

        /// <summary>Counts one drop; true when it is to be logged, with what the line ends with.</summary>
        public bool ShouldReport(out string tally)
        {
            long droppedInAll;
            lock (_sync)
            {
                _dropped++;
                droppedInAll = _dropped;
            }

            return ShouldReport(droppedInAll, Clock.MonotonicMs(), out tally);
        }

        /// <summary>For drops counted elsewhere (a queue's own counter): whether the drop that made
        /// <paramref name="droppedInAll"/> is to be logged, with what the line ends with.</summary>
        public bool ShouldReport(long droppedInAll, out string tally)
        {
            return ShouldReport(droppedInAll, Clock.MonotonicMs(), out tally);
        }

        /// <summary><see cref="ShouldReport(long, out string)"/> at <paramref name="nowMs"/>, on the interval clock
        /// (<see cref="Clock.MonotonicMs"/>: the wall clock's first SNTP step on the device would silence the log for
        /// decades had it been stepped back, or say nothing when stepped forward).</summary>
        public bool ShouldReport(long droppedInAll, long nowMs, out string tally)
        {
            lock (_sync)
            {
                if (_logged && nowMs - _lastLineMs < QuietMs)
                {
                    tally = null;
                    return false;
                }

                tally = _logged
                    ? " (" + (droppedInAll - _atLastLine) + " more since the last line, " + droppedInAll + " in all)"
                    : " (the first; further ones are logged at most once a minute, with their count)";
                _logged = true;
                _atLastLine = droppedInAll;
                _lastLineMs = nowMs;
                return true;
            }
        }
    }
}
