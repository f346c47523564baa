namespace EdgeBroker.Firmware.Uplink
{
    /// <summary>Where and as whom an <see cref="IUplinkTransport"/> connects: one address of the uplink's failover list
    /// and the credentials the core worked out for it (the password is never logged).</summary>
    public sealed class UplinkConnectRequest
    {
        public string Host;
        public int Port;

        /// <summary>TLS (<c>mqtts://</c>): the upstream's certificate is checked against <see cref="CaCertificate"/> (or
        /// the platform's roots when null) and must name <see cref="Host"/>.</summary>
        public bool Tls;

        /// <summary>The CA certificate (PEM or DER) the upstream's certificate must chain to; null for the platform's.</summary>
        public byte[] CaCertificate;

        public string ClientId;

        /// <summary>Null to connect without credentials.</summary>
        public string UserName;
        public string Password;

        /// <summary>The keep-alive the CONNECT announces (0 turns it off); the transport pings within it.</summary>
        public int KeepAliveSeconds;

        /// <summary>The will's topic, or null for none: the will is <see cref="WillPayload"/> retained at QoS 0, which says
        /// the gateway's retained status there is offline (retained P2P routes, <see cref="Core.Uplink.Uplink.WillTopic"/>).</summary>
        public string WillTopic;

        /// <summary>The will's message (the core's <see cref="Core.Uplink.Uplink.WillPayload"/>, never empty); null
        /// without a will.</summary>
        public byte[] WillPayload;
    }
}
