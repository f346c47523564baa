using EdgeBroker.Firmware.Storage;

namespace EdgeBroker.Fuzz.Storage;

/// <summary>
/// Makes a mutated log's checksums right again: the header's CRC, then entry by entry (as far as the lengths in each
/// header lead) the header check and the trailing CRC-32, with the store's own <see cref="RecordFrame"/> layout and
/// <see cref="Crc32"/>. Without it nearly every mutation fails a checksum and recovery stops there; sealed, the
/// mutated kinds, lengths and fields reach the decoders of every log section.
/// </summary>
static class LogSealer
{
    /// <summary>Where <see cref="LogHeader"/> keeps the CRC-32 of the bytes before it.</summary>
    const int LogHeaderChecksumOffset = 14;
    const int EntryHeaderCheckOffset = 7;

    public static byte[] Seal(byte[] log)
    {
        var sealedLog = (byte[])log.Clone();
        if (sealedLog.Length < LogHeader.Size)
        {
            return sealedLog;
        }

        RecordBuffer.SetInt32(sealedLog, LogHeaderChecksumOffset, (int)Crc32.Of(sealedLog, 0, LogHeaderChecksumOffset));
        var header = new byte[RecordFrame.HeaderSize];
        int offset = LogHeader.Size;
        while (offset + RecordFrame.HeaderSize <= sealedLog.Length)
        {
            Array.Copy(sealedLog, offset, header, 0, EntryHeaderCheckOffset);
            int payloadLength = RecordFrame.PayloadLengthOf(header);
            if (payloadLength < 0)
            {
                return sealedLog;
            }

            RecordFrame.WriteHeader(header, RecordFrame.FieldsLengthOf(header), payloadLength);
            Array.Copy(header, 0, sealedLog, offset, RecordFrame.HeaderSize);
            long size = (long)RecordFrame.Overhead + RecordFrame.FieldsLengthOf(header) + payloadLength;
            if (offset + size > sealedLog.Length)
            {
                return sealedLog;
            }

            int trailer = offset + (int)size - RecordFrame.TrailerSize;
            RecordBuffer.SetInt32(sealedLog, trailer, (int)Crc32.Of(sealedLog, offset, trailer - offset));
            offset += (int)size;
        }

        return sealedLog;
    }
}
