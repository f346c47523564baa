namespace EdgeBroker.Core.Security
{
    /// <summary>Lower-case hexadecimal, for keys derived from hashes (store keys, log-safe token IDs).</summary>
    public static class Hex
    {
        const string Digits = "0123456789abcdef";

        public static string Of(byte[] bytes)
        {
            char[] chars = new char[bytes.Length * 2];
            for (int i = 0; i < bytes.Length; i++)
            {
                chars[i * 2] = Digits[bytes[i] >> 4];
                chars[i * 2 + 1] = Digits[bytes[i] & 0x0F];
            }

            return new string(chars);
        }
    }
}
