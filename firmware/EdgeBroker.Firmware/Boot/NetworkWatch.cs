namespace EdgeBroker.Firmware.Boot
{
    /// <summary>How long the network has been gone, on the monotonic clock (milliseconds since boot) — the wall
    /// clock jumps when SNTP sets it, which would cut the wait short or stretch it without end.</summary>
    public sealed class NetworkWatch
    {
        readonly long _limitMs;
        long _lostAtMs = -1;

        public NetworkWatch(DeviceSettings settings)
        {
            _limitMs = settings.NetworkLostRebootMinutes * 60000L;
        }

        /// <summary>True when the network has been down for longer than the configured minutes.</summary>
        public bool LostTooLong(bool up, long monotonicMs)
        {
            if (up)
            {
                _lostAtMs = -1;
                return false;
            }

            if (_lostAtMs < 0)
            {
                _lostAtMs = monotonicMs;
            }

            return monotonicMs - _lostAtMs > _limitMs;
        }
    }
}
