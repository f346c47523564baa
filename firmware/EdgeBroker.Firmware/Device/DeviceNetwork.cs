using System.Device.Wifi;
using System.Net.NetworkInformation;
using System.Threading;
using EdgeBroker.Firmware.Boot;
using nanoFramework.Networking;

namespace EdgeBroker.Firmware.Device
{
    /// <summary>
    /// The boot's view of the network interface on the device: Wi-Fi as a station with DHCP, or Ethernet on boards
    /// that have it (WT32-ETH01, Olimex ESP32-POE/EVB), whose interface the firmware image configures. Every wait is
    /// bounded by a cancellation token (the helpers otherwise wait forever); credentials are written only when the
    /// boot says so (<see cref="WifiCredentials"/>).
    /// </summary>
    public sealed class DeviceNetwork : INetworkLink
    {
        public string StoredWifiSsid()
        {
            Wireless80211Configuration stored = Stored();
            return stored == null ? null : stored.Ssid;
        }

        public string StoredWifiPassword()
        {
            Wireless80211Configuration stored = Stored();
            return stored == null ? null : stored.Password;
        }

        public bool Join(DeviceSettings settings, bool storeCredentials, int timeoutMilliseconds)
        {
            CancellationTokenSource timeout = new CancellationTokenSource(timeoutMilliseconds);
            try
            {
                if (settings.Network == DeviceSettings.EthernetNetwork)
                {
                    return NetworkHelper.SetupAndConnectNetwork(timeout.Token, false);
                }

                if (storeCredentials)
                {
                    // Stores the configured credentials (once: the boot asks only when they differ from the stored ones).
                    return WifiNetworkHelper.ConnectDhcp(settings.WifiSsid, settings.WifiPassword, WifiReconnectionKind.Automatic,
                        false, 0, timeout.Token);
                }

                // The stored credentials, as they are: connect with them, then wait for an address.
                WifiAdapter.FindAllAdapters()[0].Connect(StoredWifiSsid(), WifiReconnectionKind.Automatic, StoredWifiPassword());
                return WifiNetworkHelper.Reconnect(false, 0, timeout.Token);
            }
            finally
            {
                timeout.Dispose();
            }
        }

        static Wireless80211Configuration Stored()
        {
            Wireless80211Configuration[] all = Wireless80211Configuration.GetAllWireless80211Configurations();
            return all.Length == 0 ? null : all[0];
        }
    }
}
