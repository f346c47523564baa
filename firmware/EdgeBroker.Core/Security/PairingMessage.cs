using EdgeBroker.Core.Text;
using EdgeBroker.Core.Topics;

namespace EdgeBroker.Core.Security
{
    /// <summary>
    /// The message that hands a newly paired device its credentials, on its own connection: topic
    /// <c>{groupId}/p2p/{clientId}</c>, payload (UTF-8, exactly this shape, no spaces)
    /// <c>{"username":"Device|{clientId}","password":"{secret}"}</c>. The secret is 24 Base64 characters, so the
    /// only field that may need JSON escaping is the client ID; a microcontroller can read the secret as the 24
    /// characters after <c>"password":"</c>.
    /// </summary>
    public sealed class PairingMessage
    {
        public const string DeviceUserNamePrefix = "Device|";

        PairingMessage(string topic, byte[] payload)
        {
            Topic = topic;
            Payload = payload;
        }

        public string Topic { get; private set; }

        public byte[] Payload { get; private set; }

        public static PairingMessage For(string group, string clientId, string secret)
        {
            string json = "{\"username\":" + JsonString.Quote(DeviceUserNamePrefix + clientId)
                + ",\"password\":" + JsonString.Quote(secret) + "}";
            return new PairingMessage(P2PAddress.For(group, clientId), Utf8.GetBytes(json));
        }
    }
}
