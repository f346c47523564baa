using EdgeBroker.Core;
using EdgeBroker.Core.Routing;
using EdgeBroker.Host.Storage;
using MQTTnet;
using MQTTnet.Packets;

namespace EdgeBroker.Host.Mqtt;

/// <summary>A CONNECT's will as the host hands it to the core, and what the host holds of it while the core keeps it
/// (<see cref="BrokerCore.WillExtraBytes"/>).</summary>
static class ConnectWill
{
    /// <summary>
    /// What a kept will holds beside its <see cref="MessageFootprint"/> (topic characters, payload bytes, MQTT 5
    /// properties): the <see cref="RoutedMessage"/>, the <see cref="MqttApplicationMessage"/> carrying its properties,
    /// the payload array's header, the second byte of each character of its strings, and the user property list with its
    /// spare room. Measured on .NET 10 x64 with MQTTnet 5.2, on wills decoded from MQTT 5 CONNECTs
    /// (tests/EdgeBroker.EndToEnd.Tests/Overload/WillFootprintTests): 287 bytes for an 18-character topic and a 7-byte
    /// payload, 396 with a content type, response topic and correlation data, 550 with 20 user properties besides (the
    /// list's spare room: up to 8 bytes a property, which the per-property count leaves out). 576 covers them all; an
    /// ordinary will then counts about 600 bytes, so the default budget still holds one for each of 100,000 sessions.
    /// </summary>
    public const int ExtraBytes = 576;

    /// <summary>The will of <paramref name="connect"/> (which has one), with its MQTT 5 properties.</summary>
    public static RoutedMessage Of(MqttConnectPacket connect)
    {
        var properties = new MqttApplicationMessage
        {
            Topic = connect.WillTopic,
            ContentType = connect.WillContentType,
            CorrelationData = connect.WillCorrelationData,
            ResponseTopic = connect.WillResponseTopic,
            PayloadFormatIndicator = connect.WillPayloadFormatIndicator,
            UserProperties = connect.WillUserProperties,
        };
        var will = new RoutedMessage(connect.WillTopic, connect.WillMessage ?? [], (int)connect.WillQoS, connect.WillRetain)
        {
            MessageExpiryInterval = connect.WillMessageExpiryInterval,
        };
        MessageProperties.Attach(will, properties);
        return will;
    }
}
