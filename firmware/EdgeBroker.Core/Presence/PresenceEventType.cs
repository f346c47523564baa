namespace EdgeBroker.Core.Presence
{
    /// <summary>The kinds of presence event, spelled as they appear in the event's <c>eventType</c> and as the last
    /// level of its topic.</summary>
    public static class PresenceEventType
    {
        /// <summary>The connection's CONNECT was accepted.</summary>
        public const string Connect = "connect";

        /// <summary>The client sent DISCONNECT on the connection.</summary>
        public const string Disconnect = "disconnect";

        /// <summary>The TCP connection closed, for whatever reason (after DISCONNECT, network loss, keep-alive expiry,
        /// takeover by a newer connection, or the broker closing it).</summary>
        public const string TcpClean = "tcpclean";
    }
}
