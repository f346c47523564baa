using EdgeBroker.Core.Text;

namespace EdgeBroker.Firmware.Relay.Codec
{
    /// <summary>
    /// Turns MQTT UTF-8 fields into strings through one char buffer shared by every connection of a relay: a buffer of
    /// each connection's own would stay on the heap for every idle client, sized by the longest string it ever read.
    /// Strings are decoded at CONNECT, SUBSCRIBE and when a publisher changes topic, never per routed message, so the
    /// lock is seldom taken. The buffer grows to the longest string decoded. Thread-safe.
    /// </summary>
    public sealed class StringDecoder
    {
        const int InitialChars = 64;

        readonly object _sync = new object();
        char[] _chars = new char[InitialChars];

        /// <summary>The string in <paramref name="bytes"/>[offset, offset+length); a malformed one (see
        /// <see cref="Utf8.DecodeMqtt"/>) throws <see cref="MalformedPacketException"/>.</summary>
        public string Decode(byte[] bytes, int offset, int length)
        {
            lock (_sync)
            {
                if (_chars.Length < length)
                {
                    _chars = new char[length];
                }

                int count = Utf8.DecodeMqtt(bytes, offset, length, _chars);
                if (count < 0)
                {
                    throw new MalformedPacketException("a string is not well-formed UTF-8 or contains U+0000");
                }

                return new string(_chars, 0, count);
            }
        }
    }
}
