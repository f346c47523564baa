namespace EdgeBroker.Core.Uplink
{
    /// <summary>What an uplink did with a local PUBLISH offered to it.</summary>
    public enum UplinkOfferOutcome
    {
        /// <summary>No forward rule matches, or the message came down from this uplink.</summary>
        NotForwarded,

        /// <summary>Durably queued: the publisher may be acknowledged.</summary>
        Queued,

        /// <summary>The queue is full under <see cref="UplinkFullPolicy.RefuseNew"/>, or under
        /// <see cref="UplinkFullPolicy.DropOldest"/> with nothing left to drop but entries in flight (MQTT 5: PUBACK
        /// 0x97).</summary>
        Full,

        /// <summary>The store could not write: the publisher must not be acknowledged.</summary>
        StoreFailed
    }
}
