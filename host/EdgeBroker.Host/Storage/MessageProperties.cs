using System.Text.Json;
using MQTTnet;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace EdgeBroker.Host.Storage;

/// <summary>The MQTT 5 properties of a message that must survive storage, as a small JSON document (null when the
/// message has none, as every MQTT 3.1.1 message).</summary>
static class MessageProperties
{
    public static byte[]? Encode(MqttApplicationMessage? message)
    {
        if (message is null
            || (message.ContentType is null && message.ResponseTopic is null && message.CorrelationData is null
                && message.UserProperties is not { Count: > 0 } && message.PayloadFormatIndicator == MqttPayloadFormatIndicator.Unspecified))
        {
            return null;
        }

        var stored = new StoredProperties(
            message.ContentType,
            message.ResponseTopic,
            message.CorrelationData,
            (int)message.PayloadFormatIndicator,
            message.UserProperties?.Select(p => new StoredUserProperty(p.Name, p.ValueBuffer.ToArray())).ToList());
        return JsonSerializer.SerializeToUtf8Bytes(stored);
    }

    /// <summary>What the properties of <paramref name="message"/> hold, in bytes (strings by their characters): a
    /// retained message's share of <c>MaxRetainedBytes</c> beside its topic and payload. An MQTT 5 PUBLISH may carry
    /// nearly a packet's worth of user properties, which a bound on payloads alone would not see.</summary>
    public static int SizeOf(MqttApplicationMessage? message)
    {
        if (message is null)
        {
            return 0;
        }

        var size = (message.ContentType?.Length ?? 0) + (message.ResponseTopic?.Length ?? 0) + (message.CorrelationData?.Length ?? 0);
        foreach (var property in message.UserProperties ?? [])
        {
            size += property.Name.Length + property.ValueBuffer.Length;
        }

        return size;
    }

    /// <summary>A message carrying only the stored properties (topic and payload travel separately).</summary>
    public static MqttApplicationMessage Decode(ReadOnlySpan<byte> encoded)
    {
        var message = new MqttApplicationMessage();
        var stored = JsonSerializer.Deserialize<StoredProperties>(encoded)!;
        message.ContentType = stored.ContentType;
        message.ResponseTopic = stored.ResponseTopic;
        message.CorrelationData = stored.CorrelationData;
        message.PayloadFormatIndicator = (MqttPayloadFormatIndicator)stored.PayloadFormat;
        message.UserProperties = stored.UserProperties?.Select(p => new MqttUserProperty(p.Name, p.Value.AsMemory())).ToList();
        return message;
    }

    sealed record StoredProperties(string? ContentType, string? ResponseTopic, byte[]? CorrelationData, int PayloadFormat, List<StoredUserProperty>? UserProperties);

    sealed record StoredUserProperty(string Name, byte[] Value);
}
