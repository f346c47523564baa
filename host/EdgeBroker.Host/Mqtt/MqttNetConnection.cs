using System.Buffers;
using EdgeBroker.Core.Offline;
using EdgeBroker.Core.Outbound;
using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Security;
using EdgeBroker.Core.Sessions;
using EdgeBroker.Host.Monitoring;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Internal;
using MQTTnet.Server;
using MQTTnet.Server.Internal;

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
/// <para>
/// What waits for the client — here, then in MQTTnet's queue until MQTTnet has written it to the socket — is counted in
/// messages and bytes (topic and payload) and bounded by the core's <see cref="OutboundQueueLimits"/>; a message they
/// do not admit is refused (Send returns false) and the core drops or keeps it. Messages go into MQTTnet's session
/// queue directly, each with a completion callback that uncounts it once sent, so MQTTnet's own overflow handling (which
/// would drop a QoS 1 message it already listed as unacknowledged) is never reached by them.
/// </para>
/// </summary>
/// <param name="client">Who the connection authenticated as; handed back to the core's security when it ends.</param>
/// <param name="pairingMessage">A freshly paired device's credentials, sent once after the CONNACK; null otherwise.</param>
/// <param name="limits">What may wait for the client.</param>
sealed class MqttNetConnection(MqttProtocolVersion protocolVersion, AuthenticatedClient client, PairingMessage? pairingMessage,
    OutboundQueueLimits limits) : IClientConnection
{
    readonly object _sync = new();
    Dictionary<ushort, long>? _deliveryTags;
    List<(MqttApplicationMessage Message, long DeliveryTag, int Size)>? _waiting = [];
    MqttSession? _session;
    PairingMessage? _pairingMessage = pairingMessage;
    int _queuedMessages;
    long _queuedBytes;

    public string ChannelId { get; } = Guid.NewGuid().ToString("N");

    public MqttProtocolVersion ProtocolVersion { get; } = protocolVersion;

    public AuthenticatedClient Client { get; } = client;

    /// <summary>Where hand-overs are timed (publish-to-deliver latency); null measures nothing.</summary>
    public BrokerMetrics? Metrics { get; init; }

    public bool Send(RoutedMessage message, int qos, bool retain, int[]? subscriptionIdentifiers, long deliveryTag, bool duplicate)
    {
        var size = (int)Math.Min(MemoryOfflineStore.SizeOf(message), int.MaxValue);
        lock (_sync)
        {
            if (!limits.Admits(qos, _queuedMessages, _queuedBytes, size))
            {
                return false;
            }

            var outgoing = ToApplicationMessage(message, qos, retain, subscriptionIdentifiers);
            outgoing.Dup = duplicate;
            if (_session is null)
            {
                _waiting!.Add((outgoing, deliveryTag, size));
                Count(size);
            }
            else if (!Enqueue(_session, outgoing, deliveryTag, size))
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
        var mqttSession = MqttNetInternals.Session(session);
        lock (_sync)
        {
            foreach (var (message, deliveryTag, size) in _waiting!)
            {
                Uncount(size);
                Enqueue(mqttSession, message, deliveryTag, size);
            }

            _waiting = null;
            _session = mqttSession;
        }
    }

    /// <summary>The pairing credentials to send after the CONNACK, once; null when there are none.</summary>
    public PairingMessage? TakePairingMessage() => Interlocked.Exchange(ref _pairingMessage, null);

    /// <summary>The core's delivery tag of the message sent with <paramref name="packetIdentifier"/>, once; 0 if untracked.</summary>
    public long TakeDeliveryTag(ushort packetIdentifier)
    {
        lock (_sync)
        {
            return _deliveryTags is not null && _deliveryTags.Remove(packetIdentifier, out var tag) ? tag : 0;
        }
    }

    /// <summary>Hands a message to MQTTnet's queue, counted until MQTTnet reports it written. Under <see cref="_sync"/>.</summary>
    bool Enqueue(MqttSession session, MqttApplicationMessage message, long deliveryTag, int size)
    {
        var packet = MQTTnet.Server.Internal.Formatter.MqttPublishPacketFactory.Create(message);
        var item = new MqttPacketBusItem(packet);
        item.Completed += (_, _) =>
        {
            lock (_sync)
            {
                Uncount(size);
            }
        };
        if (session.EnqueueDataPacket(item) != EnqueueDataPacketResult.Enqueued)
        {
            return false;
        }

        Count(size);
        if (deliveryTag != 0)
        {
            (_deliveryTags ??= [])[packet.PacketIdentifier] = deliveryTag;
        }

        return true;
    }

    void Count(int size)
    {
        _queuedMessages++;
        _queuedBytes += size;
    }

    void Uncount(int size)
    {
        _queuedMessages--;
        _queuedBytes -= size;
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
