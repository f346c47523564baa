namespace EdgeBroker.Core.Security
{
    /// <summary>The CONNACK code for each <see cref="AuthOutcome"/>, in one place so both engines answer alike.</summary>
    public static class ConnackCodes
    {
        public const int Accepted = 0x00;
        public const int Mqtt311IdentifierRejected = 0x02;
        public const int Mqtt311ServerUnavailable = 0x03;
        public const int Mqtt311BadUserNameOrPassword = 0x04;
        public const int Mqtt311NotAuthorized = 0x05;
        public const int Mqtt5ClientIdentifierNotValid = 0x85;
        public const int Mqtt5BadUserNameOrPassword = 0x86;
        public const int Mqtt5NotAuthorized = 0x87;
        public const int Mqtt5ServerUnavailable = 0x88;
        public const int Mqtt5ConnectionRateExceeded = 0x9F;

        /// <summary>MQTT 3.1.1 CONNACK return code. 3.1.1 has no code for throttling; "not authorized" tells the
        /// client not to retry at once, where "server unavailable" (0x03) would invite it to — which is what a client
        /// refused only because the clock is not set yet should do.</summary>
        public static int ForMqtt311(AuthOutcome outcome)
        {
            switch (outcome)
            {
                case AuthOutcome.Accepted:
                    return Accepted;
                case AuthOutcome.BadCredentials:
                    return Mqtt311BadUserNameOrPassword;
                case AuthOutcome.ClientIdNotValid:
                    return Mqtt311IdentifierRejected;
                case AuthOutcome.ClockNotSet:
                    return Mqtt311ServerUnavailable;
                default:
                    return Mqtt311NotAuthorized;
            }
        }

        /// <summary>MQTT 5 CONNACK reason code.</summary>
        public static int ForMqtt5(AuthOutcome outcome)
        {
            switch (outcome)
            {
                case AuthOutcome.Accepted:
                    return Accepted;
                case AuthOutcome.BadCredentials:
                    return Mqtt5BadUserNameOrPassword;
                case AuthOutcome.Throttled:
                    return Mqtt5ConnectionRateExceeded;
                case AuthOutcome.ClientIdNotValid:
                    return Mqtt5ClientIdentifierNotValid;
                case AuthOutcome.ClockNotSet:
                    return Mqtt5ServerUnavailable;
                default:
                    return Mqtt5NotAuthorized;
            }
        }
    }
}
