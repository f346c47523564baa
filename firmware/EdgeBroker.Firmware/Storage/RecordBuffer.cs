using EdgeBroker.Core.Text;

namespace EdgeBroker.Firmware.Storage
{
    /// <summary>
    /// The one reusable byte buffer an entry's frame header and fields are built in (writing) or read into (reading),
    /// with little-endian field accessors. It starts small and grows only when an entry's fields need more (an
    /// unusually long topic), so the steady state allocates nothing.
    /// </summary>
    internal sealed class RecordBuffer
    {
        /// <summary>Written in place of a string's length for a null string.</summary>
        const int NullString = 0xFFFF;

        byte[] _bytes;
        char[] _chars;
        int _length;
        int _position;

        public RecordBuffer(int capacity)
        {
            _bytes = new byte[capacity];
            _chars = new char[32];
        }

        public byte[] Bytes
        {
            get { return _bytes; }
        }

        /// <summary>Bytes in use, from the start of the buffer.</summary>
        public int Length
        {
            get { return _length; }
        }

        public int Capacity
        {
            get { return _bytes.Length; }
        }

        /// <summary>Starts over with <paramref name="length"/> bytes in use (room the caller fills itself) and the
        /// field cursor after them.</summary>
        public void Reset(int length)
        {
            EnsureCapacity(length);
            _length = length;
            _position = length;
        }

        /// <summary>Puts the field cursor at <paramref name="position"/> (after reading an entry into the buffer).</summary>
        public void MoveTo(int position)
        {
            _position = position;
        }

        public void EnsureCapacity(int capacity)
        {
            if (capacity <= _bytes.Length)
            {
                return;
            }

            int grown = _bytes.Length * 2;
            byte[] bytes = new byte[grown > capacity ? grown : capacity];
            System.Array.Copy(_bytes, 0, bytes, 0, _length);
            _bytes = bytes;
        }

        // Writing: each Put appends at the end.

        public void PutByte(int value)
        {
            EnsureCapacity(_length + 1);
            _bytes[_length++] = (byte)value;
        }

        public void PutUInt16(int value)
        {
            EnsureCapacity(_length + 2);
            SetUInt16(_bytes, _length, value);
            _length += 2;
        }

        public void PutInt32(int value)
        {
            EnsureCapacity(_length + 4);
            SetInt32(_bytes, _length, value);
            _length += 4;
        }

        public void PutInt64(long value)
        {
            EnsureCapacity(_length + 8);
            SetInt32(_bytes, _length, (int)value);
            SetInt32(_bytes, _length + 4, (int)(value >> 32));
            _length += 8;
        }

        /// <summary>A UTF-8 string behind its 16-bit byte length; null is kept apart from "".</summary>
        public void PutString(string value)
        {
            if (value == null)
            {
                PutUInt16(NullString);
                return;
            }

            int count = Utf8.EncodedLength(value);
            if (count >= NullString)
            {
                throw new FlashStoreException("A string of " + count + " UTF-8 bytes is too long for a log entry (at most "
                    + (NullString - 1) + ").");
            }

            EnsureCapacity(_length + 2 + count);
            PutUInt16(count);
            _length += Utf8.Encode(value, _bytes, _length);
        }

        /// <summary>Bytes behind their 16-bit length.</summary>
        public void PutBytes(byte[] value)
        {
            if (value.Length >= NullString)
            {
                throw new FlashStoreException("A field of " + value.Length + " bytes is too long for a log entry.");
            }

            EnsureCapacity(_length + 2 + value.Length);
            PutUInt16(value.Length);
            System.Array.Copy(value, 0, _bytes, _length, value.Length);
            _length += value.Length;
        }

        // Reading: each Get consumes from the cursor; running past the entry's end is a damaged entry.

        public int GetByte()
        {
            Need(1);
            return _bytes[_position++];
        }

        public int GetUInt16()
        {
            Need(2);
            int value = GetUInt16(_bytes, _position);
            _position += 2;
            return value;
        }

        public int GetInt32()
        {
            Need(4);
            int value = GetInt32(_bytes, _position);
            _position += 4;
            return value;
        }

        public long GetInt64()
        {
            Need(8);
            long low = (uint)GetInt32(_bytes, _position);
            long high = GetInt32(_bytes, _position + 4);
            _position += 8;
            return (high << 32) | low;
        }

        public string GetString()
        {
            int count = GetUInt16();
            if (count == NullString)
            {
                return null;
            }

            Need(count);
            if (_chars.Length < count)
            {
                _chars = new char[count];
            }

            int chars = Utf8.Decode(_bytes, _position, count, _chars);
            if (chars < 0)
            {
                throw new FlashStoreException("An entry's string is not well-formed UTF-8.");
            }

            _position += count;
            return new string(_chars, 0, chars);
        }

        public byte[] GetBytes()
        {
            int count = GetUInt16();
            Need(count);
            byte[] value = new byte[count];
            System.Array.Copy(_bytes, _position, value, 0, count);
            _position += count;
            return value;
        }

        /// <summary>Steps over a string without building it; returns its length in chars (0 for null).</summary>
        public int SkipString()
        {
            int count = GetUInt16();
            if (count == NullString)
            {
                return 0;
            }

            Need(count);
            int chars = Utf8.CharCount(_bytes, _position, count);
            _position += count;
            return chars;
        }

        public static void SetUInt16(byte[] bytes, int offset, int value)
        {
            bytes[offset] = (byte)value;
            bytes[offset + 1] = (byte)(value >> 8);
        }

        public static void SetInt32(byte[] bytes, int offset, int value)
        {
            bytes[offset] = (byte)value;
            bytes[offset + 1] = (byte)(value >> 8);
            bytes[offset + 2] = (byte)(value >> 16);
            bytes[offset + 3] = (byte)(value >> 24);
        }

        public static int GetUInt16(byte[] bytes, int offset)
        {
            return bytes[offset] | (bytes[offset + 1] << 8);
        }

        public static int GetInt32(byte[] bytes, int offset)
        {
            return bytes[offset] | (bytes[offset + 1] << 8) | (bytes[offset + 2] << 16) | (bytes[offset + 3] << 24);
        }

        void Need(int count)
        {
            if (_position + count > _length)
            {
                throw new FlashStoreException("An entry's fields end before what its type requires.");
            }
        }
    }
}
