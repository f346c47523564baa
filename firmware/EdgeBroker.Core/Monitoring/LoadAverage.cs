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

        /// <summary>The counter stands at <paramref name="total"/>, <paramref name="elapsedSeconds"/> after the previous
        /// update. With no time elapsed (the first update, or a clock stepped back) it starts over from
        /// <paramref name="total"/> and folds nothing in: mosquitto's first publication shows 0.00.</summary>
        public void Update(long total, double elapsedSeconds)
        {
            if (elapsedSeconds > 0)
            {
                double perMinute = (total - _lastTotal) * 60.0 / elapsedSeconds;
                _oneMinute = Fold(_oneMinute, perMinute, elapsedSeconds, 60.0);
                _fiveMinutes = Fold(_fiveMinutes, perMinute, elapsedSeconds, 300.0);
                _fifteenMinutes = Fold(_fifteenMinutes, perMinute, elapsedSeconds, 900.0);
            }

            _lastTotal = total;
        }

        static double Fold(double average, double rate, double elapsedSeconds, double windowSeconds)
        {
            double exponent = DecayFactor(elapsedSeconds / windowSeconds);
            return rate + exponent * (average - rate);
        }

        /// <summary><c>exp(-x)</c> for x ≥ 0, computed here because the device's core library has no System.Math (it
        /// is a separate package): the argument is halved until small, summed as a Taylor series and squared back,
        /// accurate to the last digits of a double.</summary>
        internal static double DecayFactor(double x)
        {
            double reduced = -x;
            int halvings = 0;
            while (reduced < -0.5)
            {
                reduced /= 2;
                halvings++;
            }

            double term = 1;
            double sum = 1;
            for (int n = 1; n < 20; n++)
            {
                term *= reduced / n;
                sum += term;
            }

            for (int i = 0; i < halvings; i++)
            {
                sum *= sum;
            }

            return sum;
        }
    }
}
