using EdgeBroker.Core.Collections;

namespace EdgeBroker.Core.Limits
{
    /// <summary>
    /// At most a given number of events per source address in a fixed time window: new connections (so one machine
    /// cannot tie up the listener with a flood) and log lines about bad input (so a flood of it cannot fill the log).
    /// Memory is bounded by the number of addresses tracked, not by how many a flood brings: when the table is full the
    /// least recently seen address is forgotten. Pure bookkeeping on the time the caller passes in, the interval clock
    /// (<see cref="Clock.MonotonicMs"/>), with no timers, so the device needs no thread for it. Thread-safe: each
    /// engine's accept and connection threads call it.
    /// </summary>
    public sealed class SourceRateLimiter
    {
        readonly object _sync = new object();
        readonly int _maxEventsPerWindow;
        readonly long _windowMs;
        readonly AddressTable _sources;

        /// <param name="maxEventsPerWindow">Events allowed per source in one window; 0 or less allows everything.</param>
        /// <param name="windowMs">Length of the window; a source's count starts again once its window has passed.</param>
        /// <param name="maxTrackedSources">Addresses remembered at once (at least 1).</param>
        public SourceRateLimiter(int maxEventsPerWindow, long windowMs, int maxTrackedSources)
        {
            _maxEventsPerWindow = maxEventsPerWindow;
            _windowMs = windowMs;
            _sources = new AddressTable(maxTrackedSources);
        }

        /// <summary>Addresses tracked now (at most the configured number).</summary>
        public int TrackedSources
        {
            get
            {
                lock (_sync)
                {
                    return _sources.Count;
                }
            }
        }

        /// <summary>Counts one event from <paramref name="source"/> and says whether it is within the limit.</summary>
        public bool Allow(string source, long nowMs)
        {
            if (_maxEventsPerWindow <= 0)
            {
                return true;
            }

            lock (_sync)
            {
                Entry entry = (Entry)_sources.Find(source);
                if (entry == null)
                {
                    entry = new Entry();
                    entry.Address = source;
                    entry.WindowStartMs = nowMs;
                    _sources.Add(entry);
                }

                entry.LastSeenMs = nowMs;
                if (nowMs - entry.WindowStartMs >= _windowMs)
                {
                    entry.WindowStartMs = nowMs;
                    entry.Events = 0;
                }

                if (entry.Events >= _maxEventsPerWindow)
                {
                    return false;
                }

                entry.Events++;
                return true;
            }
        }

        sealed class Entry : AddressEntry
        {
            public long WindowStartMs;
            public int Events;
        }
    }
}
