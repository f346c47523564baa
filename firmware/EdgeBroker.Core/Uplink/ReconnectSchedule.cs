using System.Collections;
using EdgeBroker.Core.Security;

namespace EdgeBroker.Core.Uplink
{
    /// <summary>
    /// When and where a connection upstream is tried next, for every connection a gateway keeps upstream — the uplink's
    /// own (<see cref="Uplink"/>) and the host's proxy sessions — so they fail over and back off alike: an attempt that
    /// fails (refused, unreachable, TLS) moves on to the next address and waits longer each time; a connection that was
    /// up for at least <see cref="StableConnectionMs"/> and is lost retries the same address after the first step's wait.
    /// A connection lost sooner (the upstream accepts and then drops it: a second gateway under the same client ID, a
    /// message the gateway cannot take) counts as one more failure on top of those before it, so a connection that
    /// keeps failing right after its CONNACK backs off as far as attempts that fail do, instead of reconnecting at the
    /// first step's pace for ever. Times are on the interval clock (<see cref="Clock.MonotonicMs"/>): the device's wall
    /// clock, stepped by decades at its first SNTP sync, would end a wait at once or make it last for ever. Not
    /// thread-safe: its owner locks.
    /// </summary>
    public sealed class ReconnectSchedule
    {
        /// <summary>How long a connection must have stayed up for its loss to start the backoff afresh.</summary>
        public const long StableConnectionMs = 10000;

        readonly ArrayList _addresses;
        readonly Backoff _backoff;
        int _addressIndex;
        bool _moveOn;
        int _failures;

        // The failures before the current connection was accepted, and when it was: a connection lost before it was
        // stable carries them on.
        int _failuresBeforeConnected;
        long _connectedAtMs;
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

        /// <summary>Failures since the last connection was accepted (a lost connection counts as the first, or as one
        /// more when it was lost before <see cref="StableConnectionMs"/>); 0 while connected.</summary>
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

        /// <summary>The upstream accepted the connection at <paramref name="nowMs"/>: the failures are forgotten — for
        /// good once it has stayed up for <see cref="StableConnectionMs"/>.</summary>
        public void Connected(long nowMs)
        {
            _failuresBeforeConnected = _failures;
            _connectedAtMs = nowMs;
            _failures = 0;
        }

        /// <summary>The attempt failed: the next one goes to the next address, after a longer wait.</summary>
        public void AttemptFailed(long nowMs)
        {
            _moveOn = true;
            _failures++;
            WaitFrom(nowMs);
        }

        /// <summary>An established connection ended: the same address again, after the first step's wait when it had
        /// been stable, else after a wait one step longer than the last attempt's.</summary>
        public void ConnectionLost(long nowMs)
        {
            _failures = nowMs - _connectedAtMs >= StableConnectionMs ? 1 : _failuresBeforeConnected + 1;
            _failuresBeforeConnected = 0;
            WaitFrom(nowMs);
        }

        void WaitFrom(long nowMs)
        {
            _nextAttemptAtMs = nowMs + _backoff.DelayMs(_failures);
        }
    }
}
