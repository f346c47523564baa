using System.Text.Json;
using EdgeBroker.Core.Presence;

namespace EdgeBroker.Core.Tests.Presence;

public class PresenceEventJsonTests
{
    [Fact]
    public void Build_WritesTheDocumentedLayout()
    {
        string json = PresenceEventJson.Build("GID_x@@@dev1", 1732350000000, PresenceEventType.Connect,
            "0123456789abcdef0123456789abcdef", "192.168.1.7:50312");

        Assert.Equal(
            "{\"clientId\":\"GID_x@@@dev1\",\"time\":1732350000000,\"eventType\":\"connect\"," +
            "\"channelId\":\"0123456789abcdef0123456789abcdef\",\"clientIp\":\"192.168.1.7:50312\"}",
            json);
    }

    [Fact]
    public void Build_EscapesTheClientId()
    {
        const string ClientId = "GID_x@@@\"quoted\" \\ \u0007";

        using var json = JsonDocument.Parse(PresenceEventJson.Build(ClientId, 1, PresenceEventType.TcpClean, "c", "a"));

        Assert.Equal(ClientId, json.RootElement.GetProperty("clientId").GetString());
    }
}
