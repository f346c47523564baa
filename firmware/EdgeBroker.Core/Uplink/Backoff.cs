using EdgeBroker.Core.Security;

namespace EdgeBroker.Core.Uplink
{
    /// <summary>
    /// Exponential backoff with full jitter: after the n-th consecutive failure the wait is uniform in
    /// [0, min(max, min·2^(n-1))]. The jitter spreads a fleet of gateways that lost the same upstream at once, so they
    /// do not reconnect in lockstep.
    /// </summary>
    public sealed class Backoff
    {
        readonly int _minMs;
        readonly int _maxMs;
        readonly IRandomSource _random;
        readonly byte[] _bytes = new byte[4];

        public Backoff(int minMs, int maxMs, IRandomSource random)
        {
            _minMs = minMs < 1 ? 1 : minMs;
            _maxMs = maxMs < _minMs ? _minMs : maxMs;
            _random = random;
        }

        /// <summary>The upper bound of the wait after <paramref name="failures"/> consecutive failures (≥ 1).</summary>
        public int CapMs(int failures)
        {
            long cap = _minMs;
            for (int i = 1; i < failures && cap < _maxMs; i++)
            {
                cap = cap * 2;
            }

            return cap > _maxMs ? _maxMs : (int)cap;
        }

        /// <summary>A random wait in [0, <see cref="CapMs"/>].</summary>
        public int DelayMs(int failures)
        {
            int cap = CapMs(failures);
            _random.Fill(_bytes);
            uint value = (uint)(_bytes[0] | (_bytes[1] << 8) | (_bytes[2] << 16) | (_bytes[3] << 24));
            return (int)(value % (uint)(cap + 1));
        }
    }
}
