using System.Collections;
using EdgeBroker.Core;
using EdgeBroker.Core.Security;

namespace EdgeBroker.Firmware.Pairing
{
    /// <summary>
    /// The gateway's pairing button as the firmware sees it — a GPIO button on the device, a key press or an HTTP call in
    /// the emulator: a press opens (or restarts) the core's pairing window for the configured group, for the configured
    /// time, during which a new device of that group may connect with <c>Pair|{group}</c> and receive its credentials.
    /// The status LED shows the window while it is open.
    /// </summary>
    public sealed class PairingControl
    {
        readonly BrokerSecurity _security;
        readonly string _group;

        public PairingControl(BrokerSecurity security, string group)
        {
            _security = security;
            _group = group;
        }

        /// <summary>The group whose devices may pair.</summary>
        public string Group
        {
            get { return _group; }
        }

        /// <summary>Opens the group's window for <see cref="SecurityOptions.PairingWindowSeconds"/> from now.</summary>
        public void Press()
        {
            _security.OpenPairing(_group, 0, Clock.NowMs(), Clock.MonotonicMs());
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
                long monotonicMs = Clock.MonotonicMs();
                ArrayList open = _security.OpenPairingWindows(monotonicMs);
                for (int i = 0; i < open.Count; i++)
                {
                    PairingWindow window = (PairingWindow)open[i];
                    if (window.Group == _group)
                    {
                        return (int)((window.RemainingMs(monotonicMs) + 999) / 1000);
                    }
                }

                return 0;
            }
        }
    }
}
