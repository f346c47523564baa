using System.Text.Json;
using EdgeBroker.Core.Routing;
using MQTTnet;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace EdgeBroker.Host.Storage;

/// <summary>The MQTT 5 properties a routed message carries on the host: attached with what they count against the
/// bounds (<see cref="Footprint"/>), and stored as a small JSON document (null when the message has none, as every
/// MQTT 3.1.1 message).</summary>
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

    /// <summary>Attaches <paramref name="properties"/> (null: none) to <paramref name="routed"/> with what they count
    /// against every bound that keeps the message (<see cref="Mqtt5Properties.FootprintBytes"/>).</summary>
    public static void Attach(RoutedMessage routed, MqttApplicationMessage? properties)
    {
        routed.EngineProperties = properties is null ? null : new Mqtt5Properties(properties, Footprint(properties));
    }

    /// <summary>The properties <paramref name="encoded"/> holds as a store kept them, counting
    /// <paramref name="footprintBytes"/> — what the store counted as it kept them — against the bounds.</summary>
    public static Mqtt5Properties Restore(ReadOnlySpan<byte> encoded, long footprintBytes) =>
        new(Decode(encoded), (int)Math.Min(footprintBytes, int.MaxValue));

    /// <summary>What the MQTT 5 properties of <paramref name="message"/> count, as the core's
    /// <see cref="MessageFootprint.OfProperties"/> defines it: strings by their characters, binary data by its bytes, and
    /// the objects of each user property. An MQTT 5 PUBLISH may carry nearly a packet's worth of user properties, which a
    /// bound on topics and payloads alone would not see.</summary>
    public static int Footprint(MqttApplicationMessage? message)
    {
        if (message is null)
        {
            return 0;
        }

        long content = (message.ContentType?.Length ?? 0) + (message.ResponseTopic?.Length ?? 0) + (message.CorrelationData?.Length ?? 0);
        var userProperties = message.UserProperties;
        if (userProperties is null)
        {
            return MessageFootprint.OfProperties(content, 0);
        }

        foreach (var property in userProperties)
        {
            content += property.Name.Length + property.ValueBuffer.Length;
        }

        return MessageFootprint.OfProperties(content, userProperties.Count);
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
