using EdgeBroker.Core.Collections;

namespace EdgeBroker.Core.Uplink
{
    /// <summary>
    /// Which of an uplink's state changes engines log, and at what level. An upstream that keeps refusing (a wrong
    /// password, a port nobody listens on) would otherwise write two lines per attempt for as long as it lasts — about one
    /// a minute at the back-off's cap, forever. So: a failure is logged (a warning) the first time it happens at an
    /// address, then again only if it changes or every <see cref="RepeatIntervalMs"/> while it lasts, saying how often it
    /// happened meanwhile; a retry's "connecting" is not logged (the failure's line said when the next attempt comes);
    /// every other change is (information), the connection once it is back saying how many attempts failed before it.
    /// The retained status on <c>$SYS/uplink/{name}/state</c> and the counters change on every attempt as before.
    /// One instance per uplink; thread-safe (a lost connection is reported from the reader while the uplink's loop runs).
    /// </summary>
    public sealed class UplinkStateReports
    {
        public const int NotLogged = 0;
        public const int Information = 1;
        public const int Warning = 2;

        /// <summary>How often a failure that keeps repeating unchanged is logged again.</summary>
        public const long RepeatIntervalMs = 10 * 60 * 1000;

        /// <summary>Per address: the last failure logged there (<see cref="LoggedFailure"/>); as many entries as the
        /// uplink has addresses. Made at the first failure and let go once connected: a connected uplink on the device
        /// carries none of it.</summary>
        StringMap _failures;
        readonly object _sync = new object();
        int _failedAttempts;

        /// <summary>The level to log <paramref name="status"/> at (<see cref="NotLogged"/>, <see cref="Information"/> or
        /// <see cref="Warning"/>), and what the line ends with (<paramref name="note"/>, empty when nothing).
        /// <paramref name="nowMs"/> is the interval clock (<see cref="Clock.MonotonicMs"/>).</summary>
        public int Judge(UplinkStatus status, long nowMs, out string note)
        {
            lock (_sync)
            {
                return JudgeLocked(status, nowMs, out note);
            }
        }

        int JudgeLocked(UplinkStatus status, long nowMs, out string note)
        {
            note = "";
            if (status.State == UplinkState.BackingOff)
            {
                _failedAttempts++;
                return JudgeFailure(status.Address, status.LastError, nowMs, out note);
            }

            if (status.State == UplinkState.Connecting)
            {
                return status.Failures == 0 ? Information : NotLogged;
            }

            if (status.State == UplinkState.Connected)
            {
                if (_failedAttempts > 0)
                {
                    note = " after " + _failedAttempts + " failed attempt(s)";
                }

                _failedAttempts = 0;
                _failures = null;
            }

            return Information;
        }

        int JudgeFailure(string address, string error, long nowMs, out string note)
        {
            note = "";
            string key = address == null ? "" : address;
            if (_failures == null)
            {
                _failures = new StringMap(4);
            }

            LoggedFailure logged = (LoggedFailure)_failures.Get(key);
            if (logged != null && logged.Error == error)
            {
                logged.RepeatsSinceLine++;
                if (nowMs - logged.LoggedAtMs < RepeatIntervalMs)
                {
                    return NotLogged;
                }

                note = " (the same failure " + logged.RepeatsSinceLine + " time(s) since it was last logged)";
                logged.RepeatsSinceLine = 0;
                logged.LoggedAtMs = nowMs;
                return Warning;
            }

            _failures.Set(key, new LoggedFailure(error, nowMs));
            note = "; unchanged repeats are logged every " + (RepeatIntervalMs / 60000) + " min";
            return Warning;
        }

        sealed class LoggedFailure
        {
            public LoggedFailure(string error, long loggedAtMs)
            {
                Error = error;
                LoggedAtMs = loggedAtMs;
            }

            public string Error;
            public long LoggedAtMs;
            public int RepeatsSinceLine;
        }
    }
}
