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
/// <para>
/// The core learns of the connection when its CONNECT is accepted, but MQTTnet creates (or resumes and resets) the
/// session only afterwards. Until <see cref="Attach"/> hands over that session, messages wait here in order, so a
/// client receives P2P messages from the moment it is accepted and nothing overtakes the offline backlog.
/// </para>
/// </summary>
sealed class MqttNetConnection(string clientId, string remoteEndPoint, MqttProtocolVersion protocolVersion) : IClientConnection
{
    readonly object _sync = new();
    List<MqttApplicationMessage>? _waiting = [];
    MqttSessionStatus? _session;

    public string ChannelId { get; } = Guid.NewGuid().ToString("N");

    public string ClientId { get; } = clientId;

    public string RemoteEndPoint { get; } = remoteEndPoint;

    public MqttProtocolVersion ProtocolVersion { get; } = protocolVersion;

    public DateTimeOffset ConnectedAt { get; } = DateTimeOffset.UtcNow;

    public bool Send(RoutedMessage message, int qos, bool retain, int[]? subscriptionIdentifiers, long deliveryTag, bool duplicate)
    {
        var outgoing = ToApplicationMessage(message, qos, retain, subscriptionIdentifiers);
        outgoing.Dup = duplicate;
        lock (_sync)
        {
            if (_session is null)
            {
                _waiting!.Add(outgoing);
                return true;
            }

            return _session.TryEnqueueApplicationMessage(outgoing, out _);
        }
    }

    /// <summary>MQTTnet's session for this connection is ready: hand over what waited, then deliver directly.</summary>
    public void Attach(MqttSessionStatus session)
    {
        lock (_sync)
        {
            foreach (var message in _waiting!)
            {
                session.TryEnqueueApplicationMessage(message, out _);
            }

            _waiting = null;
            _session = session;
        }
    }

    static MqttApplicationMessage ToApplicationMessage(RoutedMessage message, int qos, bool retain, int[]? subscriptionIdentifiers)
    {
        var original = message.EngineProperties as MqttApplicationMessage;
        return new MqttApplicationMessage
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
    }
}
