namespace EdgeBroker.Firmware.Relay.Codec
{
    /// <summary>CONNACK return codes (MQTT 3.1.1 §3.2.2.3).</summary>
    public static class ConnectReturnCode
    {
        public const int Accepted = 0x00;
        public const int UnacceptableProtocolVersion = 0x01;
        public const int IdentifierRejected = 0x02;
        public const int ServerUnavailable = 0x03;
        public const int BadUserNameOrPassword = 0x04;
        public const int NotAuthorized = 0x05;
    }
}
