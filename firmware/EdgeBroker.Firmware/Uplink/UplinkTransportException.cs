using System;

namespace EdgeBroker.Firmware.Uplink
{
    /// <summary>An <see cref="IUplinkTransport"/> could not reach the upstream or lost the connection; the message says
    /// why (never with credentials).</summary>
    public sealed class UplinkTransportException : Exception
    {
        public UplinkTransportException(string message)
            : base(message)
        {
        }

        public UplinkTransportException(string message, Exception innerException)
            : base(message, innerException)
        {
        }
    }
}
