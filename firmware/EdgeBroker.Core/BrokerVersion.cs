namespace EdgeBroker.Core
{
    /// <summary>The release both engines report (<c>$SYS/broker/version</c>, <c>--version</c>, <c>/metrics</c>): one
    /// number for the host and the device, because they are built from the same core.</summary>
    public static class BrokerVersion
    {
        public const string Number = "0.1.0";

        /// <summary>As <c>$SYS/broker/version</c> carries it, in mosquitto's "name version N" form.</summary>
        public const string Text = "edgebroker version " + Number;
    }
}
