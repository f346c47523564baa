namespace EdgeBroker.Firmware.Storage
{
    /// <summary>
    /// How an entry sits in the log (little-endian):
    /// <c>kind u8 | fields length u16 | payload length u32 | header check u16 | fields | payload | CRC-32 u32</c>.
    /// The header check (low 16 bits of the CRC-32 of the 7 bytes before it) lets recovery trust an entry's lengths
    /// before it reads that far, so a damaged length is never mistaken for an entry torn off at the end of the file;
    /// the trailing CRC-32 covers everything before it.
    /// </summary>
    internal static class RecordFrame
    {
        public const int HeaderSize = 9;
        public const int TrailerSize = 4;

        /// <summary>Bytes an entry adds to its fields and payload.</summary>
        public const int Overhead = HeaderSize + TrailerSize;

        public const int MaxFieldsLength = 0xFFFF;

        const int FieldsLengthOffset = 1;
        const int PayloadLengthOffset = 3;
        const int HeaderCheckOffset = 7;

        /// <summary>Completes the header in <paramref name="bytes"/>, whose first byte already holds the kind.</summary>
        public static void WriteHeader(byte[] bytes, int fieldsLength, int payloadLength)
        {
            RecordBuffer.SetUInt16(bytes, FieldsLengthOffset, fieldsLength);
            RecordBuffer.SetInt32(bytes, PayloadLengthOffset, payloadLength);
            RecordBuffer.SetUInt16(bytes, HeaderCheckOffset, HeaderCheck(bytes));
        }

        public static bool HasValidHeader(byte[] bytes)
        {
            return RecordBuffer.GetUInt16(bytes, HeaderCheckOffset) == HeaderCheck(bytes) && PayloadLengthOf(bytes) >= 0;
        }

        public static int KindOf(byte[] bytes)
        {
            return bytes[0];
        }

        public static int FieldsLengthOf(byte[] bytes)
        {
            return RecordBuffer.GetUInt16(bytes, FieldsLengthOffset);
        }

        public static int PayloadLengthOf(byte[] bytes)
        {
            return RecordBuffer.GetInt32(bytes, PayloadLengthOffset);
        }

        /// <summary>The whole entry's size in the file, from a valid header.</summary>
        public static int SizeOf(byte[] bytes)
        {
            return Overhead + FieldsLengthOf(bytes) + PayloadLengthOf(bytes);
        }

        static int HeaderCheck(byte[] bytes)
        {
            return (int)(Crc32.Of(bytes, 0, HeaderCheckOffset) & 0xFFFF);
        }
    }
}
