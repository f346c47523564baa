using EdgeBroker.Firmware.Relay.Settings;

namespace EdgeBroker.Firmware.Device
{
    /// <summary>The board-specific part of edgebroker.conf: network, pins, and when the gateway restarts itself.
    /// hardware/README.md lists the values for each supported board.</summary>
    public sealed class DeviceSettings
    {
        public const string EthernetNetwork = "ethernet";

        public string Network;
        public string WifiSsid;
        public string WifiPassword;
        public int PairingButtonPin;

        /// <summary>Whether the button pin needs the ESP32's internal pull-up (GPIO 34–39 have none; boards using them,
        /// such as the M5Stack's buttons, pull up externally).</summary>
        public bool PairingButtonPullUp;

        /// <summary>-1 on boards without a usable LED: the state is then only in the debug output.</summary>
        public int StatusLedPin;
        public int LowHeapRebootBytes;
        public int NetworkLostRebootMinutes;

        public static DeviceSettings From(SettingsFile file)
        {
            DeviceSettings settings = new DeviceSettings();
            settings.Network = file.Get("network") ?? "wifi";
            settings.WifiSsid = file.Get("wifi_ssid");
            settings.WifiPassword = file.Get("wifi_password") ?? string.Empty;

            // ESP32-DevKitC: the BOOT button is GPIO 0 and the on-board LED (where fitted) GPIO 2.
            settings.PairingButtonPin = file.GetInt("pairing_button_pin", 0, 0, 48);
            settings.PairingButtonPullUp = file.GetInt("pairing_button_pullup", 1, 0, 1) == 1;
            settings.StatusLedPin = file.GetInt("status_led_pin", 2, -1, 48);
            settings.LowHeapRebootBytes = file.GetInt("low_heap_reboot_bytes", 8192, 0, 1048576);
            settings.NetworkLostRebootMinutes = file.GetInt("network_lost_reboot_minutes", 10, 1, 1440);
            return settings;
        }
    }
}
