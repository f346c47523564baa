namespace EdgeBroker.Firmware.Boot
{
    /// <summary>The device's network interface as the boot sees it: Wi-Fi credentials stored on the device, and one
    /// bounded attempt to join. Device/ implements it with nanoFramework's network helpers; tests with a fake.</summary>
    public interface INetworkLink
    {
        /// <summary>The SSID of the Wi-Fi credentials the device has stored, or null when it has none.</summary>
        string StoredWifiSsid();

        /// <summary>The password stored with <see cref="StoredWifiSsid"/>, or null.</summary>
        string StoredWifiPassword();

        /// <summary>Joins the network <paramref name="settings"/> names, giving up after
        /// <paramref name="timeoutMilliseconds"/>; true once the device has an address. With
        /// <paramref name="storeCredentials"/> the configured Wi-Fi credentials are stored first, else the stored
        /// ones are used as they are.</summary>
        bool Join(DeviceSettings settings, bool storeCredentials, int timeoutMilliseconds);
    }
}
