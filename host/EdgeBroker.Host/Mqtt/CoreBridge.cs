using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using EdgeBroker.Core;
using EdgeBroker.Core.Outbound;
using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Security;
using EdgeBroker.Core.Topics;
using EdgeBroker.Host.Monitoring;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using MQTTnet.Server;
using MQTTnet.Server.Internal;

namespace EdgeBroker.Host.Mqtt;

/// <summary>
/// Translates between MQTTnet's server events and the routing core. MQTTnet keeps the protocol (packets, QoS
/// handshakes, keep-alive, wills, retained messages on SUBSCRIBE); the core decides who receives every PUBLISH and
/// this bridge hands each message straight to the receiving session. Every CONNECT is authenticated by the core's
/// <see cref="BrokerSecurity"/> before the core hears of it.
/// </summary>
sealed class CoreBridge
{
    readonly BrokerCore _core;
    readonly BrokerSecurity _security;
    readonly MqttServer _server;
    readonly SessionPresentFlags _sessionPresent;
    readonly uint _mqtt311SessionExpiry;
    readonly OutboundQueueLimits _outboundLimits;
    readonly ILogger _logger;

    /// <summary>Accepted connections by remote end point (unique per live TCP connection).</summary>
    readonly ConcurrentDictionary<string, MqttNetConnection> _connections = new();

    /// <summary>The core's SUBACK code for each filter of the SUBSCRIBE packets in flight, by client ID then filter: the
    /// core decides when MQTTnet has read the packet (<see cref="OnInboundPacket"/>), MQTTnet asks for the answer later,
    /// one filter at a time and ordered by QoS (<see cref="OnInterceptingSubscription"/>).</summary>
    readonly ConcurrentDictionary<string, ConcurrentDictionary<string, int>> _subackCodes = new();

    MqttClientSessionsManager? _sessionsManager;

    /// <summary>Where the connections time their deliveries; null measures nothing.</summary>
    public BrokerMetrics? Metrics { get; init; }

    /// <summary>Whether the core decides with the security policy, which logs each denial with its reason; the open
    /// policy's refusals ($ topics) are logged here.</summary>
    public bool PolicyLogsDenials { get; init; }

    /// <param name="mqtt311SessionExpiry">How long a 3.1.1 session with clean session = 0 outlives its connection.</param>
    /// <param name="outboundLimits">What may wait for each connected client.</param>
    public CoreBridge(BrokerCore core, BrokerSecurity security, MqttServer server, SessionPresentFlags sessionPresent, uint mqtt311SessionExpiry,
        OutboundQueueLimits outboundLimits, ILogger<CoreBridge> logger)
    {
        _outboundLimits = outboundLimits;
        _core = core;
        _security = security;
        _server = server;
        _sessionPresent = sessionPresent;
        _mqtt311SessionExpiry = mqtt311SessionExpiry;
        _logger = logger;
        core.KeepRetained = KeepRetained;
        core.StoreConditionChanged = LogStoreCondition;

        server.ValidatingConnectionAsync += OnValidatingConnection;
        server.ClientConnectedAsync += OnClientConnected;
        server.ClientDisconnectedAsync += OnClientDisconnected;
        server.InterceptingPublishAsync += OnInterceptingPublish;
        server.InterceptingInboundPacketAsync += OnInboundPacket;
        server.InterceptingSubscriptionAsync += OnInterceptingSubscription;
        server.ClientAcknowledgedPublishPacketAsync += OnClientAcknowledged;
    }

    MqttClientSessionsManager SessionsManager => _sessionsManager ??= MqttNetInternals.SessionsManager(_server);

    async Task OnValidatingConnection(ValidatingConnectionEventArgs args)
    {
        var cleanStart = args.CleanSession ?? true;
        var clientId = args.ClientId;
        var connect = MqttNetInternals.ConnectPacket(args);
        if (string.IsNullOrEmpty(clientId))
        {
            clientId = "auto-" + Guid.NewGuid().ToString("N");
            if (args.ProtocolVersion == MqttProtocolVersion.V500)
            {
                args.AssignedClientIdentifier = clientId;
            }
            else
            {
                // [MQTT-3.1.3-6]; the clean session = 0 case never gets here (GuardedChannel answers it).
                connect.ClientId = clientId;
            }
        }

        var endPoint = args.RemoteEndPoint.ToString()!;
        var remoteIp = SourceAddress.Of(args.RemoteEndPoint);
        var decision = _security.Authenticate(clientId, args.UserName, args.RawPassword, remoteIp, Clock.NowMs());
        if (decision.ResponseDelayMs > 0)
        {
            // Slows an address that keeps failing; a timer, not a blocked thread, so other clients are served meanwhile.
            await Task.Delay(decision.ResponseDelayMs).ConfigureAwait(false);
        }

        if (!decision.IsAccepted)
        {
            // MQTTnet answers a refused CONNECT without creating or taking over a session, and the core never hears
            // of it: a live connection with the same client ID carries on untouched.
            args.ReasonCode = ConnectRefusalCodes.For(decision, args.ProtocolVersion);
            _logger.LogWarning(LogEvents.ConnectRefused, "Refused CONNECT of {ClientId} from {RemoteIp} (MQTT {Protocol}): {Reason}{Slowed}",
                clientId, remoteIp, ProtocolName(args.ProtocolVersion), decision.Reason,
                decision.ResponseDelayMs > 0 ? $"; answered after {decision.ResponseDelayMs} ms (repeated failures from this address)" : string.Empty);
            return;
        }

        // The core keeps sessions, subscriptions and undelivered messages; MQTTnet only ever holds a fresh session per
        // connection, so it never replays a previous connection's queue on top of the core's redelivery.
        connect.CleanSession = true;

        // Accepted: from now on the core routes to this connection, before MQTTnet even sends the CONNACK.
        var expiry = args.ProtocolVersion == MqttProtocolVersion.V500
            ? args.SessionExpiryInterval
            : cleanStart ? 0 : _mqtt311SessionExpiry;
        var connection = new MqttNetConnection(args.ProtocolVersion, decision.Client, decision.PairingMessage, _outboundLimits) { Metrics = Metrics };
        _connections[endPoint] = connection;
        var sessionPresent = _core.Connect(clientId, cleanStart, expiry, connection);
        _sessionPresent.Set(args.RemoteEndPoint, sessionPresent);
        _core.ConnectionAccepted(clientId, connection, endPoint);
        _logger.LogInformation(LogEvents.ClientConnected,
            "Client {ClientId} connected from {RemoteEndPoint} (MQTT {Protocol}, {AuthMode}: {Authentication}, channel {ChannelId}, clean start {CleanStart}, session present {SessionPresent})",
            clientId, endPoint, ProtocolName(args.ProtocolVersion), decision.Client.Mode, decision.Reason, connection.ChannelId, cleanStart, sessionPresent);
    }

    async Task OnClientConnected(ClientConnectedEventArgs args)
    {
        if (!_connections.TryGetValue(args.RemoteEndPoint.ToString()!, out var connection))
        {
            return;
        }

        connection.Attach(await SessionsManager.GetSessionStatus(args.ClientId).ConfigureAwait(false));
        if (connection.TakePairingMessage() is { } pairing)
        {
            SendPairingMessage(args.ClientId, connection, pairing);
        }
    }

    /// <summary>Hands a freshly paired device its credentials: QoS 1, on its own connection only, not tracked by the
    /// core (a device that loses them is paired again). The payload holds the secret, so it is never logged.</summary>
    void SendPairingMessage(string clientId, MqttNetConnection connection, PairingMessage pairing)
    {
        var message = new RoutedMessage(pairing.Topic, pairing.Payload, qos: 1, retain: false) { PublishedAtMs = Clock.NowMs() };
        if (connection.Send(message, qos: 1, retain: false, subscriptionIdentifiers: null, deliveryTag: 0, duplicate: false))
        {
            _logger.LogInformation("Paired {ClientId}: its credentials were sent on its own connection", clientId);
        }
        else
        {
            _logger.LogWarning("Paired {ClientId}, but its credentials could not be queued; revoke it and pair it again", clientId);
        }
    }

    Task OnClientDisconnected(ClientDisconnectedEventArgs args)
    {
        var endPoint = args.RemoteEndPoint?.ToString() ?? string.Empty;
        if (!_connections.TryRemove(endPoint, out var connection))
        {
            return Task.CompletedTask;
        }

        _subackCodes.TryRemove(args.ClientId, out _);
        if (connection.ProtocolVersion == MqttProtocolVersion.V500 && args.DisconnectType == MqttClientDisconnectType.Clean && args.SessionExpiryInterval != 0)
        {
            // MQTT 5 §3.14.2.2.2: the DISCONNECT may set a new session expiry interval.
            _core.Disconnect(args.ClientId, connection, args.SessionExpiryInterval);
        }
        else
        {
            _core.Disconnect(args.ClientId, connection);
        }

        // MQTTnet raises this once per accepted connection: Clean when the client sent DISCONNECT, Takeover for the older
        // connection of a takeover (closed by MQTTnet, which the session ignores but presence reports), NotClean for
        // everything else (network loss, keep-alive expiry, the broker closing it).
        if (args.DisconnectType == MqttClientDisconnectType.Clean)
        {
            _core.DisconnectReceived(args.ClientId, connection);
        }

        _core.ConnectionClosed(args.ClientId, connection);
        _security.Disconnected(connection.Client);
        _logger.LogInformation(LogEvents.ClientDisconnected, "Client {ClientId} disconnected from {RemoteEndPoint} ({DisconnectType}, channel {ChannelId})",
            args.ClientId, endPoint, args.DisconnectType, connection.ChannelId);
        return Task.CompletedTask;
    }

    Task OnInterceptingPublish(InterceptingPublishEventArgs args)
    {
        var message = args.ApplicationMessage;
        var routed = new RoutedMessage(message.Topic, message.Payload.ToArray(), (int)message.QualityOfServiceLevel, message.Retain)
        {
            SenderClientId = args.ClientId,
            MessageExpiryInterval = message.MessageExpiryInterval,
            EngineProperties = message,
            DedupeId = message.UserProperties?.FirstOrDefault(property => property.Name == Core.Uplink.UplinkEntry.DedupeProperty)?.ReadValueAsString(),
        };

        var outcome = _core.Publish(args.ClientId, routed);

        // The core has delivered it; MQTTnet must not dispatch it a second time.
        args.ProcessPublish = false;
        args.Response.ReasonCode = PublishOutcomeCodes.ToPubAck(outcome);

        if (outcome is PublishOutcome.NotAuthorized or PublishOutcome.TopicNameInvalid)
        {
            // The security policy logs its denials with the reason; the open policy's ($ topics) are logged here.
            if (!(outcome == PublishOutcome.NotAuthorized && PolicyLogsDenials))
            {
                _logger.LogWarning(LogEvents.PublishRefused, "Refused PUBLISH from {ClientId} to {Topic}: {Outcome}", args.ClientId, message.Topic, outcome);
            }

            return Task.CompletedTask;
        }

        if (outcome is PublishOutcome.UplinkQueueFull or PublishOutcome.StoreUnavailable)
        {
            // Not accepted. MQTT 5 publishers hear the reason code and keep their connection; MQTT 3.1.1 has no negative
            // PUBACK, so the connection closes before any PUBACK and the publisher sends the message again after
            // reconnecting. A store that cannot write is logged once per change by LogStoreCondition, not per PUBLISH.
            args.CloseConnection = !IsMqtt5(args.ClientId) && message.QualityOfServiceLevel > MqttQualityOfServiceLevel.AtMostOnce;
            if (outcome == PublishOutcome.UplinkQueueFull)
            {
                _logger.LogWarning("Refused PUBLISH from {ClientId} to {Topic}: the uplink's queue is full{Closed}", args.ClientId, message.Topic,
                    args.CloseConnection ? "; MQTT 3.1.1 connection closed without PUBACK, so the publisher sends it again" : "");
            }

            return Task.CompletedTask;
        }

        if (outcome == PublishOutcome.QuotaExceeded)
        {
            // MQTT 5 publishers hear 0x97; a 3.1.1 publisher cannot be told, so the log is where the drop shows.
            _logger.LogWarning(LogEvents.PublishDropped, "Dropped PUBLISH from {ClientId} to {Topic}: the receiver's offline quota is full", args.ClientId, message.Topic);
        }
        else if (outcome == PublishOutcome.NoMatchingSubscribers && P2PAddress.ReceiverStart(message.Topic) >= 0)
        {
            _logger.LogDebug(LogEvents.P2PUndeliverable, "P2P message from {ClientId} to {Topic} not delivered: its target has no session, or is away and the message is QoS 0",
                args.ClientId, message.Topic);
        }

        return Task.CompletedTask;
    }

    bool IsMqtt5(string clientId) =>
        (_core.ConnectionOf(clientId) as MqttNetConnection)?.ProtocolVersion == MqttProtocolVersion.V500;

    /// <summary>The store filled up or has room again: said once per change, not per refused PUBLISH.</summary>
    void LogStoreCondition(bool writable)
    {
        if (writable)
        {
            _logger.LogInformation("Store writable again: QoS 1/2 messages for persistent sessions and uplink queues are stored and acknowledged");
        }
        else
        {
            _logger.LogError("Store cannot write (disk or MaxDatabaseBytes full): QoS 1/2 PUBLISHes that a persistent session or an uplink queue " +
                "needs stored are refused (MQTT 5: PUBACK 0x80; MQTT 3.1.1: not acknowledged, connection closed) until it can; QoS 0 flows on");
        }
    }

    /// <summary>The core's <see cref="RetainedKeeper"/>: MQTTnet's retained store, which hands each change to the
    /// durable store synchronously (MqttBrokerService), so the returned task is already complete.</summary>
    void KeepRetained(RoutedMessage message) =>
        _server.UpdateRetainedMessageAsync((MqttApplicationMessage)message.EngineProperties!).GetAwaiter().GetResult();

    /// <summary>SUBSCRIBE and UNSUBSCRIBE take effect in the core the moment MQTTnet has read them, in the order the client
    /// sent them, so whatever any client publishes afterwards is routed by the new subscriptions (MQTT 3.1.1 §4.6).</summary>
    Task OnInboundPacket(InterceptingPacketEventArgs args)
    {
        if (args.Packet is MqttSubscribePacket subscribe)
        {
            Subscribe(args.ClientId, subscribe);
        }
        else if (args.Packet is MqttUnsubscribePacket unsubscribe)
        {
            // Not on MQTTnet's ClientUnsubscribedTopicAsync: that is raised only after MQTTnet's own session has
            // processed the packet, and a PUBLISH from another client can be routed in between.
            foreach (var filter in unsubscribe.TopicFilters)
            {
                _core.Unsubscribe(args.ClientId, filter);
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>Has the core decide every filter of a SUBSCRIBE before MQTTnet processes it: accepted ones are in the
    /// core now, before MQTTnet reads the retained messages to send (see <see cref="RetainedKeeper"/>); the SUBACK codes
    /// wait for <see cref="OnInterceptingSubscription"/>.</summary>
    void Subscribe(string clientId, MqttSubscribePacket subscribe)
    {
        foreach (var filter in subscribe.TopicFilters)
        {
            if (filter.Topic.StartsWith("$share/", StringComparison.Ordinal))
            {
                continue; // MQTTnet refuses shared subscriptions itself (0x9E), without asking.
            }

            var code = _core.Subscribe(clientId, filter.Topic, (int)filter.QualityOfServiceLevel, filter.NoLocal, filter.RetainAsPublished,
                (int)subscribe.SubscriptionIdentifier);
            _subackCodes.GetOrAdd(clientId, _ => new ConcurrentDictionary<string, int>())[filter.Topic] = code;
            if (code == BrokerCore.TopicFilterInvalid)
            {
                // A refusal for not being authorized is logged by the security policy, with its reason.
                _logger.LogWarning(LogEvents.SubscribeRefused, "Refused SUBSCRIBE from {ClientId}: invalid topic filter {Filter}", clientId, filter.Topic);
            }
        }
    }

    /// <summary>Answers MQTTnet with the core's SUBACK code for the filter (MQTTnet writes any MQTT 5 refusal as 0x80 for
    /// 3.1.1) and keeps a refused filter out of MQTTnet's session.</summary>
    Task OnInterceptingSubscription(InterceptingSubscriptionEventArgs args)
    {
        if (_subackCodes.TryGetValue(args.ClientId, out var codes) && codes.TryRemove(args.TopicFilter.Topic, out var code))
        {
            args.Response.ReasonCode = (MqttSubscribeReasonCode)code;
            args.ProcessSubscription = code <= (int)MqttSubscribeReasonCode.GrantedQoS2;

            // MQTT 5 has a SUBACK code for an invalid filter; in 3.1.1 it is a protocol violation and the connection must
            // be closed [MQTT-4.8.0-1].
            args.CloseConnection = code == BrokerCore.TopicFilterInvalid && !IsMqtt5(args.ClientId);
        }

        return Task.CompletedTask;
    }

    Task OnClientAcknowledged(ClientAcknowledgedPublishPacketEventArgs args)
    {
        // PUBACK (QoS 1) or PUBCOMP (QoS 2) completes a delivery; PUBREC alone does not.
        if (args.IsCompleted
            && _core.ConnectionOf(args.ClientId) is MqttNetConnection connection
            && connection.TakeDeliveryTag(args.PublishPacket.PacketIdentifier) is var tag and > 0)
        {
            _core.Acknowledge(args.ClientId, tag);
        }

        return Task.CompletedTask;
    }

    /// <summary>Drops MQTTnet's state for sessions the core has expired.</summary>
    public async Task ExpireSessionsAsync()
    {
        foreach (string clientId in _core.ExpireSessions(Clock.NowMs()))
        {
            _logger.LogInformation(LogEvents.SessionExpired, "Session of {ClientId} expired", clientId);
            await SessionsManager.DeleteSessionAsync(clientId).ConfigureAwait(false);
        }
    }

    /// <summary>Closes the connections of clients whose credentials no longer hold (a revoked device, an expired or
    /// revoked token). MQTT 5 clients get DISCONNECT 0x87 (Not authorized) first; 3.1.1 has no server DISCONNECT.</summary>
    public async Task CloseConnectionsWithLostCredentialsAsync()
    {
        foreach (AuthenticatedClient client in _security.ClientsToDisconnect(Clock.NowMs()))
        {
            // Only the connection that authenticated as this client: a newer one of the same client ID is not its.
            if (_core.ConnectionOf(client.ClientId) is not MqttNetConnection { } connection || connection.Client != client)
            {
                continue;
            }

            _logger.LogWarning(LogEvents.ConnectionClosed, "Closing the connection of {ClientId} (channel {ChannelId}): {Reason}",
                client.ClientId, connection.ChannelId, client.DisconnectReason);
            try
            {
                await _server.DisconnectClientAsync(client.ClientId, new MqttServerClientDisconnectOptions
                {
                    ReasonCode = MqttDisconnectReasonCode.NotAuthorized,
                    ReasonString = client.DisconnectReason,
                }).ConfigureAwait(false);
            }
            catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException)
            {
                // It went away on its own meanwhile.
            }
        }
    }

    /// <summary>The client's IP address without the port: the unit the login throttle counts failures by.</summary>
    static string ProtocolName(MqttProtocolVersion version) => version switch
    {
        MqttProtocolVersion.V500 => "5.0",
        MqttProtocolVersion.V311 => "3.1.1",
        MqttProtocolVersion.V310 => "3.1",
        _ => version.ToString(),
    };
}
