using System.Threading;

namespace EdgeBroker.Core.Security
{
    /// <summary>Denials by the security policy, for the status API. 32-bit for the device's interlocked operations.</summary>
    public sealed class AccessCounters
    {
        int _publishDenied;
        int _subscribeDenied;
        int _announcementsRefused;

        public int PublishDenied { get { return _publishDenied; } }

        public int SubscribeDenied { get { return _subscribeDenied; } }

        /// <summary>P2P route announcements from clients that are not gateways here (docs/federation.md).</summary>
        public int AnnouncementsRefused { get { return _announcementsRefused; } }

        internal void CountPublishDenied() { Interlocked.Increment(ref _publishDenied); }

        internal void CountSubscribeDenied() { Interlocked.Increment(ref _subscribeDenied); }

        internal void CountAnnouncementRefused() { Interlocked.Increment(ref _announcementsRefused); }
    }
}
