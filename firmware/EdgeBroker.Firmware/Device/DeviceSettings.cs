using EdgeBroker.Firmware.Pairing;
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
        public int StatusLedPin;
        public int PairingWindowSeconds;
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
            settings.StatusLedPin = file.GetInt("status_led_pin", 2, 0, 48);
            settings.PairingWindowSeconds = file.GetInt(PairingWindow.DurationKey, PairingWindow.DefaultDurationSeconds, 1, 3600);
            settings.LowHeapRebootBytes = file.GetInt("low_heap_reboot_bytes", 8192, 0, 1048576);
            settings.NetworkLostRebootMinutes = file.GetInt("network_lost_reboot_minutes", 10, 1, 1440);
            return settings;
        }
    }
}
