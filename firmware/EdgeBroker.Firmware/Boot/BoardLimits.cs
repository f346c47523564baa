namespace EdgeBroker.Firmware.Boot
{
    /// <summary>
    /// Limits that follow from the firmware image flashed on the board. Sockets are lwIP's CONFIG_LWIP_MAX_SOCKETS of
    /// the image's IDF configuration (nanoframework/nf-interpreter targets/ESP32/_IDF/sdkconfig.default*, at the image
    /// pinned in hardware/README.md): 16 for every ESP32 target except ESP32_C3_BETA, built with
    /// sdkconfig.default.esp32c3 (8). ESP32_C3 itself is built with sdkconfig.default_rev3.esp32c3 (16).
    /// </summary>
    public static class BoardLimits
    {
        public const int DefaultSockets = 16;

        /// <summary>Sockets the gateway needs besides its clients: the listener, the uplink, DNS and one spare.</summary>
        public const int ReservedSockets = 4;

        /// <summary>The sockets of the image whose target name nanoFramework reports (SystemInfo.TargetName).</summary>
        public static int Sockets(string targetName)
        {
            return targetName == "ESP32_C3_BETA" ? 8 : DefaultSockets;
        }

        /// <summary>The default of <c>max_clients</c> on that board.</summary>
        public static int DefaultMaxClients(string targetName)
        {
            return Sockets(targetName) - ReservedSockets;
        }
    }
}
