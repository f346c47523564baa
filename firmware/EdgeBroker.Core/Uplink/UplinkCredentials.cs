using EdgeBroker.Core.Security;

namespace EdgeBroker.Core.Uplink
{
    /// <summary>
    /// The user name and password the gateway sends upstream for its <see cref="UplinkAuthMode"/> — one rule for both
    /// engines, matching what ApsaraMQ for MQTT (and an EdgeBroker upstream, which accepts the same modes) expects.
    /// </summary>
    public sealed class UplinkCredentials
    {
        UplinkCredentials(string userName, string password)
        {
            UserName = userName;
            Password = password;
        }

        /// <summary>Null when the mode sends none.</summary>
        public string UserName { get; private set; }

        /// <summary>A secret: never logged. Null when the mode sends none.</summary>
        public string Password { get; private set; }

        public static UplinkCredentials For(UplinkSettings settings)
        {
            return For(settings, settings.ClientId);
        }

        /// <summary>The credentials of the uplink's auth mode for a connection under <paramref name="clientId"/>: the
        /// gateway's own, or a proxy session's (<see cref="ProxySessions"/>) — Signature and DeviceCredential sign the
        /// client ID of the connection.</summary>
        public static UplinkCredentials For(UplinkSettings settings, string clientId)
        {
            switch (settings.AuthMode)
            {
                case UplinkAuthMode.UserPassword:
                    return new UplinkCredentials(settings.UserName, settings.Password);
                case UplinkAuthMode.Signature:
                    return new UplinkCredentials(
                        Apsara(CredentialUserName.SignatureMode, settings),
                        ApsaraSignature.PasswordFor(settings.AccessKeySecret, clientId));
                case UplinkAuthMode.Token:
                    return new UplinkCredentials(Apsara(CredentialUserName.TokenMode, settings), settings.Password);
                case UplinkAuthMode.DeviceCredential:
                    return new UplinkCredentials(
                        Apsara(DeviceCredentialMode, settings),
                        ApsaraSignature.PasswordFor(settings.AccessKeySecret, clientId));
                default:
                    return new UplinkCredentials(null, null);
            }
        }

        /// <summary>ApsaraMQ's user name prefix for the DeviceCredential mode.</summary>
        public const string DeviceCredentialMode = "DeviceCredential";

        static string Apsara(string mode, UplinkSettings settings)
        {
            return mode + "|" + settings.AccessKeyId + "|" + settings.InstanceId;
        }
    }
}
