using System;

namespace EdgeBroker.Firmware.Relay.Codec
{
    /// <summary>
    /// The client sent something MQTT 3.1.1 does not allow: a malformed packet, a packet that is too large, or a
    /// protocol violation. The only answer the specification allows is to close that client's connection (§4.8); the
    /// relay does so and every other client carries on.
    /// </summary>
    public sealed class MalformedPacketException : Exception
    {
        public MalformedPacketException(string reason)
            : base(reason)
        {
        }
    }
}
