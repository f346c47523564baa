namespace EdgeBroker.Firmware.Boot
{
    /// <summary>
    /// The default pins of the boards hardware/README.md lists, chosen by the image the board runs (nanoFramework's
    /// SystemInfo.TargetName, the nf-interpreter preset name, e.g. <c>ESP32_WT32_ETH01</c>). A default names only what
    /// is on the board and free in its image: a pin the image reserves cannot be opened (nf-interpreter
    /// targets/ESP32/_nanoCLR/System.Device.Gpio/cpu_gpio.cpp, CPU_GPIO_ReservePin), and an input left floating would
    /// press the pairing button at random.
    /// </summary>
    public static class BoardPins
    {
        /// <summary>No pin: the board has no such part, or none the image leaves free.</summary>
        public const int None = -1;

        /// <summary>The default of <c>status_led_pin</c> on that board: GPIO 2 (ESP32-DevKitC's usual LED, the
        /// WROVER-KIT's green one), <see cref="None"/> where the board has no plain one — Olimex ESP32-POE/EVB, M5Stack (an
        /// LCD), ESP32-C3 boards (an addressable RGB LED that a GPIO level does not light).</summary>
        public static int DefaultStatusLedPin(string targetName)
        {
            if (targetName == null)
            {
                return 2;
            }

            return IsOlimex(targetName) || targetName == "M5Core" || IsEsp32C3(targetName) ? None : 2;
        }

        /// <summary>
        /// The default of <c>pairing_button_pin</c> on that board: the BOOT button (GPIO 0) on ESP32-DevKitC and WROVER
        /// boards and on images this table does not know; BUT1 (GPIO 34) on Olimex ESP32-POE/EVB; button A (GPIO 39) on the
        /// M5Stack; BOOT (GPIO 9) on ESP32-C3 boards; <see cref="None"/> on the WT32-ETH01, which has no button and whose
        /// GPIO 0 is the Ethernet PHY's clock input, reserved by the image (ESP32_WT32_ETH01_defconfig
        /// CONFIG_ESP32_ETHERNET_RMII_CLK_IN_GPIO=0; _Network/NF_ESP32_Ethernet.cpp reserves it).
        /// </summary>
        public static int DefaultPairingButtonPin(string targetName)
        {
            if (targetName == null)
            {
                return 0;
            }

            if (targetName == "ESP32_WT32_ETH01")
            {
                return None;
            }

            if (IsOlimex(targetName))
            {
                return 34;
            }

            if (targetName == "M5Core")
            {
                return 39;
            }

            return IsEsp32C3(targetName) ? 9 : 0;
        }

        /// <summary>Whether the default button pin needs the ESP32's internal pull-up: not on GPIO 34–39, which have none
        /// (the Olimex and M5Stack boards pull their buttons up themselves).</summary>
        public static bool DefaultPairingButtonPullUp(string targetName)
        {
            int pin = DefaultPairingButtonPin(targetName);
            return pin < 34 || pin > 39;
        }

        static bool IsOlimex(string targetName)
        {
            return targetName.IndexOf("OLIMEX") >= 0;
        }

        static bool IsEsp32C3(string targetName)
        {
            return targetName.IndexOf("ESP32_C3") == 0;
        }
    }
}
