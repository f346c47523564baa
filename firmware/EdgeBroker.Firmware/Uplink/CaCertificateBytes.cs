using System;

namespace EdgeBroker.Firmware.Uplink
{
    /// <summary>
    /// The bytes of an <c>uplink_ca_file</c> as nanoFramework's <c>X509Certificate(byte[])</c> must get them. Its native
    /// parser (mbedTLS) reads PEM as a C string and refuses one without its terminating NUL; the byte[] constructor passes
    /// the bytes on unchanged (only the string constructor appends the NUL), and M2Mqtt's <c>MqttClient.Init</c> uses the
    /// byte[] one. So a PEM file gets a 0 appended; DER, whose length is in its own header, is passed as it is.
    /// </summary>
    public static class CaCertificateBytes
    {
        const string PemStart = "-----BEGIN";

        /// <summary><paramref name="file"/>, NUL-terminated when it is PEM (<c>-----BEGIN</c> after an optional UTF-8 BOM
        /// and whitespace) and not terminated yet; null stays null.</summary>
        public static byte[] ForNativeParser(byte[] file)
        {
            if (file == null || !IsPem(file) || file[file.Length - 1] == 0)
            {
                return file;
            }

            byte[] terminated = new byte[file.Length + 1];
            Array.Copy(file, 0, terminated, 0, file.Length);
            return terminated;
        }

        /// <summary>Whether <paramref name="file"/> starts with <c>-----BEGIN</c> after an optional UTF-8 BOM and
        /// whitespace.</summary>
        public static bool IsPem(byte[] file)
        {
            int at = file.Length >= 3 && file[0] == 0xEF && file[1] == 0xBB && file[2] == 0xBF ? 3 : 0;
            while (at < file.Length && (file[at] == ' ' || file[at] == '\t' || file[at] == '\r' || file[at] == '\n'))
            {
                at++;
            }

            if (file.Length - at < PemStart.Length)
            {
                return false;
            }

            for (int i = 0; i < PemStart.Length; i++)
            {
                if (file[at + i] != PemStart[i])
                {
                    return false;
                }
            }

            return true;
        }
    }
}
