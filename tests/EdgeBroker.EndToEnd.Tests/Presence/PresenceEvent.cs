using System.Text.Json;
using MQTTnet;

namespace EdgeBroker.EndToEnd.Tests.Presence;

/// <summary>One presence event as a subscriber received it: its topic and the fields of its JSON payload.</summary>
public sealed record PresenceEvent(string Topic, string ClientId, long Time, string EventType, string ChannelId, string ClientIp)
{
    public static PresenceEvent From(MqttApplicationMessage message)
    {
        using var json = JsonDocument.Parse(message.ConvertPayloadToString());
        var root = json.RootElement;
        Assert.Equal(["clientId", "time", "eventType", "channelId", "clientIp"], root.EnumerateObject().Select(p => p.Name));
        return new PresenceEvent(
            message.Topic,
            root.GetProperty("clientId").GetString()!,
            root.GetProperty("time").GetInt64(),
            root.GetProperty("eventType").GetString()!,
            root.GetProperty("channelId").GetString()!,
            root.GetProperty("clientIp").GetString()!);
    }
}
