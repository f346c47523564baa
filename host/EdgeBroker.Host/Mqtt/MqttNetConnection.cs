using System.Buffers;
using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Sessions;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Server;

namespace EdgeBroker.Host.Mqtt;

/// <summary>
/// One client connection as the core sees it on the host: routed messages go straight into the client's MQTTnet
/// session queue (which assigns packet identifiers and handles acknowledgements), bypassing MQTTnet's own
/// scan-every-session dispatch.
/// </summary>
sealed class MqttNetConnection(string clientId, string remoteEndPoint, MqttProtocolVersion protocolVersion, MqttSessionStatus session)
    : IClientConnection
{
    public string ChannelId { get; } = Guid.NewGuid().ToString("N");

    public string ClientId { get; } = clientId;

    public string RemoteEndPoint { get; } = remoteEndPoint;

    public MqttProtocolVersion ProtocolVersion { get; } = protocolVersion;

    public DateTimeOffset ConnectedAt { get; } = DateTimeOffset.UtcNow;

    public bool Send(RoutedMessage message, int qos, bool retain, int[]? subscriptionIdentifiers)
    {
        var original = message.EngineProperties as MqttApplicationMessage;
        var outgoing = new MqttApplicationMessage
        {
            Topic = message.Topic,
            Payload = new ReadOnlySequence<byte>(message.Payload ?? [], message.PayloadOffset, message.PayloadLength),
            QualityOfServiceLevel = (MQTTnet.Protocol.MqttQualityOfServiceLevel)qos,
            Retain = retain,
            ContentType = original?.ContentType,
            CorrelationData = original?.CorrelationData,
            MessageExpiryInterval = original?.MessageExpiryInterval ?? 0,
            PayloadFormatIndicator = original?.PayloadFormatIndicator ?? default,
            ResponseTopic = original?.ResponseTopic,
            UserProperties = original?.UserProperties,
            SubscriptionIdentifiers = subscriptionIdentifiers?.Select(id => (uint)id).ToList(),
        };
        return session.TryEnqueueApplicationMessage(outgoing, out _);
    }
}
