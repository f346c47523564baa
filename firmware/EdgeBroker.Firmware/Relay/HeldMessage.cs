namespace EdgeBroker.Firmware.Relay
{
    /// <summary>
    /// What the device's heap holds for a message the relay keeps — a retained message (<see cref="RetainedFootprint"/>),
    /// a client's will (the core's <c>BrokerCore.WillExtraBytes</c>) — beside the topic's characters and the payload's
    /// bytes the core counts of it.
    /// </summary>
    public static class HeldMessage
    {
        /// <summary>
        /// From nanoFramework's heap layout (12-byte blocks; an object is one block per field plus one): the
        /// <c>RoutedMessage</c> (16 fields, 204 bytes), the payload array's header and rounding (up to 31) and the topic
        /// string's header, terminator and rounding (up to 24) — 259, rounded up. A message's MQTT 5 properties cost it
        /// nothing here: the host's count travels in its own properties object (<c>IEngineProperties</c>), not in a
        /// field. The client ID a will names is its session's own string.
        /// </summary>
        public const int ObjectBytes = 260;
    }
}
