using System.Threading;

namespace EdgeBroker.Core.Security
{
    /// <summary>Denials by the security policy, for the status API. 32-bit for the device's interlocked operations.</summary>
    public sealed class AccessCounters
    {
        int _publishDenied;
        int _subscribeDenied;

        public int PublishDenied { get { return _publishDenied; } }

        public int SubscribeDenied { get { return _subscribeDenied; } }

        internal void CountPublishDenied() { Interlocked.Increment(ref _publishDenied); }

        internal void CountSubscribeDenied() { Interlocked.Increment(ref _subscribeDenied); }
    }
}
