namespace EdgeBroker.Core.Uplink
{
    /// <summary>Where an uplink's connection stands (see <see cref="Uplink"/> for the transitions).</summary>
    public enum UplinkState
    {
        /// <summary>Not connected and nothing scheduled yet: the engine may connect now.</summary>
        Disconnected,

        Connecting,

        Connected,

        /// <summary>Waiting out the backoff after a failed attempt or a lost connection.</summary>
        BackingOff
    }
}
