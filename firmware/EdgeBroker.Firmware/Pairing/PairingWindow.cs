using System;

namespace EdgeBroker.Firmware.Pairing
{
    /// <summary>
    /// The gateway's pairing window: opened by the pairing button on the device (or a key press / HTTP call in the
    /// emulator) for a fixed time, during which a new device may be introduced to the gateway. The status LED shows it
    /// while open. Thread-safe.
    /// </summary>
    public sealed class PairingWindow
    {
        /// <summary>Key in edgebroker.conf for how long a press opens the window.</summary>
        public const string DurationKey = "pairing_window_seconds";

        public const int DefaultDurationSeconds = 120;

        readonly object _sync = new object();
        readonly long _durationTicks;
        long _openUntilTicks;

        public PairingWindow(int durationSeconds)
        {
            _durationTicks = durationSeconds * TimeSpan.TicksPerSecond;
        }

        /// <summary>Opens the window (again) for its full duration from now.</summary>
        public void Open()
        {
            lock (_sync)
            {
                _openUntilTicks = DateTime.UtcNow.Ticks + _durationTicks;
            }
        }

        public void Close()
        {
            lock (_sync)
            {
                _openUntilTicks = 0;
            }
        }

        public bool IsOpen
        {
            get { return RemainingSeconds > 0; }
        }

        /// <summary>Whole seconds left, 0 when closed.</summary>
        public int RemainingSeconds
        {
            get
            {
                long remaining;
                lock (_sync)
                {
                    remaining = _openUntilTicks - DateTime.UtcNow.Ticks;
                }

                return remaining <= 0 ? 0 : (int)((remaining + TimeSpan.TicksPerSecond - 1) / TimeSpan.TicksPerSecond);
            }
        }
    }
}
