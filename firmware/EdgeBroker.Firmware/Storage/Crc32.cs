namespace EdgeBroker.Firmware.Storage
{
    /// <summary>
    /// CRC-32 (IEEE 802.3, the zip/PNG one) computed a nibble at a time: a 16-entry table (64 bytes) instead of the
    /// usual 256 entries (1 KB), which matters more on the device's heap than the speed does for entries this small.
    /// </summary>
    internal static class Crc32
    {
        /// <summary>The running value before the first byte.</summary>
        public const uint Start = 0xFFFFFFFF;

        static readonly uint[] Table =
        {
            0x00000000, 0x1DB71064, 0x3B6E20C8, 0x26D930AC, 0x76DC4190, 0x6B6B51F4, 0x4DB26158, 0x5005713C,
            0xEDB88320, 0xF00F9344, 0xD6D6A3E8, 0xCB61B38C, 0x9B64C2B0, 0x86D3D2D4, 0xA00AE278, 0xBDBDF21C,
        };

        /// <summary>Feeds <paramref name="count"/> bytes into a running value.</summary>
        public static uint Update(uint running, byte[] bytes, int offset, int count)
        {
            uint crc = running;
            int end = offset + count;
            for (int i = offset; i < end; i++)
            {
                crc ^= bytes[i];
                crc = (crc >> 4) ^ Table[crc & 0x0F];
                crc = (crc >> 4) ^ Table[crc & 0x0F];
            }

            return crc;
        }

        /// <summary>The checksum of everything fed into <paramref name="running"/>.</summary>
        public static uint Finish(uint running)
        {
            return ~running;
        }

        public static uint Of(byte[] bytes, int offset, int count)
        {
            return Finish(Update(Start, bytes, offset, count));
        }
    }
}
