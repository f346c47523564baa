using EdgeBroker.Core.Text;

namespace EdgeBroker.Core.Security
{
    /// <summary>
    /// A message the broker sends one Token-mode client on its own connection, whether or not it subscribed, as
    /// ApsaraMQ for MQTT does ("client-related operations in token-based authentication",
    /// https://help.aliyun.com/document_detail/175738.htm): <c>$SYS/tokenExpireNotice</c>
    /// <c>{"expireTime":1732353600000,"type":"RW"}</c> once, <see cref="ExpiryNoticeLeadMs"/> before a token runs out,
    /// and <c>$SYS/tokenInvalidNotice</c> <c>{"code":2,"type":"RW"}</c> right before the connection is closed for an
    /// invalid token. <c>type</c> is the kind of token concerned: <c>R</c>, <c>W</c> or <c>RW</c>.
    /// </summary>
    public sealed class TokenNotice
    {
        /// <summary>Where a Token-mode client publishes <c>{"token":"…","type":"R|W|RW"}</c> to replace its token on
        /// the live connection (<see cref="BrokerSecurity.UploadToken"/>).</summary>
        public const string UploadTopic = "$SYS/uploadToken";

        public const string ExpireNoticeTopic = "$SYS/tokenExpireNotice";

        public const string InvalidNoticeTopic = "$SYS/tokenInvalidNotice";

        /// <summary>How long before a token runs out its expire notice is sent: ApsaraMQ's "generally 5 minutes ahead,
        /// only once". Not configurable there, nor here. A token that has less left when it is presented (a short one)
        /// is noticed at once.</summary>
        public const long ExpiryNoticeLeadMs = 5 * 60 * 1000;

        /// <summary><c>code</c> of an invalid notice, as ApsaraMQ documents them: the token cannot be parsed or is not
        /// known here (ApsaraMQ: forged).</summary>
        public const int CodeUnknown = 1;

        public const int CodeExpired = 2;

        public const int CodeRevoked = 3;

        /// <summary>The token does not cover what the client uses.</summary>
        public const int CodeResourceMismatch = 4;

        /// <summary>The token does not grant the type (R, W) it was presented for, or the type is not R, W or RW.</summary>
        public const int CodeTypeMismatch = 5;

        /// <summary>The token belongs to another account (here: another access key).</summary>
        public const int CodeOtherAccount = -1;

        TokenNotice(AuthenticatedClient client, TokenRecord token, string topic, string json)
        {
            Client = client;
            Token = token;
            Topic = topic;
            Payload = Utf8.GetBytes(json);
        }

        /// <summary>Whose connection it goes to.</summary>
        public AuthenticatedClient Client { get; private set; }

        /// <summary>The token it is about.</summary>
        internal TokenRecord Token { get; private set; }

        public string Topic { get; private set; }

        /// <summary>UTF-8 JSON.</summary>
        public byte[] Payload { get; private set; }

        internal static TokenNotice Expiring(AuthenticatedClient client, TokenRecord token, string type)
        {
            return new TokenNotice(client, token, ExpireNoticeTopic, "{\"expireTime\":" + token.ExpiresAtMs.ToString() + ",\"type\":" + JsonString.Quote(type) + "}");
        }

        internal static TokenNotice Invalid(AuthenticatedClient client, int code, string type)
        {
            return new TokenNotice(client, null, InvalidNoticeTopic, "{\"code\":" + code.ToString() + ",\"type\":" + JsonString.Quote(type) + "}");
        }

        /// <summary>Whether <paramref name="filter"/> is exactly one of the two notice topics, which a Token-mode client
        /// may subscribe to (it receives them anyway; ported code may subscribe all the same).</summary>
        public static bool IsNoticeTopic(string filter)
        {
            return filter == ExpireNoticeTopic || filter == InvalidNoticeTopic;
        }

        /// <summary>The <c>type</c> naming a token that fills the read slot, the write slot, or both.</summary>
        internal static string TypeOf(bool read, bool write)
        {
            return read && write ? "RW" : read ? "R" : "W";
        }
    }
}
