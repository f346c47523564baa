namespace EdgeBroker.Firmware.Boot
{
    /// <summary>
    /// What the status LED says, seen from across the room: one state of the gateway, the most urgent one, as a blink
    /// rhythm that no other state shares. Decided here, portable and tested on the PC; Device/StatusLed only switches the
    /// pin. A pattern is a list of durations in milliseconds, the LED on for the first, off for the second and so on,
    /// repeated; a zero duration is skipped, so <c>{ 1000, 0 }</c> is steady on.
    /// </summary>
    public static class StatusLight
    {
        /// <summary>From power-on until the network join starts: reading edgebroker.conf, choosing the storage. A 10 Hz
        /// flicker, usually for a second or two.</summary>
        public const int Booting = 0;

        /// <summary>Joining the network, or the network lost while serving: slow blink, one second on, one off.</summary>
        public const int JoiningNetwork = 1;

        /// <summary>Serving clients, everything as configured: steady on.</summary>
        public const int Serving = 2;

        /// <summary>A pairing window is open (the button was pressed): fast blink, 5 Hz, until it closes.</summary>
        public const int PairingOpen = 3;

        /// <summary>Serving, but the flash store is full: QoS 1 messages that must be kept are refused until room is
        /// made. Two short blinks every two seconds.</summary>
        public const int StoreFull = 4;

        /// <summary>Serving, but the configured uplink is not connected (local traffic flows, what goes up is queued):
        /// on, with a short dark gap every two seconds.</summary>
        public const int UplinkDown = 5;

        /// <summary>Stopped for good (a damaged store, no network credentials) or about to restart: a short flash every
        /// two seconds.</summary>
        public const int Failed = 6;

        static readonly int[] BootingPattern = new int[] { 50, 50 };
        static readonly int[] JoiningNetworkPattern = new int[] { 1000, 1000 };
        static readonly int[] ServingPattern = new int[] { 1000, 0 };
        static readonly int[] PairingOpenPattern = new int[] { 100, 100 };
        static readonly int[] StoreFullPattern = new int[] { 150, 150, 150, 1550 };
        static readonly int[] UplinkDownPattern = new int[] { 1800, 200 };
        static readonly int[] FailedPattern = new int[] { 50, 1950 };

        /// <summary>The state a started gateway shows, the most urgent first: no network (nothing else works without
        /// it), an open pairing window (the operator just pressed the button and wants to see it took), a full store
        /// (messages are being refused), the uplink down (messages wait), else serving.</summary>
        public static int Of(bool networkUp, bool pairingOpen, bool storeFull, bool uplinkDown)
        {
            if (!networkUp)
            {
                return JoiningNetwork;
            }

            if (pairingOpen)
            {
                return PairingOpen;
            }

            if (storeFull)
            {
                return StoreFull;
            }

            return uplinkDown ? UplinkDown : Serving;
        }

        /// <summary>The blink pattern of <paramref name="state"/> (shared arrays: do not change them); an unknown state
        /// shows as failed.</summary>
        public static int[] PatternOf(int state)
        {
            switch (state)
            {
                case Booting:
                    return BootingPattern;
                case JoiningNetwork:
                    return JoiningNetworkPattern;
                case Serving:
                    return ServingPattern;
                case PairingOpen:
                    return PairingOpenPattern;
                case StoreFull:
                    return StoreFullPattern;
                case UplinkDown:
                    return UplinkDownPattern;
                default:
                    return FailedPattern;
            }
        }
    }
}
