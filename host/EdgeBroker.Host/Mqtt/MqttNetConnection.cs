using System.Buffers;
using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Security;
using EdgeBroker.Core.Sessions;
using EdgeBroker.Host.Monitoring;
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
/// <param name="client">Who the connection authenticated as; handed back to the core's security when it ends.</param>
/// <param name="pairingMessage">A freshly paired device's credentials, sent once after the CONNACK; null otherwise.</param>
sealed class MqttNetConnection(MqttProtocolVersion protocolVersion, AuthenticatedClient client, PairingMessage? pairingMessage) : IClientConnection
{
    readonly object _sync = new();
    readonly Dictionary<ushort, long> _deliveryTags = new();
    List<(MqttApplicationMessage Message, long DeliveryTag)>? _waiting = [];
    MqttSessionStatus? _session;
    PairingMessage? _pairingMessage = pairingMessage;

    public string ChannelId { get; } = Guid.NewGuid().ToString("N");

    public MqttProtocolVersion ProtocolVersion { get; } = protocolVersion;

    public AuthenticatedClient Client { get; } = client;

    /// <summary>Where hand-overs are timed (publish-to-deliver latency); null measures nothing.</summary>
    public BrokerMetrics? Metrics { get; init; }

    public bool Send(RoutedMessage message, int qos, bool retain, int[]? subscriptionIdentifiers, long deliveryTag, bool duplicate)
    {
        var outgoing = ToApplicationMessage(message, qos, retain, subscriptionIdentifiers);
        outgoing.Dup = duplicate;
        lock (_sync)
        {
            if (_session is null)
            {
                _waiting!.Add((outgoing, deliveryTag));
            }
            else if (!Enqueue(_session, outgoing, deliveryTag))
            {
                return false;
            }
        }

        Metrics?.Delivered(message);
        return true;
    }

    /// <summary>MQTTnet's session for this connection is ready: hand over what waited, then deliver directly.</summary>
    public void Attach(MqttSessionStatus session)
    {
        lock (_sync)
        {
            foreach (var (message, deliveryTag) in _waiting!)
            {
                Enqueue(session, message, deliveryTag);
            }

            _waiting = null;
            _session = session;
        }
    }

    /// <summary>The pairing credentials to send after the CONNACK, once; null when there are none.</summary>
    public PairingMessage? TakePairingMessage() => Interlocked.Exchange(ref _pairingMessage, null);

    /// <summary>The core's delivery tag of the message sent with <paramref name="packetIdentifier"/>, once; 0 if untracked.</summary>
    public long TakeDeliveryTag(ushort packetIdentifier)
    {
        lock (_sync)
        {
            return _deliveryTags.Remove(packetIdentifier, out var tag) ? tag : 0;
        }
    }

    bool Enqueue(MqttSessionStatus session, MqttApplicationMessage message, long deliveryTag)
    {
        if (!session.TryEnqueueApplicationMessage(message, out var result))
        {
            return false;
        }

        if (deliveryTag != 0)
        {
            _deliveryTags[result.PacketIdentifier] = deliveryTag;
        }

        return true;
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
            MessageExpiryInterval = RemainingExpiry(message),
            PayloadFormatIndicator = original?.PayloadFormatIndicator ?? default,
            ResponseTopic = original?.ResponseTopic,
            UserProperties = original?.UserProperties,
            SubscriptionIdentifiers = subscriptionIdentifiers?.Select(id => (uint)id).ToList(),
        };
    }

    /// <summary>MQTT 5 [MQTT-3.3.2-6]: the expiry interval sent on is what is left of the publisher's after waiting.</summary>
    static uint RemainingExpiry(RoutedMessage message)
    {
        if (message.MessageExpiryInterval == 0)
        {
            return 0;
        }

        var waitedSeconds = (EdgeBroker.Core.Clock.NowMs() - message.PublishedAtMs) / 1000;
        return (uint)Math.Max(1, message.MessageExpiryInterval - waitedSeconds);
    }
}
