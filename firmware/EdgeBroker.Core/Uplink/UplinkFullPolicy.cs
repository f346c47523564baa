namespace EdgeBroker.Core.Uplink
{
    /// <summary>What an uplink does with a new message when its queue is at its count or byte bound.</summary>
    public enum UplinkFullPolicy
    {
        /// <summary>Delete the oldest entries not yet sent until the new one fits (each counted as dropped and logged).
        /// Entries in flight stay (they are on their way, and the in-flight window stays a bound); when only they are
        /// left and the new one still does not fit, it is refused as under <see cref="RefuseNew"/>.</summary>
        DropOldest,

        /// <summary>Keep the queue as it is and refuse the new message: an MQTT 5 publisher gets PUBACK 0x97, an MQTT
        /// 3.1.1 publisher no acknowledgement, so it sends again.</summary>
        RefuseNew
    }
}
