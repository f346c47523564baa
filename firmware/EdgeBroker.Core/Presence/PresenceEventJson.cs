using EdgeBroker.Core.Text;

namespace EdgeBroker.Core.Presence
{
    /// <summary>
    /// The payload of a presence event, one JSON object:
    /// <c>{"clientId":"GID_x@@@dev1","time":1732350000000,"eventType":"connect","channelId":"…","clientIp":"192.168.1.7:50312"}</c>
    /// with <c>time</c> in Unix milliseconds and <c>clientIp</c> the client's address and port as the engine saw it.
    /// </summary>
    public static class PresenceEventJson
    {
        public static string Build(string clientId, long unixMilliseconds, string eventType, string channelId, string clientAddress)
        {
            return "{\"clientId\":" + JsonString.Quote(clientId)
                + ",\"time\":" + unixMilliseconds.ToString()
                + ",\"eventType\":" + JsonString.Quote(eventType)
                + ",\"channelId\":" + JsonString.Quote(channelId)
                + ",\"clientIp\":" + JsonString.Quote(clientAddress)
                + "}";
        }
    }
}
