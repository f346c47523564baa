namespace EdgeBroker.Core.Security
{
    /// <summary>How a client proved who it is; chosen by the first field of its user name.</summary>
    public enum AuthMode
    {
        /// <summary>No user name, where anonymous access is allowed.</summary>
        Anonymous,

        /// <summary><c>Signature|{AccessKeyId}|{InstanceId}</c>, password Base64(HMAC-SHA1(SecretKey, ClientId)).</summary>
        Signature,

        /// <summary><c>Token|{AccessKeyId}|{InstanceId}</c>, password <c>R|t1|W|t2</c> or <c>RW|t</c>.</summary>
        Token,

        /// <summary><c>Device|{ClientId}</c>, password the secret issued at pairing.</summary>
        Device,

        /// <summary><c>Pair|{GroupId}</c> while a pairing window for the group is open: may only receive its
        /// credentials.</summary>
        Pairing,

        /// <summary>Any other user name, with its password, found in the <see cref="PasswordFile"/>.</summary>
        Password,
    }
}
