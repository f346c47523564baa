namespace EdgeBroker.Core.Security
{
    /// <summary>
    /// Splits a CONNECT user name into its mode and fields: <c>Signature|{AccessKeyId}|{InstanceId}</c>,
    /// <c>Token|{AccessKeyId}|{InstanceId}</c>, <c>Device|{ClientId}</c>, <c>Pair|{GroupId}</c>. The last field
    /// of Device and Pair is the whole rest, since client IDs may contain <c>|</c>.
    /// </summary>
    public sealed class CredentialUserName
    {
        public const string SignatureMode = "Signature";
        public const string TokenMode = "Token";
        public const string DeviceMode = "Device";
        public const string PairMode = "Pair";

        CredentialUserName(string mode, string first, string second)
        {
            Mode = mode;
            First = first;
            Second = second;
        }

        /// <summary>The mode word; null when the user name has no <c>|</c>.</summary>
        public string Mode { get; private set; }

        /// <summary>Access key ID, device client ID or group ID.</summary>
        public string First { get; private set; }

        /// <summary>Instance ID in signature and token mode; null otherwise.</summary>
        public string Second { get; private set; }

        /// <summary>Parsed fields, or null when the user name is not one of the forms above.</summary>
        public static CredentialUserName Parse(string userName)
        {
            int bar = userName.IndexOf('|');
            if (bar <= 0)
            {
                return null;
            }

            string mode = userName.Substring(0, bar);
            string rest = userName.Substring(bar + 1, userName.Length - bar - 1);
            if (mode == DeviceMode || mode == PairMode)
            {
                return rest.Length == 0 ? null : new CredentialUserName(mode, rest, null);
            }

            if (mode != SignatureMode && mode != TokenMode)
            {
                return null;
            }

            int second = rest.IndexOf('|');
            if (second <= 0 || second == rest.Length - 1 || rest.IndexOf('|', second + 1) >= 0)
            {
                return null;
            }

            return new CredentialUserName(mode, rest.Substring(0, second), rest.Substring(second + 1, rest.Length - second - 1));
        }
    }
}
