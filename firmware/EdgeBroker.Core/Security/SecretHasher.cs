namespace EdgeBroker.Core.Security
{
    /// <summary>
    /// Device secrets are kept only as salted hashes, so a copy of the store does not let anyone connect. A fast
    /// HMAC is enough: the secrets are random and 144 bits long, so there is nothing for a slow password hash to
    /// protect against dictionary guessing. (Tokens are hashed without salt, see <see cref="TokenRegistry.HashOf"/>:
    /// they must be found by value.)
    /// </summary>
    public static class SecretHasher
    {
        public const int SaltLength = 16;

        /// <summary>HMAC-SHA1 keyed with the salt over the secret's bytes.</summary>
        public static byte[] Hash(byte[] salt, byte[] secret)
        {
            return HmacSha1.Compute(salt, secret);
        }

        public static bool Verify(byte[] salt, byte[] expectedHash, byte[] presentedSecret)
        {
            if (presentedSecret == null)
            {
                return false;
            }

            return ConstantTime.AreEqual(expectedHash, Hash(salt, presentedSecret));
        }
    }
}
