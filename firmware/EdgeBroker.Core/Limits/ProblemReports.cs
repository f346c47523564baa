using System.Threading;

namespace EdgeBroker.Core.Limits
{
    /// <summary>
    /// Whether a connection's problem (bad input, a flood refused, a handshake or CONNECT that never came) is worth a
    /// log line: the first from a source address in a minute is, the rest are only counted. A flood of malformed
    /// connections from one machine writes one line a minute, not one per connection; the table of addresses is bounded.
    /// The same rule keyed by client ID thins out the refusals of one client's PUBLISHes and SUBSCRIBEs
    /// (<see cref="ClientRefusalNote"/>).
    /// </summary>
    public sealed class ProblemReports
    {
        /// <summary>How long a source stays quiet in the log after a line about it.</summary>
        public const long QuietMs = 60000;

        /// <summary>What a logged refused CONNECT ends with, keyed by its address and kind of refusal
        /// (<see cref="Security.BrokerSecurity.ShouldLogRefusal"/>).</summary>
        public const string AddressRefusalNote = " (further refusals of this kind from this address within a minute are counted, not logged)";

        /// <summary>What a logged refusal of a client's PUBLISH or SUBSCRIBE ends with, keyed by its client ID.</summary>
        public const string ClientRefusalNote = " (this client's further refusals within a minute are counted, not logged)";

        readonly SourceRateLimiter _perSource;
        int _suppressed;

        /// <param name="maxTrackedSources">Addresses remembered at once; when full, the least recently seen is
        /// forgotten (and may then be logged again).</param>
        public ProblemReports(int maxTrackedSources)
        {
            _perSource = new SourceRateLimiter(1, QuietMs, maxTrackedSources);
        }

        /// <summary>Problems not logged so far because their source had been logged within the last minute.</summary>
        public int Suppressed
        {
            get { return _suppressed; }
        }

        /// <summary>True when a problem from <paramref name="source"/> should be logged at <paramref name="nowMs"/> (the
        /// interval clock, <see cref="Clock.MonotonicMs"/>); otherwise it is counted.</summary>
        public bool ShouldReport(string source, long nowMs)
        {
            if (_perSource.Allow(source, nowMs))
            {
                return true;
            }

            Interlocked.Increment(ref _suppressed);
            return false;
        }
    }
}
