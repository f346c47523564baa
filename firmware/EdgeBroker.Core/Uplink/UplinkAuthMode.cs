namespace EdgeBroker.Core.Uplink
{
    /// <summary>How the gateway authenticates to its upstream broker (see <see cref="UplinkCredentials"/>).</summary>
    public enum UplinkAuthMode
    {
        None,

        /// <summary>A plain user name and password.</summary>
        UserPassword,

        /// <summary>ApsaraMQ Signature mode: user name <c>Signature|AccessKeyId|InstanceId</c>, password
        /// Base64(HMAC-SHA1(AccessKeySecret, clientId)).</summary>
        Signature,

        /// <summary>ApsaraMQ Token mode: user name <c>Token|AccessKeyId|InstanceId</c>, password the token text as
        /// issued (<c>R|token</c>, <c>W|token</c> or both joined by <c>|</c>).</summary>
        Token,

        /// <summary>ApsaraMQ DeviceCredential mode: user name <c>DeviceCredential|DeviceAccessKeyId|InstanceId</c>,
        /// password Base64(HMAC-SHA1(DeviceAccessKeySecret, clientId)).</summary>
        DeviceCredential
    }
}
