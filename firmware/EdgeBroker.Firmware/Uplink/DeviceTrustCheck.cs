using EdgeBroker.Core.Uplink;
using EdgeBroker.Firmware.Relay.Settings;

namespace EdgeBroker.Firmware.Uplink
{
    /// <summary>
    /// What the device can trust for an <c>mqtts://</c> upstream. Its nanoFramework image carries no root bundle
    /// (<c>CONFIG_MBEDTLS_CERTIFICATE_BUNDLE=n</c>) and verification is required: without <c>uplink_ca_file</c> only the
    /// CAs stored in the device's own configuration (its certificate store, empty on a freshly flashed board) are
    /// trusted, so the handshake fails unless one was stored there. Said once at boot and by the emulator's
    /// <c>config check</c>; the emulator itself trusts the PC's roots and is not affected.
    /// </summary>
    public static class DeviceTrustCheck
    {
        /// <summary>The warning for <paramref name="uplink"/> (null for none), or null when it needs none.</summary>
        public static string Warning(RelayUplinkSettings uplink)
        {
            if (uplink == null || uplink.CaFile != null)
            {
                return null;
            }

            for (int i = 0; i < uplink.Uplink.Addresses.Count; i++)
            {
                if (((UplinkAddress)uplink.Uplink.Addresses[i]).Tls)
                {
                    return "Uplink " + uplink.Uplink.Name + ": mqtts:// without " + RelayUplinkSettings.CaFileKey + ": the device has no "
                        + "built-in root certificates and trusts only CAs stored in its own configuration (its certificate store), "
                        + "so the TLS handshake fails unless the upstream's CA was stored there. Put the CA certificate (PEM or DER) "
                        + "beside " + SettingsFile.FileName + " and set " + RelayUplinkSettings.CaFileKey + " (the emulator trusts this "
                        + "PC's roots and connects either way)";
                }
            }

            return null;
        }
    }
}
