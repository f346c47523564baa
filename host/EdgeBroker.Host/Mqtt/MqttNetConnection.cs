using System.Buffers;
using EdgeBroker.Core.Flow;
using EdgeBroker.Core.Offline;
using EdgeBroker.Core.Outbound;
using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Security;
using EdgeBroker.Core.Sessions;
using EdgeBroker.Host.Monitoring;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Internal;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using MQTTnet.Server;
using MQTTnet.Server.Internal;

namespace EdgeBroker.Host.Mqtt;

/// <summary>
/// One client connection as the core sees it on the host: routed messages go straight into the client's MQTTnet
/// session queue (which assigns packet identifiers and handles acknowledgements), bypassing MQTTnet's own
/// scan-every-session dispatch.
/// <para>
/// Every message first waits in the core's <see cref="InFlightWindow"/>, which lets a QoS 1/2 PUBLISH through only while
/// fewer than the client's Receive Maximum are unacknowledged (MQTTnet 5.2 writes whatever is queued), and holds all
/// messages until MQTTnet has created (or resumed and reset) the session, which it does only after the core accepted the
/// CONNECT (<see cref="Attach"/>) — so a client receives P2P messages from the moment it is accepted and nothing
/// overtakes the offline backlog.
/// </para>
/// <para>
/// On the way from the window into MQTTnet's queue each PUBLISH gets the client's topic alias where it allows them
/// (the core's <see cref="OutboundTopicAliases"/>; MQTTnet's server never sends one), and one larger than the client's
/// Maximum Packet Size is discarded and reported to the core (MQTT 5 [MQTT-3.1.2-25]; MQTTnet would send it).
/// </para>
/// <para>
/// What waits for the client — in the window, then in MQTTnet's queue until MQTTnet has written it to the socket — is
/// counted in messages and bytes (topic and payload) and bounded by the core's <see cref="OutboundQueueLimits"/>; a
/// message they do not admit is refused (Send returns false) and the core drops or keeps it. Messages go into MQTTnet's
/// session queue directly, each with a completion callback that uncounts it once sent, so MQTTnet's own overflow
/// handling (which would drop a QoS 1 message it already listed as unacknowledged) is never reached by them.
/// </para>
/// </summary>
/// <param name="client">Who the connection authenticated as; handed back to the core's security when it ends.</param>
/// <param name="pairingMessage">A freshly paired device's credentials, sent once after the CONNACK; null otherwise.</param>
/// <param name="limits">What may wait for the client.</param>
/// <param name="receiveLimits">What the client said it can take.</param>
sealed class MqttNetConnection(MqttProtocolVersion protocolVersion, AuthenticatedClient client, PairingMessage? pairingMessage,
    OutboundQueueLimits limits, ClientReceiveLimits receiveLimits) : IClientConnection
{
    readonly object _sync = new();
    Dictionary<ushort, long>? _deliveryTags;
    readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Packet identifiers of the QoS 1/2 PUBLISHes this connection handed to MQTTnet and the client has not
    /// acknowledged: each holds a place in <see cref="_window"/>. Made at the first one (an idle client has none).</summary>
    HashSet<ushort>? _inFlight;

    readonly InFlightWindow _window = new(receiveLimits.ReceiveMaximum);
    readonly OutboundTopicAliases _topicAliases = new(receiveLimits.TopicAliasMaximum);

    /// <summary>Encodes a PUBLISH to measure it; only for a client that announced a Maximum Packet Size.</summary>
    MqttPacketFormatterAdapter? _measure;

    MqttSession? _session;
    PairingMessage? _pairingMessage = pairingMessage;
    int _queuedMessages;
    long _queuedBytes;

    public string ChannelId { get; } = Guid.NewGuid().ToString("N");

    public MqttProtocolVersion ProtocolVersion { get; } = protocolVersion;

    public AuthenticatedClient Client { get; } = client;

    /// <summary>Where this connection's reader is: a PUBLISH routed here waits for the input it had received before
    /// (<see cref="ConnectionInput.WaitForSubscribersAsync"/>). Null for a channel EdgeBroker does not read.</summary>
    public ConnectionInput? Input { get; init; }

    /// <summary>The session expiry in force: the CONNECT's, or what an MQTT 5 DISCONNECT changed it to.</summary>
    public uint SessionExpirySeconds { get; set; }

    /// <summary>Completes once the core has been told this connection ended (<see cref="End"/>).</summary>
    public Task Ended => _ended.Task;

    public void End() => _ended.TrySetResult();

    /// <summary>Where hand-overs are timed (publish-to-deliver latency); null measures nothing.</summary>
    public BrokerMetrics? Metrics { get; init; }

    /// <summary>Told the client ID and delivery tag (0 if untracked) of each message discarded as larger than the client's
    /// Maximum Packet Size; called under this connection's lock, possibly inside <see cref="Send"/>, so it must not call
    /// the core synchronously. One delegate serves every connection.</summary>
    public Action<string, long>? DiscardedTooLarge { get; init; }

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
            Count(size);
            _window.Offer(new Outgoing(outgoing, deliveryTag, size), qos);
            Flush();
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
            _session = mqttSession;
            Flush();
        }
    }

    /// <summary>The pairing credentials to send after the CONNACK, once; null when there are none.</summary>
    public PairingMessage? TakePairingMessage() => Interlocked.Exchange(ref _pairingMessage, null);

    /// <summary>The client completed the QoS 1/2 exchange of the PUBLISH sent with <paramref name="packetIdentifier"/>:
    /// its place in the window is free, so what waits behind it may go. Returns the core's delivery tag of that message,
    /// once; 0 if untracked (or sent by MQTTnet itself, as retained messages after a SUBACK are).</summary>
    public long Acknowledged(ushort packetIdentifier)
    {
        lock (_sync)
        {
            if (_inFlight?.Remove(packetIdentifier) == true)
            {
                _window.Acknowledged();
                Flush();
            }

            return _deliveryTags is not null && _deliveryTags.Remove(packetIdentifier, out var tag) ? tag : 0;
        }
    }

    /// <summary>Hands every message the window lets through to MQTTnet's queue. Under <see cref="_sync"/>.</summary>
    void Flush()
    {
        if (_session is null)
        {
            return;
        }

        while (_window.TakeSendable() is Outgoing outgoing)
        {
            if (!Enqueue(_session, outgoing))
            {
                // Not written after all: neither waiting nor in flight.
                Uncount(outgoing.Size);
                if (outgoing.Message.QualityOfServiceLevel > MqttQualityOfServiceLevel.AtMostOnce)
                {
                    _window.Acknowledged();
                }
            }
        }
    }

    /// <summary>Hands a message to MQTTnet's queue, with the client's topic alias, counted until MQTTnet reports it
    /// written; false when it is not queued (larger than the client takes, or refused by MQTTnet's own bound, which is
    /// set above the outbound limits so it is not reached). Under <see cref="_sync"/>.</summary>
    bool Enqueue(MqttSession session, Outgoing outgoing)
    {
        var packet = MQTTnet.Server.Internal.Formatter.MqttPublishPacketFactory.Create(outgoing.Message);
        var topic = packet.Topic;
        var newAlias = UseTopicAlias(packet);
        if (IsTooLarge(packet))
        {
            _topicAliases.Unassign(topic, newAlias);
            DiscardedTooLarge?.Invoke(Client.ClientId, outgoing.DeliveryTag);
            return false;
        }

        var item = new MqttPacketBusItem(packet);
        item.Completed += (_, _) =>
        {
            lock (_sync)
            {
                Uncount(outgoing.Size);
            }
        };
        if (session.EnqueueDataPacket(item) != EnqueueDataPacketResult.Enqueued)
        {
            return false;
        }

        if (packet.QualityOfServiceLevel > MqttQualityOfServiceLevel.AtMostOnce)
        {
            (_inFlight ??= []).Add(packet.PacketIdentifier);
            if (outgoing.DeliveryTag != 0)
            {
                (_deliveryTags ??= [])[packet.PacketIdentifier] = outgoing.DeliveryTag;
            }
        }

        return true;
    }

    /// <summary>Puts the client's alias for the topic on <paramref name="packet"/>, without the topic when the client
    /// already knows it; returns the alias if it was assigned just now (so it can be taken back), else 0.</summary>
    int UseTopicAlias(MqttPublishPacket packet)
    {
        if (_topicAliases.Known(packet.Topic) is var known and > 0)
        {
            packet.TopicAlias = (ushort)known;
            packet.Topic = string.Empty;
            return 0;
        }

        var assigned = _topicAliases.Assign(packet.Topic);
        packet.TopicAlias = (ushort)assigned;
        return assigned;
    }

    /// <summary>Whether the PUBLISH as encoded is larger than the client's Maximum Packet Size.</summary>
    bool IsTooLarge(MqttPublishPacket packet)
    {
        if (receiveLimits.MaximumPacketSize == 0)
        {
            return false;
        }

        _measure ??= new MqttPacketFormatterAdapter(MqttProtocolVersion.V500, new MqttBufferWriter(256, 4096));

        // MQTTnet numbers the packet when it is queued; the encoder wants a number for QoS 1/2 (always two bytes).
        var numbered = packet.QualityOfServiceLevel > MqttQualityOfServiceLevel.AtMostOnce;
        packet.PacketIdentifier = numbered ? (ushort)1 : (ushort)0;
        var size = _measure.Encode(packet).Length;
        packet.PacketIdentifier = 0;
        _measure.Cleanup();
        return size > receiveLimits.MaximumPacketSize;
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

    /// <summary>A message routed to this client and not yet handed to MQTTnet.</summary>
    sealed record Outgoing(MqttApplicationMessage Message, long DeliveryTag, int Size);

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
