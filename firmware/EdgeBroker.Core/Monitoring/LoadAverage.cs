using System;

namespace EdgeBroker.Core.Monitoring
{
    /// <summary>
    /// One counter's rate per minute averaged over 1, 5 and 15 minutes, as mosquitto computes its
    /// <c>$SYS/broker/load/…</c> values: at each update the rate since the last one (per minute) is folded into each
    /// average with weight <c>1 - exp(-elapsed / window)</c>, so the averages decay like the Unix load averages.
    /// </summary>
    public sealed class LoadAverage
    {
        long _lastTotal;
        double _oneMinute;
        double _fiveMinutes;
        double _fifteenMinutes;

        public double OneMinute { get { return _oneMinute; } }

        public double FiveMinutes { get { return _fiveMinutes; } }

        public double FifteenMinutes { get { return _fifteenMinutes; } }

        /// <summary>Starts from <paramref name="total"/> without folding anything in (mosquitto's initial publication
        /// shows 0.00).</summary>
        public void Start(long total)
        {
            _lastTotal = total;
        }

        /// <summary>The counter stands at <paramref name="total"/>, <paramref name="elapsedSeconds"/> (&gt; 0) after
        /// the previous update.</summary>
        public void Update(long total, double elapsedSeconds)
        {
            double perMinute = (total - _lastTotal) * 60.0 / elapsedSeconds;
            _lastTotal = total;
            _oneMinute = Fold(_oneMinute, perMinute, elapsedSeconds, 60.0);
            _fiveMinutes = Fold(_fiveMinutes, perMinute, elapsedSeconds, 300.0);
            _fifteenMinutes = Fold(_fifteenMinutes, perMinute, elapsedSeconds, 900.0);
        }

        static double Fold(double average, double rate, double elapsedSeconds, double windowSeconds)
        {
            double exponent = Math.Exp(-elapsedSeconds / windowSeconds);
            return rate + exponent * (average - rate);
        }
    }
}
