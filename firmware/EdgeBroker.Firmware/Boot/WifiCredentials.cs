namespace EdgeBroker.Firmware.Boot
{
    /// <summary>
    /// When the gateway writes Wi-Fi credentials to the device: only when edgebroker.conf names an SSID, and it or
    /// its password differs from what the device has stored. nanoFramework's <c>WifiNetworkHelper.ConnectDhcp</c>
    /// stores what it is given on every call, so calling it each boot rewrote flash each time and, with no
    /// <c>wifi_ssid</c> in the file, replaced working credentials with empty ones.
    /// </summary>
    public static class WifiCredentials
    {
        public static bool MustStore(DeviceSettings settings, INetworkLink link)
        {
            if (IsEmpty(settings.WifiSsid))
            {
                return false;
            }

            return settings.WifiSsid != link.StoredWifiSsid() || settings.WifiPassword != (link.StoredWifiPassword() ?? string.Empty);
        }

        /// <summary>Whether there is anything to join with: credentials in the file or stored on the device.</summary>
        public static bool Available(DeviceSettings settings, INetworkLink link)
        {
            return !IsEmpty(settings.WifiSsid) || !IsEmpty(link.StoredWifiSsid());
        }

        static bool IsEmpty(string text)
        {
            return text == null || text.Length == 0;
        }
    }
}
