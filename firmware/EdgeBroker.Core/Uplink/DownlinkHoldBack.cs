using EdgeBroker.Core.Routing;

namespace EdgeBroker.Core.Uplink
{
    /// <summary>
    /// When an uplink holds its upstream back rather than route a message that a local receiver has no room for. After an
    /// outage the upstream sends the gateway everything it kept at once, faster than a receiver acknowledges; a message
    /// that finds a connected receiver's offline quota full (<see cref="BrokerCore.FindsReceiverBackedUp"/>) would be
    /// dropped though acknowledged upstream (on the device's quota of 32, 86 of a 300-message backlog were). An engine
    /// whose transport acknowledges only once the message is routed waits while <see cref="ShouldWait"/> says so, asking
    /// every <see cref="PollMilliseconds"/>: its upstream, seeing no acknowledgement, keeps the rest. A receiver that makes
    /// no room within <see cref="MaxHoldMilliseconds"/> (or half the keep alive, if shorter: the upstream is not answered
    /// meanwhile) is not draining; the message is then routed, and nothing is held back for
    /// <see cref="PauseMilliseconds"/>, so that a client that never acknowledges cannot slow the upstream's messages for
    /// everyone to one per wait. One per uplink connection; used by the thread that takes its messages.
    /// </summary>
    public sealed class DownlinkHoldBack
    {
        /// <summary>How often a held message asks again: a receiver's acknowledgement makes room within its round trip.</summary>
        public const int PollMilliseconds = 5;

        /// <summary>The longest one message is held.</summary>
        public const int MaxHoldMilliseconds = 10000;

        /// <summary>How long nothing is held after a receiver made no room in time.</summary>
        public const int PauseMilliseconds = 60000;

        readonly BrokerCore _core;
        readonly int _holdLimitMs;
        long _pausedUntilMs;

        /// <param name="keepAliveSeconds">The uplink connection's keep alive (0: none).</param>
        public DownlinkHoldBack(BrokerCore core, int keepAliveSeconds)
        {
            _core = core;
            int halfKeepAliveMs = keepAliveSeconds * 500;
            _holdLimitMs = halfKeepAliveMs > 0 && halfKeepAliveMs < MaxHoldMilliseconds ? halfKeepAliveMs : MaxHoldMilliseconds;
        }

        /// <summary>Whether <paramref name="message"/>, from upstream, held since <paramref name="heldSinceMs"/>, should wait
        /// another <see cref="PollMilliseconds"/> before it is routed.</summary>
        public bool ShouldWait(RoutedMessage message, long heldSinceMs, long nowMs)
        {
            if (message.Qos == 0 || nowMs < _pausedUntilMs || !_core.FindsReceiverBackedUp(message))
            {
                return false;
            }

            if (nowMs - heldSinceMs >= _holdLimitMs)
            {
                _pausedUntilMs = nowMs + PauseMilliseconds;
                return false;
            }

            return true;
        }
    }
}
