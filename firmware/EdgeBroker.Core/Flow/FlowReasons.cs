namespace EdgeBroker.Core.Flow
{
    /// <summary>The MQTT 5 DISCONNECT reason codes of flow control and topic aliases, which the core decides and the
    /// engines send.</summary>
    public static class FlowReasons
    {
        /// <summary>A topic alias could be resolved (or none was used).</summary>
        public const int Accepted = 0;

        /// <summary>Protocol error: an alias the client has not defined, used without a topic.</summary>
        public const int ProtocolError = 0x82;

        /// <summary>Receive Maximum exceeded.</summary>
        public const int ReceiveMaximumExceeded = 0x93;

        /// <summary>Topic Alias invalid: 0, or above the Topic Alias Maximum the broker announced.</summary>
        public const int TopicAliasInvalid = 0x94;
    }
}
