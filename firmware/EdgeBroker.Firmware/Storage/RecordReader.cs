namespace EdgeBroker.Firmware.Storage
{
    /// <summary>
    /// Reads one entry (see <see cref="RecordFrame"/>) at a time and checks it: first its header and fields
    /// (<see cref="ReadHead"/>), then its payload and CRC (<see cref="ReadBody"/>), so that a caller can skip the payload
    /// or read it straight into the array it keeps. Says what is wrong with an entry and leaves it to the caller to
    /// decide what that means (a torn end of the log, or damage).
    /// </summary>
    internal sealed class RecordReader
    {
        /// <summary>The entry is whole so far.</summary>
        public const int Complete = 0;

        /// <summary>The file ends inside the entry (its header, or the length its valid header announces).</summary>
        public const int Truncated = 1;

        /// <summary>The header fails its check: its lengths cannot be trusted.</summary>
        public const int BadHeader = 2;

        readonly RecordBuffer _fields;
        readonly byte[] _chunk;
        LogFile _file;
        int _offset;
        uint _crc;

        public RecordReader(RecordBuffer fields, byte[] chunk)
        {
            _fields = fields;
            _chunk = chunk;
        }

        /// <summary>The fields of the entry read last, with the cursor at the first field.</summary>
        public RecordBuffer Fields
        {
            get { return _fields; }
        }

        public RecordKind Kind { get; private set; }

        public int PayloadLength { get; private set; }

        /// <summary>The entry's size in the file.</summary>
        public int Size { get; private set; }

        public int ReadHead(LogFile file, int offset)
        {
            _file = file;
            _offset = offset;
            int remaining = file.Length - offset;
            if (remaining < RecordFrame.HeaderSize)
            {
                return Truncated;
            }

            _fields.Reset(RecordFrame.HeaderSize);
            byte[] header = _fields.Bytes;
            file.ReadAt(offset, header, 0, RecordFrame.HeaderSize);
            if (!RecordFrame.HasValidHeader(header))
            {
                return BadHeader;
            }

            Kind = (RecordKind)RecordFrame.KindOf(header);
            PayloadLength = RecordFrame.PayloadLengthOf(header);
            int fieldsLength = RecordFrame.FieldsLengthOf(header);
            if (PayloadLength > remaining || RecordFrame.Overhead + fieldsLength + PayloadLength > remaining)
            {
                return Truncated;
            }

            Size = RecordFrame.Overhead + fieldsLength + PayloadLength;
            _fields.Reset(RecordFrame.HeaderSize + fieldsLength);
            file.ReadAt(offset + RecordFrame.HeaderSize, _fields.Bytes, RecordFrame.HeaderSize, fieldsLength);
            _crc = Crc32.Update(Crc32.Start, _fields.Bytes, 0, RecordFrame.HeaderSize + fieldsLength);
            _fields.MoveTo(RecordFrame.HeaderSize);
            return Complete;
        }

        /// <summary>Reads the payload of the entry whose head was read last into <paramref name="payload"/> (null: only
        /// checks it) and returns whether the entry's CRC matches.</summary>
        public bool ReadBody(byte[] payload)
        {
            int position = _offset + _fields.Length;
            if (payload != null)
            {
                _file.ReadAt(position, payload, 0, PayloadLength);
                _crc = Crc32.Update(_crc, payload, 0, PayloadLength);
                position += PayloadLength;
            }
            else
            {
                int end = position + PayloadLength;
                while (position < end)
                {
                    int count = end - position < _chunk.Length ? end - position : _chunk.Length;
                    _file.ReadAt(position, _chunk, 0, count);
                    _crc = Crc32.Update(_crc, _chunk, 0, count);
                    position += count;
                }
            }

            _file.ReadAt(position, _chunk, 0, RecordFrame.TrailerSize);
            return (uint)RecordBuffer.GetInt32(_chunk, 0) == Crc32.Finish(_crc);
        }
    }
}
