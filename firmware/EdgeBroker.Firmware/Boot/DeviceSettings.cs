using EdgeBroker.Firmware.Relay.Settings;

namespace EdgeBroker.Firmware.Boot
{
    /// <summary>The board-specific part of edgebroker.conf: network, pins, SD card, and when the gateway restarts
    /// itself. hardware/README.md lists the values for each supported board.</summary>
    public sealed class DeviceSettings
    {
        public const string EthernetNetwork = "ethernet";

        /// <summary>No SD card: the store lives on the internal flash (<c>I:</c>).</summary>
        public const string NoSdCard = "none";

        /// <summary>An SD card on the ESP32's SDMMC host (slot 1; the pins are fixed by the chip).</summary>
        public const string MmcSdCard = "mmc";

        /// <summary>GPIO 2, D0 of the SDMMC slot (nanoframework/nf-interpreter targets/ESP32/_common/ESP32_DeviceMapping.cpp:
        /// CLK 14, CMD 15, D0 2, D1 4, D2 12, D3 13) and the default LED pin.</summary>
        public const int MmcData0Pin = 2;

        /// <summary>An SD card on an SPI bus, with the chip-select pin named by <see cref="SdCardChipSelectPin"/>.</summary>
        public const string SpiSdCard = "spi";

        public string Network;

        /// <summary>Null when the file names none: the credentials the device has stored are used, not overwritten.</summary>
        public string WifiSsid;
        public string WifiPassword;

        /// <summary>-1 when the gateway has no pairing button (the WT32-ETH01's default): devices then cannot pair.</summary>
        public int PairingButtonPin;

        /// <summary>Whether the button pin needs the ESP32's internal pull-up (GPIO 34–39 have none; boards using them,
        /// such as the M5Stack's buttons, pull up externally).</summary>
        public bool PairingButtonPullUp;

        /// <summary>-1 on boards without a usable LED: the state is then only in the debug output.</summary>
        public int StatusLedPin;
        public int LowHeapRebootBytes;

        /// <summary>Below this many free bytes the supervisor measures the heap every second instead of every
        /// <see cref="HeapCheckSeconds"/> (each measurement is a garbage collection).</summary>
        public int HeapWatchBytes;
        public int HeapCheckSeconds;
        public int NetworkLostRebootMinutes;

        /// <summary>How long one attempt to join the network may take, and how many attempts (with a doubling pause
        /// between them) before the device restarts.</summary>
        public int NetworkJoinTimeoutSeconds;
        public int NetworkJoinAttempts;

        /// <summary>How long the boot waits for a valid wall clock (SNTP) once the network is up.</summary>
        public int TimeSyncSeconds;

        public string SdCard;
        public int SdCardMmcDataWidth;
        public int SdCardSpiBus;
        public int SdCardChipSelectPin;

        /// <summary>-1 when the slot has no card-detect switch wired.</summary>
        public int SdCardDetectPin;

        /// <summary>The settings of <paramref name="file"/> on an ESP32-DevKitC (the boot tests' board).</summary>
        public static DeviceSettings From(SettingsFile file)
        {
            return From(file, null);
        }

        /// <summary>The settings of <paramref name="file"/> on the board whose image reports
        /// <paramref name="targetName"/> (nanoFramework's SystemInfo.TargetName; null: an ESP32-DevKitC).</summary>
        public static DeviceSettings From(SettingsFile file, string targetName)
        {
            DeviceSettings settings = new DeviceSettings();
            settings.Network = file.Get("network") ?? "wifi";
            settings.WifiSsid = file.Get("wifi_ssid");
            settings.WifiPassword = file.Get("wifi_password") ?? string.Empty;

            // Both pins follow the board (BoardPins); -1: none.
            settings.PairingButtonPin = file.GetInt("pairing_button_pin", BoardPins.DefaultPairingButtonPin(targetName), -1, 48);
            settings.PairingButtonPullUp = file.GetInt("pairing_button_pullup", BoardPins.DefaultPairingButtonPullUp(targetName) ? 1 : 0, 0, 1) == 1;
            settings.StatusLedPin = file.GetInt("status_led_pin", BoardPins.DefaultStatusLedPin(targetName), -1, 48);
            settings.LowHeapRebootBytes = file.GetInt("low_heap_reboot_bytes", 8192, 0, 1048576);
            settings.HeapWatchBytes = file.GetInt("heap_watch_bytes", 32768, 0, 16777216);
            settings.HeapCheckSeconds = file.GetInt("heap_check_seconds", 60, 1, 3600);
            settings.NetworkLostRebootMinutes = file.GetInt("network_lost_reboot_minutes", 10, 1, 1440);
            settings.NetworkJoinTimeoutSeconds = file.GetInt("network_join_timeout_seconds", 30, 5, 600);
            settings.NetworkJoinAttempts = file.GetInt("network_join_attempts", 5, 1, 100);
            settings.TimeSyncSeconds = file.GetInt("time_sync_seconds", 60, 0, 3600);

            settings.SdCard = file.Get("sd_card") ?? NoSdCard;
            if (settings.SdCard != NoSdCard && settings.SdCard != MmcSdCard && settings.SdCard != SpiSdCard)
            {
                file.AddProblem("sd_card", "sd_card: '" + settings.SdCard + "' is not none, mmc or spi; using none");
                settings.SdCard = NoSdCard;
            }

            settings.SdCardMmcDataWidth = file.GetInt("sd_card_mmc_data_width", 1, 1, 4);
            if (settings.SdCard == MmcSdCard && settings.StatusLedPin == MmcData0Pin)
            {
                file.AddProblem("status_led_pin", "status_led_pin " + MmcData0Pin + " is the SD card's D0 with sd_card = mmc; the LED stays off");
                settings.StatusLedPin = -1;
            }

            settings.SdCardSpiBus = file.GetInt("sd_card_spi_bus", 1, 1, 2);
            settings.SdCardChipSelectPin = file.GetInt("sd_card_cs_pin", 5, 0, 48);
            settings.SdCardDetectPin = file.GetInt("sd_card_detect_pin", -1, -1, 48);
            return settings;
        }
    }
}
