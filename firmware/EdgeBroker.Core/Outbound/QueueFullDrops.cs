using System.Threading;
using EdgeBroker.Core.Diagnostics;

namespace EdgeBroker.Core.Outbound
{
    /// <summary>
    /// QoS 1/2 messages a connected receiver's full outbound queue refused (<see cref="OutboundQueueLimits"/>) that
    /// nothing keeps — its session ends with its connection; for a share group, no other member took them and no
    /// persistent member keeps them (the receiver is the last member that refused) — so the bound drops them after their
    /// publisher was acknowledged, as mosquitto's <c>max_queued_messages</c> does. They are counted with every other engine drop
    /// (<c>RoutingCounters.EngineDropped</c>); this says when engines are to log them (the first, then at most one line a
    /// minute: <see cref="DropReports"/>) and for which receiver, because a message its publisher was told was taken
    /// must never vanish without a word. A QoS 0 message that gives way is not logged: that is what QoS 0 is for.
    /// Allocation-free until a line is due. Thread-safe.
    /// </summary>
    public sealed class QueueFullDrops
    {
        readonly DropReports _reports = new DropReports();
        int _dropped;
        int _seen;

        /// <summary>The receiver of the latest drop: a line names it.</summary>
        string _lastReceiver;

        /// <summary>Counts one drop for <paramref name="receiverClientId"/>.</summary>
        internal void Count(string receiverClientId)
        {
            _lastReceiver = receiverClientId;
            Interlocked.Increment(ref _dropped);
        }

        /// <summary>
        /// Whether messages were dropped since the last look and a line is due, with the latest receiver and what the
        /// line ends with. Asked by engines after they route a PUBLISH, whatever its outcome (a message other receivers
        /// got is still <c>Delivered</c>); one read while nothing is dropped.
        /// </summary>
        public bool ToReport(out string receiverClientId, out string tally)
        {
            int dropped = _dropped;
            if (dropped == _seen || Interlocked.Exchange(ref _seen, dropped) == dropped)
            {
                receiverClientId = null;
                tally = null;
                return false;
            }

            receiverClientId = _lastReceiver;
            return _reports.ShouldReport(dropped, out tally);
        }
    }
}
