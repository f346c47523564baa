namespace EdgeBroker.Core.Security
{
    /// <summary>Comparison of secrets whose duration does not depend on where they differ, so a client cannot
    /// guess a signature or a hash byte by byte from response times.</summary>
    public static class ConstantTime
    {
        /// <summary>True when both arrays hold the same bytes. Only the length may show in the timing, and the
        /// lengths compared here (digests, Base64 of digests) are public.</summary>
        public static bool AreEqual(byte[] expected, byte[] actual)
        {
            if (expected == null || actual == null || expected.Length != actual.Length)
            {
                return false;
            }

            int difference = 0;
            for (int i = 0; i < expected.Length; i++)
            {
                difference |= expected[i] ^ actual[i];
            }

            return difference == 0;
        }
    }
}
