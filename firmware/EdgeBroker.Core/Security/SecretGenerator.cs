namespace EdgeBroker.Core.Security
{
    /// <summary>Makes the secrets the broker hands out: printable, free of the <c>|</c> that separates fields in
    /// user names and token passwords, and free of characters JSON would have to escape.</summary>
    public sealed class SecretGenerator
    {
        /// <summary>18 random bytes: 144 bits, exactly 24 Base64 characters without padding.</summary>
        public const int SecretBytes = 18;

        readonly IRandomSource _random;

        public SecretGenerator(IRandomSource random)
        {
            _random = random;
        }

        public string NewSecret()
        {
            return System.Convert.ToBase64String(NewBytes(SecretBytes));
        }

        public byte[] NewSalt()
        {
            return NewBytes(SecretHasher.SaltLength);
        }

        byte[] NewBytes(int count)
        {
            byte[] bytes = new byte[count];
            _random.Fill(bytes);
            return bytes;
        }
    }
}
