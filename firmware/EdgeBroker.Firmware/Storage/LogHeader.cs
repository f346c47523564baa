namespace EdgeBroker.Firmware.Storage
{
    /// <summary>
    /// The first <see cref="Size"/> bytes of a log: "EBLG", the format version (16 bits), the highest message id ever
    /// issued (64 bits, so ids keep increasing after a compaction dropped every message) and a CRC-32 of those 14 bytes.
    /// Written once, when a log file is made; a file without a valid header is not a log this build may touch.
    /// </summary>
    internal static class LogHeader
    {
        public const int Size = 18;

        /// <summary>The format this build writes and the newest it reads. 2 added retained messages and paired devices,
        /// 3 the uplink queue, 4 the P2P flag and hop count of an uplink entry (any entry kind or field a store adds later
        /// bumps it again), so an older build refuses the log as newer rather than as damaged or misread.</summary>
        public const int FormatVersion = 4;

        const int VersionOffset = 4;
        const int LastIdOffset = 6;
        const int ChecksumOffset = 14;

        static readonly byte[] Magic = { (byte)'E', (byte)'B', (byte)'L', (byte)'G' };

        public static void Write(LogFile file, RecordBuffer buffer, long lastIssuedId)
        {
            buffer.Reset(0);
            for (int i = 0; i < Magic.Length; i++)
            {
                buffer.PutByte(Magic[i]);
            }

            buffer.PutUInt16(FormatVersion);
            buffer.PutInt64(lastIssuedId);
            buffer.PutInt32((int)Crc32.Of(buffer.Bytes, 0, ChecksumOffset));
            file.Append(buffer.Bytes, 0, Size);
        }

        /// <summary>Checks the header of <paramref name="file"/> and returns the last issued id it holds.</summary>
        public static long Read(LogFile file, RecordBuffer buffer, out int version)
        {
            buffer.Reset(Size);
            int read = file.ReadAt(0, buffer.Bytes, 0, Size);
            byte[] bytes = buffer.Bytes;
            bool magic = read == Size;
            for (int i = 0; magic && i < Magic.Length; i++)
            {
                magic = bytes[i] == Magic[i];
            }

            if (!magic || (uint)RecordBuffer.GetInt32(bytes, ChecksumOffset) != Crc32.Of(bytes, 0, ChecksumOffset))
            {
                throw FlashStoreException.Damaged(file.Path, "it does not start with a valid EdgeBroker log header");
            }

            version = RecordBuffer.GetUInt16(bytes, VersionOffset);
            if (version > FormatVersion)
            {
                throw new FlashStoreException(file.Path + " was written by a newer EdgeBroker (log format " + version
                    + "; this one reads up to " + FormatVersion + "). Run the newer version, or move the file away to start "
                    + "with an empty store.");
            }

            buffer.MoveTo(LastIdOffset);
            return buffer.GetInt64();
        }
    }
}
