using EdgeBroker.Firmware.Relay.Codec;

namespace EdgeBroker.Firmware.Relay
{
    /// <summary>
    /// The topic a client last published to, as bytes and as a string: a sensor publishes to the same topic again and
    /// again, and recognising the bytes spares decoding and allocating the string on every message.
    /// </summary>
    public sealed class TopicCache
    {
        byte[] _bytes;
        int _length;
        string _topic;

        /// <summary>The topic in <paramref name="buffer"/>[offset, offset+length), decoded and checked by
        /// <paramref name="reader"/> unless it is the cached one.</summary>
        public string Resolve(byte[] buffer, int offset, int length, PacketReader reader)
        {
            if (_topic != null && length == _length && SameBytes(buffer, offset, length))
            {
                return _topic;
            }

            string topic = reader.DecodeString(buffer, offset, length);
            if (_bytes == null || _bytes.Length < length)
            {
                _bytes = new byte[length];
            }

            System.Array.Copy(buffer, offset, _bytes, 0, length);
            _length = length;
            _topic = topic;
            return topic;
        }

        bool SameBytes(byte[] buffer, int offset, int length)
        {
            for (int i = 0; i < length; i++)
            {
                if (_bytes[i] != buffer[offset + i])
                {
                    return false;
                }
            }

            return true;
        }
    }
}
