using System.Collections;
using EdgeBroker.Core.Security;

namespace EdgeBroker.Core.Uplink
{
    /// <summary>
    /// When and where a connection upstream is tried next, for every connection a gateway keeps upstream — the uplink's
    /// own (<see cref="Uplink"/>) and the host's proxy sessions — so they fail over and back off alike: an attempt that
    /// fails (refused, unreachable, TLS) moves on to the next address and waits longer each time; a connection that was
    /// up and is lost retries the same address after the first step's wait. Not thread-safe: its owner locks.
    /// </summary>
    public sealed class ReconnectSchedule
    {
        readonly ArrayList _addresses;
        readonly Backoff _backoff;
        int _addressIndex;
        bool _moveOn;
        int _failures;
        long _nextAttemptAtMs;

        /// <param name="settings">The upstream's addresses (at least one, tried in order) and backoff bounds.</param>
        public ReconnectSchedule(UplinkSettings settings, IRandomSource random)
        {
            _addresses = settings.Addresses;
            _backoff = new Backoff(settings.BackoffMinMs, settings.BackoffMaxMs, random);
        }

        /// <summary>The address tried last (or connected to). After a failed attempt it stays the one that failed until
        /// <see cref="NextAttempt"/>, so what is reported while backing off names the address its error belongs to.</summary>
        public UplinkAddress Address
        {
            get { return (UplinkAddress)_addresses[_addressIndex]; }
        }

        /// <summary>An attempt starts: the address to try — the next one after a failed attempt, the same one after a
        /// lost connection.</summary>
        public UplinkAddress NextAttempt()
        {
            if (_moveOn)
            {
                _addressIndex = (_addressIndex + 1) % _addresses.Count;
                _moveOn = false;
            }

            return Address;
        }

        /// <summary>Failures since the last connection was accepted (a lost connection counts as the first).</summary>
        public int Failures
        {
            get { return _failures; }
        }

        /// <summary>The longest the current wait could have been.</summary>
        public int BackoffCapMs
        {
            get { return _backoff.CapMs(_failures); }
        }

        /// <summary>How long from <paramref name="nowMs"/> until the next attempt is due (ms); 0 when it is.</summary>
        public long WaitMs(long nowMs)
        {
            long wait = _nextAttemptAtMs - nowMs;
            return wait > 0 ? wait : 0;
        }

        /// <summary>The upstream accepted the connection: the failures are forgotten.</summary>
        public void Connected()
        {
            _failures = 0;
        }

        /// <summary>The attempt failed: the next one goes to the next address, after a longer wait.</summary>
        public void AttemptFailed(long nowMs)
        {
            _moveOn = true;
            _failures++;
            WaitFrom(nowMs);
        }

        /// <summary>An established connection ended: the same address again, after the first step's wait.</summary>
        public void ConnectionLost(long nowMs)
        {
            _failures = 1;
            WaitFrom(nowMs);
        }

        void WaitFrom(long nowMs)
        {
            _nextAttemptAtMs = nowMs + _backoff.DelayMs(_failures);
        }
    }
}
