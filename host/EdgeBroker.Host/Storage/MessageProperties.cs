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
