namespace EdgeBroker.Core.Routing
{
    /// <summary>
    /// What an engine attaches to a message for its protocol's extras — the host's MQTT 5 properties —, carried by
    /// <see cref="RoutedMessage.EngineProperties"/> and <see cref="Uplink.UplinkEntry.EngineProperties"/>. The core never
    /// looks inside; it only asks what they count against the bounds (<see cref="MessageFootprint"/>). Asked of the
    /// engine's own object rather than kept on every message, so a message without properties — every message on the
    /// device, every MQTT 3.1.1 message — pays nothing for them (a field on each message took 12 bytes of the device's heap).
    /// </summary>
    public interface IEngineProperties
    {
        /// <summary>What the properties hold, as <see cref="MessageFootprint.OfProperties"/> estimates it; fixed once
        /// attached, so every bound counts a message alike as it is kept and as it is let go (a copy read back from a
        /// store carries what was counted when it was kept).</summary>
        int FootprintBytes { get; }
    }
}
