using System.Device.Wifi;
using nanoFramework.Networking;

namespace EdgeBroker.Firmware.Device
{
    /// <summary>Joins the network edgebroker.conf names: Wi-Fi as a station with DHCP, or Ethernet on boards that have it
    /// (WT32-ETH01, Olimex ESP32-POE/EVB), whose interface the firmware image configures.</summary>
    public static class NetworkBringUp
    {
        /// <summary>Blocks until the gateway has an address; false when the helper gave up.</summary>
        public static bool Connect(DeviceSettings settings)
        {
            if (settings.Network == DeviceSettings.EthernetNetwork)
            {
                return NetworkHelper.SetupAndConnectNetwork();
            }

            return WifiNetworkHelper.ConnectDhcp(settings.WifiSsid, settings.WifiPassword, WifiReconnectionKind.Automatic);
        }
    }
}
