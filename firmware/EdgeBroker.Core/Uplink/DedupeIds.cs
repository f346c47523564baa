using EdgeBroker.Core.Security;

namespace EdgeBroker.Core.Uplink
{
    /// <summary>
    /// Makes the dedupe ids of one uplink: a random epoch drawn when the uplink starts, then a counter
    /// (<c>epoch-counter</c>: 16 hex digits, a decimal counter). The id is stored with its entry, so a resend after a crash carries the same id;
    /// the random epoch keeps ids unique across restarts and a wiped store without persisting a counter.
    /// </summary>
    public sealed class DedupeIds
    {
        readonly string _epoch;
        long _counter;

        public DedupeIds(IRandomSource random)
        {
            byte[] bytes = new byte[8];
            random.Fill(bytes);
            _epoch = Hex.Of(bytes);
        }

        /// <summary>The next id; callers serialise calls (the uplink does it under its lock).</summary>
        public string Next()
        {
            _counter++;
            return _epoch + "-" + _counter.ToString();
        }
    }
}
