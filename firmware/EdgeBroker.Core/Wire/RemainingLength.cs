namespace EdgeBroker.Core.Wire
{
    /// <summary>
    /// The remaining length of an MQTT fixed header (§2.2.3, "Variable Byte Integer" in MQTT 5 §1.5.5): seven bits per
    /// byte, least significant first, the top bit set on every byte but the last, at most four bytes. Encoded here once
    /// for every writer of packets: the relay's codec, the emulator's uplink client and the host's own PUBLISH encoding.
    /// </summary>
    public static class RemainingLength
    {
        /// <summary>Bytes needed to encode <paramref name="remainingLength"/>.</summary>
        public static int Size(int remainingLength)
        {
            if (remainingLength < 128)
            {
                return 1;
            }

            if (remainingLength < 16384)
            {
                return 2;
            }

            return remainingLength < 2097152 ? 3 : 4;
        }

        /// <summary>Writes <paramref name="remainingLength"/> at <paramref name="offset"/>; returns the bytes written
        /// (<see cref="Size"/>).</summary>
        public static int Write(byte[] buffer, int offset, int remainingLength)
        {
            int written = 0;
            do
            {
                int digit = remainingLength & 0x7F;
                remainingLength >>= 7;
                buffer[offset + written] = (byte)(remainingLength > 0 ? digit | 0x80 : digit);
                written++;
            }
            while (remainingLength > 0);

            return written;
        }
    }
}
