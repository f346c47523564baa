using EdgeBroker.Core.Collections;
using EdgeBroker.Core.Text;

namespace EdgeBroker.Core.Security
{
    /// <summary>
    /// The payload of ApsaraMQ's dynamic token update, published to <c>$SYS/uploadToken</c>: UTF-8 JSON
    /// <c>{"token":"…","type":"RW"}</c>, type <c>R</c>, <c>W</c> or <c>RW</c> (https://help.aliyun.com/document_detail/175738.htm).
    /// The type and token are read as a token password of one pair (<see cref="TokenPassword.FromUpload"/>), so an
    /// uploaded token follows the rules of one presented at CONNECT.
    /// </summary>
    internal sealed class TokenUpload
    {
        const string TokenMember = "token";
        const string TypeMember = "type";

        TokenUpload(string type, TokenPassword presented)
        {
            Type = type;
            Presented = presented;
        }

        /// <summary>The type as sent when it is R, W or RW (what an invalid notice names); "" otherwise.</summary>
        public string Type { get; private set; }

        /// <summary>The token in the slots its type names; null when the payload is not of the form above.</summary>
        public TokenPassword Presented { get; private set; }

        /// <summary>Whether the payload had a well-formed token but a type other than R, W or RW.</summary>
        public bool TypeIsBad { get; private set; }

        public static TokenUpload Read(byte[] payload, int offset, int length)
        {
            char[] chars = new char[length];
            int count = Utf8.Decode(payload, offset, length, chars);
            StringMap members = count < 0 ? null : FlatJsonObject.Parse(new string(chars, 0, count));
            string type = members == null ? null : members.Get(TypeMember) as string;
            string token = members == null ? null : members.Get(TokenMember) as string;
            TokenUpload upload = new TokenUpload(type, TokenPassword.FromUpload(type, token));
            if (upload.Presented == null)
            {
                // Which half broke the rules, each judged by the password's own (with a stand-in for the other half).
                bool typeIsKnown = TokenPassword.FromUpload(type, "t") != null;
                upload.Type = typeIsKnown ? type : "";
                upload.TypeIsBad = !typeIsKnown && TokenPassword.FromUpload("RW", token) != null;
            }

            return upload;
        }
    }
}
