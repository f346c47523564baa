namespace EdgeBroker.Firmware.Storage
{
    /// <summary>
    /// Builds entries (see <see cref="RecordFrame"/>) in its buffer and appends them to a log file. An entry that fits
    /// the buffer goes to the file in one write (nanoFramework writes every call through to flash); a larger payload is
    /// written from the caller's array rather than copied.
    /// </summary>
    internal sealed class RecordWriter
    {
        readonly RecordBuffer _buffer;

        public RecordWriter(RecordBuffer buffer)
        {
            _buffer = buffer;
        }

        /// <summary>Starts an entry of <paramref name="kind"/>; the caller appends its fields to the returned buffer.</summary>
        public RecordBuffer Begin(RecordKind kind)
        {
            _buffer.Reset(RecordFrame.HeaderSize);
            _buffer.Bytes[0] = (byte)kind;
            return _buffer;
        }

        /// <summary>Bytes the entry begun last takes in the file with a payload of <paramref name="payloadLength"/>.</summary>
        public int SizeWith(int payloadLength)
        {
            return _buffer.Length + payloadLength + RecordFrame.TrailerSize;
        }

        /// <summary>Appends the entry begun last (the caller flushes).</summary>
        public void Append(LogFile file, byte[] payload, int payloadOffset, int payloadLength)
        {
            int headAndFields = _buffer.Length;
            int fieldsLength = headAndFields - RecordFrame.HeaderSize;
            if (fieldsLength > RecordFrame.MaxFieldsLength)
            {
                throw new FlashStoreException("An entry's fields take " + fieldsLength + " bytes; a log entry holds at most "
                    + RecordFrame.MaxFieldsLength + ".");
            }

            byte[] bytes = _buffer.Bytes;
            RecordFrame.WriteHeader(bytes, fieldsLength, payloadLength);
            uint crc = Crc32.Update(Crc32.Start, bytes, 0, headAndFields);
            if (payloadLength > 0)
            {
                crc = Crc32.Update(crc, payload, payloadOffset, payloadLength);
            }

            int total = headAndFields + payloadLength + RecordFrame.TrailerSize;
            if (total <= _buffer.Capacity)
            {
                if (payloadLength > 0)
                {
                    System.Array.Copy(payload, payloadOffset, bytes, headAndFields, payloadLength);
                }

                RecordBuffer.SetInt32(bytes, headAndFields + payloadLength, (int)Crc32.Finish(crc));
                file.Append(bytes, 0, total);
                return;
            }

            file.Append(bytes, 0, headAndFields);
            file.Append(payload, payloadOffset, payloadLength);
            RecordBuffer.SetInt32(bytes, 0, (int)Crc32.Finish(crc));
            file.Append(bytes, 0, RecordFrame.TrailerSize);
        }
    }
}
