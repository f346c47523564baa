using EdgeBroker.Core.Text;

namespace EdgeBroker.Core.Security
{
    /// <summary>ApsaraMQ for MQTT's signature-mode password: Base64(HMAC-SHA1(key: SecretKey, data: ClientId)),
    /// both UTF-8, so the vendor's SDK samples connect unchanged.</summary>
    public static class ApsaraSignature
    {
        public static string PasswordFor(string secretKey, string clientId)
        {
            return System.Convert.ToBase64String(HmacSha1.Compute(Utf8.GetBytes(secretKey), Utf8.GetBytes(clientId)));
        }

        /// <summary>Whether <paramref name="password"/> is the signature of <paramref name="clientId"/>, compared in
        /// constant time.</summary>
        public static bool Verify(string secretKey, string clientId, byte[] password)
        {
            return ConstantTime.AreEqual(Utf8.GetBytes(PasswordFor(secretKey, clientId)), password);
        }
    }
}
