namespace EdgeBroker.Firmware.Relay.Codec
{
    /// <summary>
    /// Reads the fields of one packet's variable header and payload (§1.5) from a receive buffer, checking every
    /// length against what is left so a lying length can never read past the packet. One per connection, reused for
    /// every packet: it allocates only the strings it returns (through the relay's shared <see cref="StringDecoder"/>).
    /// </summary>
    public sealed class PacketReader
    {
        readonly StringDecoder _strings;
        byte[] _buffer;
        int _position;
        int _end;

        public PacketReader(StringDecoder strings)
        {
            _strings = strings;
        }

        public byte[] Buffer
        {
            get { return _buffer; }
        }

        public int Position
        {
            get { return _position; }
        }

        public int Remaining
        {
            get { return _end - _position; }
        }

        public void Reset(byte[] buffer, int offset, int length)
        {
            _buffer = buffer;
            _position = offset;
            _end = offset + length;
        }

        public int ReadByte()
        {
            Require(1);
            return _buffer[_position++];
        }

        public int ReadUInt16()
        {
            Require(2);
            int value = (_buffer[_position] << 8) | _buffer[_position + 1];
            _position += 2;
            return value;
        }

        /// <summary>A non-zero packet identifier ([MQTT-2.3.1-1]).</summary>
        public int ReadPacketId()
        {
            int id = ReadUInt16();
            if (id == 0)
            {
                throw new MalformedPacketException("packet identifier 0");
            }

            return id;
        }

        /// <summary>A length-prefixed MQTT UTF-8 string.</summary>
        public string ReadString()
        {
            int length = ReadUInt16();
            Require(length);
            string value = DecodeString(_buffer, _position, length);
            _position += length;
            return value;
        }

        /// <summary>Skips a length-prefixed field and returns where its bytes start; its length is <paramref name="length"/>.</summary>
        public int ReadField(out int length)
        {
            length = ReadUInt16();
            Require(length);
            int start = _position;
            _position += length;
            return start;
        }

        /// <summary>A length-prefixed binary field, copied out of the receive buffer.</summary>
        public byte[] ReadBinary()
        {
            int length;
            int start = ReadField(out length);
            byte[] copy = new byte[length];
            System.Array.Copy(_buffer, start, copy, 0, length);
            return copy;
        }

        /// <summary>Decodes MQTT UTF-8 bytes of this packet (for fields located with <see cref="ReadField"/>).</summary>
        public string DecodeString(byte[] bytes, int offset, int length)
        {
            return _strings.Decode(bytes, offset, length);
        }

        /// <summary>Everything the packet declared has been read ([MQTT-1.5.x] lengths must add up).</summary>
        public void ExpectEnd()
        {
            if (_position != _end)
            {
                throw new MalformedPacketException((_end - _position) + " unexpected bytes at the end of the packet");
            }
        }

        void Require(int count)
        {
            if (count > _end - _position)
            {
                throw new MalformedPacketException("packet shorter than its fields say");
            }
        }
    }
}
