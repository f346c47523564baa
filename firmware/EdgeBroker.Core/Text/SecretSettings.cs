namespace EdgeBroker.Core.Text
{
    /// <summary>Which settings hold secrets, so a printed configuration (<c>config check</c>) masks them on both
    /// engines by one rule: any setting whose name mentions a password or a secret, and the device's
    /// <c>access_key.{id}</c> lines, whose value is the key's secret.</summary>
    public static class SecretSettings
    {
        public const string Mask = "********";

        /// <summary>The device's per-key lines, <c>access_key.{id} = {secret}</c> (their <c>.groups</c> lines are not
        /// secret).</summary>
        public const string AccessKeyPrefix = "access_key.";

        public static bool IsSecret(string name)
        {
            string lowered = name.ToLower();
            if (lowered.IndexOf("password") >= 0 || lowered.IndexOf("secret") >= 0)
            {
                return true;
            }

            return lowered.Length > AccessKeyPrefix.Length && lowered.Substring(0, AccessKeyPrefix.Length) == AccessKeyPrefix
                && lowered.IndexOf('.', AccessKeyPrefix.Length) < 0;
        }
    }
}
