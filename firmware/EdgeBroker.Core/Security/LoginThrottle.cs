using EdgeBroker.Core.Collections;

namespace EdgeBroker.Core.Security
{
    /// <summary>
    /// Slows and then refuses addresses that keep failing to log in. Pure bookkeeping on the time the caller passes
    /// in, the interval clock (<see cref="Clock.MonotonicMs"/>: a wall clock stepped by SNTP would end a lockout at
    /// once): no timers, so the device needs no thread for it and tests need no waiting. Only bad credentials count as
    /// failures; a success does not clear the count, so one valid login cannot reset an attacker's budget from the
    /// same address. Not thread-safe: <see cref="BrokerSecurity"/> serialises calls.
    /// </summary>
    public sealed class LoginThrottle
    {
        readonly LoginThrottleOptions _options;
        readonly AddressTable _addresses;

        public LoginThrottle(LoginThrottleOptions options)
        {
            _options = options;
            _addresses = new AddressTable(options.MaxTrackedAddresses);
        }

        /// <summary>Addresses tracked now (bounded by <see cref="LoginThrottleOptions.MaxTrackedAddresses"/>).</summary>
        public int TrackedAddresses { get { return _addresses.Count; } }

        /// <summary>Until when (interval clock) <paramref name="address"/> is refused, or 0 when it is not locked out.</summary>
        public long LockedUntilMs(string address, long nowMs)
        {
            Entry entry = (Entry)_addresses.Find(address);
            return entry != null && entry.LockedUntilMs > nowMs ? entry.LockedUntilMs : 0;
        }

        /// <summary>How long the engine should wait before answering <paramref name="address"/>'s CONNECT.</summary>
        public int DelayMs(string address, long nowMs)
        {
            Entry entry = (Entry)_addresses.Find(address);
            if (entry == null || _options.FailuresBeforeDelay <= 0)
            {
                return 0;
            }

            Refresh(entry, nowMs);
            return entry.Failures >= _options.FailuresBeforeDelay ? _options.DelayMs : 0;
        }

        /// <summary>Counts a failed login; returns true when this failure locked the address out.</summary>
        public bool RecordFailure(string address, long nowMs)
        {
            Entry entry = (Entry)_addresses.Find(address);
            if (entry == null)
            {
                entry = Track(address, nowMs);
            }

            Refresh(entry, nowMs);
            entry.LastSeenMs = nowMs;
            entry.Failures++;
            if (_options.FailuresBeforeLockout > 0 && entry.Failures >= _options.FailuresBeforeLockout && entry.LockedUntilMs <= nowMs)
            {
                entry.LockedUntilMs = nowMs + _options.LockoutMs;
                return true;
            }

            return false;
        }

        /// <summary>Forgets failures that left the window, and a lockout that has run out together with the
        /// failures that caused it.</summary>
        void Refresh(Entry entry, long nowMs)
        {
            if (entry.LockedUntilMs > 0 && entry.LockedUntilMs <= nowMs)
            {
                entry.LockedUntilMs = 0;
                entry.Failures = 0;
                entry.WindowStartMs = nowMs;
            }
            else if (entry.LockedUntilMs == 0 && nowMs - entry.WindowStartMs > _options.FailureWindowMs)
            {
                entry.Failures = 0;
                entry.WindowStartMs = nowMs;
            }
        }

        Entry Track(string address, long nowMs)
        {
            if (_addresses.IsFull)
            {
                _addresses.Remove(LeastRecentlySeen(nowMs));
            }

            Entry entry = new Entry();
            entry.Address = address;
            entry.WindowStartMs = nowMs;
            _addresses.Add(entry);
            return entry;
        }

        /// <summary>The entry to give up for a new one: preferably one not locked out, so a flood of new addresses
        /// cannot free a locked-out one.</summary>
        Entry LeastRecentlySeen(long nowMs)
        {
            Entry oldestUnlocked = null;
            for (int i = 0; i < _addresses.Count; i++)
            {
                Entry entry = (Entry)_addresses.At(i);
                if (entry.LockedUntilMs <= nowMs && (oldestUnlocked == null || entry.LastSeenMs < oldestUnlocked.LastSeenMs))
                {
                    oldestUnlocked = entry;
                }
            }

            return oldestUnlocked != null ? oldestUnlocked : (Entry)_addresses.LeastRecentlySeen();
        }

        sealed class Entry : AddressEntry
        {
            public long WindowStartMs;
            public int Failures;
            public long LockedUntilMs;
        }
    }
}
