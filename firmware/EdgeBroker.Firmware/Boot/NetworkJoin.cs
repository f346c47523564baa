using EdgeBroker.Firmware.Relay;

namespace EdgeBroker.Firmware.Boot
{
    /// <summary>
    /// Joins the network in bounded attempts: each may take <see cref="DeviceSettings.NetworkJoinTimeoutSeconds"/>,
    /// the pause between them doubles from <see cref="FirstPauseMilliseconds"/> up to <see cref="MaxPauseMilliseconds"/>,
    /// and after <see cref="DeviceSettings.NetworkJoinAttempts"/> the caller restarts the device (a radio or DHCP
    /// stuck in a bad state often recovers only that way). Credentials are stored at most once, on the first attempt.
    /// </summary>
    public static class NetworkJoin
    {
        public const int FirstPauseMilliseconds = 2000;
        public const int MaxPauseMilliseconds = 60000;

        /// <summary>True once the device has an address; false when every attempt failed.</summary>
        public static bool Run(INetworkLink link, IBootClock clock, DeviceSettings settings, IRelayLog log)
        {
            bool store = settings.Network != DeviceSettings.EthernetNetwork && WifiCredentials.MustStore(settings, link);
            int pause = FirstPauseMilliseconds;
            for (int attempt = 1; attempt <= settings.NetworkJoinAttempts; attempt++)
            {
                if (link.Join(settings, store, settings.NetworkJoinTimeoutSeconds * 1000))
                {
                    return true;
                }

                store = false;
                log.Warning("Network (" + settings.Network + "): attempt " + attempt + " of " + settings.NetworkJoinAttempts + " failed");
                if (attempt < settings.NetworkJoinAttempts)
                {
                    clock.Sleep(pause);
                    pause = pause * 2 > MaxPauseMilliseconds ? MaxPauseMilliseconds : pause * 2;
                }
            }

            return false;
        }
    }
}
