using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using EdgeBroker.Core;
using EdgeBroker.Core.Outbound;
using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Security;
using EdgeBroker.Core.Topics;
using EdgeBroker.Host.Monitoring;
using EdgeBroker.Host.Storage;
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
/// handshakes, keep-alive, retained messages on SUBSCRIBE); the core decides who receives every PUBLISH, keeps
/// shared subscriptions and wills (MQTTnet 5.2 refuses the first and ignores the Will Delay Interval), and this bridge
/// hands each message straight to the receiving session. Every CONNECT is authenticated by the core's
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
    /// one filter at a time and ordered by QoS (<see cref="OnInterceptingSubscription"/>). A shared filter is kept under
    /// its <see cref="SharedFilterMark"/>ed name.</summary>
    readonly ConcurrentDictionary<string, ConcurrentDictionary<string, int>> _subackCodes = new();

    readonly RetainedOnSubscribe _retainedOnSubscribe = new();

    /// <summary><see cref="ReportTooLarge"/>, made once for every connection.</summary>
    readonly Action<string, long> _reportTooLarge;

    /// <summary>Filters of UNSUBSCRIBE packets in flight, by client ID then filter: whether the core held them. MQTTnet
    /// answers from its own session, which holds neither shared subscriptions nor those a persistent session kept
    /// from an earlier connection.</summary>
    readonly ConcurrentDictionary<string, ConcurrentDictionary<string, bool>> _unsubscribeAnswers = new();

    /// <summary>Put in front of a shared filter on its way through MQTTnet, which refuses <c>$share/</c> filters (0x9E)
    /// without asking the interceptor (its culture-aware StartsWith ignores U+0000, so that cannot be the mark). The core
    /// keeps shared subscriptions; MQTTnet only answers them and never keeps them (it would send retained messages, which
    /// a shared subscription never gets [MQTT-4.8.2]). A client's own filter starting with the mark is invalid.</summary>
    const string SharedFilterMark = "#";

    /// <summary>How long a CONNECT waits for the client ID's previous connection to end before taking it over.</summary>
    static readonly TimeSpan TakeoverGrace = TimeSpan.FromMilliseconds(250);

    MqttClientSessionsManager? _sessionsManager;

    /// <summary>Where the connections time their deliveries; null measures nothing.</summary>
    public BrokerMetrics? Metrics { get; init; }

    /// <summary>Told when a client's connection is ready to receive (after the CONNACK), with its session expiry; the
    /// uplinks' proxy sessions follow it. Null tells no one.</summary>
    public Action<string, object, uint>? ClientReady { get; init; }

    /// <summary>Told when a client's connection has ended, with the session expiry in force then and whether the client
    /// said DISCONNECT (rather than losing its connection). Null tells no one.</summary>
    public Action<string, object, uint, bool>? ClientGone { get; init; }

    /// <summary>Whether the core decides with the security policy, which logs each denial with its reason; the open
    /// policy's refusals ($ topics) are logged here.</summary>
    public bool PolicyLogsDenials { get; init; }

    /// <param name="mqtt311SessionExpiry">How long a 3.1.1 session with clean session = 0 outlives its connection.</param>
    /// <param name="outboundLimits">What may wait for each connected client.</param>
    public CoreBridge(BrokerCore core, BrokerSecurity security, MqttServer server, SessionPresentFlags sessionPresent, uint mqtt311SessionExpiry,
        OutboundQueueLimits outboundLimits, ILogger<CoreBridge> logger)
    {
        _outboundLimits = outboundLimits;
        _reportTooLarge = ReportTooLarge;
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
        server.InterceptingUnsubscriptionAsync += OnInterceptingUnsubscription;
        server.ClientAcknowledgedPublishPacketAsync += OnClientAcknowledged;
        server.InterceptingClientEnqueueAsync += _retainedOnSubscribe.OnInterceptingClientEnqueue;
        server.InterceptingOutboundPacketAsync += OnOutboundPacket;
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

        if (_core.ConnectionOf(clientId) is MqttNetConnection previous)
        {
            // A client that reconnects has usually just left: its DISCONNECT (or closed socket) may still be on its way
            // through MQTTnet's receive loop for the old connection. Give it a moment, so the session ends as the client
            // asked (an expiry-0 session is gone, not taken over); a connection that is really still there is taken over.
            await Task.WhenAny(previous.Ended, Task.Delay(TakeoverGrace)).ConfigureAwait(false);
        }

        // Accepted: from now on the core routes to this connection, before MQTTnet even sends the CONNACK.
        var expiry = args.ProtocolVersion == MqttProtocolVersion.V500
            ? args.SessionExpiryInterval
            : cleanStart ? 0 : _mqtt311SessionExpiry;
        var connection = new MqttNetConnection(args.ProtocolVersion, decision.Client, decision.PairingMessage, _outboundLimits,
            ClientReceiveLimits.Of(args))
        {
            Metrics = Metrics,
            DiscardedTooLarge = _reportTooLarge,
            Input = (args.ChannelAdapter as GuardedChannel)?.Input,
        };
        _connections[endPoint] = connection;
        var sessionPresent = _core.Connect(clientId, cleanStart, expiry, connection);
        connection.SessionExpirySeconds = expiry;
        if (connect.WillFlag)
        {
            // The core keeps the will (and its delay); MQTTnet must not publish it as well.
            var will = MqttApplicationMessageFactory.Create(MQTTnet.Server.Internal.Formatter.MqttPublishPacketFactory.Create(connect));
            _core.KeepWill(clientId, connection, new RoutedMessage(will.Topic, will.Payload.ToArray(), (int)will.QualityOfServiceLevel, will.Retain)
            {
                MessageExpiryInterval = will.MessageExpiryInterval,
                EngineProperties = will,
            }, connect.WillDelayInterval);
            connect.WillFlag = false;
        }

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

        ClientReady?.Invoke(args.ClientId, connection, connection.SessionExpirySeconds);
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
        _retainedOnSubscribe.Forget(args.ClientId, connection);
        _unsubscribeAnswers.TryRemove(args.ClientId, out _);

        // MQTTnet raises this once per accepted connection: Clean when the client sent DISCONNECT (told to the core as it
        // arrived, see Disconnect), Takeover for the older connection of a takeover (closed by MQTTnet, which the session
        // ignores but presence reports), NotClean for everything else (network loss, keep-alive expiry, the broker
        // closing it). The core ignores the end of a connection it was already told of.
        _core.Disconnect(args.ClientId, connection, connection.SessionExpirySeconds);
        connection.End();

        _core.ConnectionClosed(args.ClientId, connection);
        ClientGone?.Invoke(args.ClientId, connection, connection.SessionExpirySeconds, args.DisconnectType == MqttClientDisconnectType.Clean);
        _security.Disconnected(connection.Client);
        _logger.LogInformation(LogEvents.ClientDisconnected, "Client {ClientId} disconnected from {RemoteEndPoint} ({DisconnectType}, channel {ChannelId})",
            args.ClientId, endPoint, args.DisconnectType, connection.ChannelId);
        return Task.CompletedTask;
    }

    /// <summary>The value of the first MQTT 5 user property called <paramref name="name"/>, or null.</summary>
    static string? UserProperty(MqttApplicationMessage message, string name) =>
        message.UserProperties?.FirstOrDefault(property => property.Name == name)?.ReadValueAsString();

    /// <summary>Routes a client's PUBLISH once every connection subscribed to its topic has handled the input it had
    /// received before (an UNSUBSCRIBE whose continuation has not run yet, say): almost always at once.</summary>
    Task OnInterceptingPublish(InterceptingPublishEventArgs args)
    {
        var publisher = _core.ConnectionOf(args.ClientId) as MqttNetConnection;
        var earlierInput = ConnectionInput.WaitForSubscribersAsync(_core, publisher?.Input, args.ApplicationMessage.Topic);
        return earlierInput is null ? Route(args) : RouteAfterAsync(earlierInput, args);
    }

    async Task RouteAfterAsync(Task earlierInput, InterceptingPublishEventArgs args)
    {
        await earlierInput.ConfigureAwait(false);
        await Route(args).ConfigureAwait(false);
    }

    Task Route(InterceptingPublishEventArgs args)
    {
        var message = args.ApplicationMessage;
        var routed = new RoutedMessage(message.Topic, message.Payload.ToArray(), (int)message.QualityOfServiceLevel, message.Retain)
        {
            SenderClientId = args.ClientId,
            MessageExpiryInterval = message.MessageExpiryInterval,
            EngineProperties = message,
            DedupeId = UserProperty(message, Core.Uplink.UplinkEntry.DedupeProperty),
            Hops = Core.Uplink.P2PEnvelope.HopsOf(UserProperty(message, Core.Uplink.P2PEnvelope.HopsProperty)),
        };

        var outcome = Publish(args, routed);

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

    /// <summary>Routes a PUBLISH. At QoS 1 the core does not wait for the store: what it kept commits while MQTTnet
    /// reads the connection's next PUBLISH, and the PUBACK waits for the commit in the write path
    /// (<see cref="HeldAcknowledgement"/>). A QoS 0 message is never kept in the store; QoS 2 waits for its commit here
    /// (its PUBREC is not held).</summary>
    PublishOutcome Publish(InterceptingPublishEventArgs args, RoutedMessage routed)
    {
        if (routed.Qos != 1)
        {
            return _core.Publish(args.ClientId, routed);
        }

        var outcome = _core.PublishWithoutWaiting(args.ClientId, routed, out var pending);
        if (pending is not null)
        {
            args.Response.UserProperties = new HeldAcknowledgement(_core, outcome, (GroupCommit.Pending)pending, Metrics);
        }

        return outcome;
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
            var granted = Subscribe(args.ClientId, subscribe);
            if (granted is null)
            {
                CloseWithProtocolError(args, "No Local on a shared subscription [MQTT-3.8.3-4]");
            }
            else if (FindConnection(args.RemoteEndPoint) is { } subscriber)
            {
                _retainedOnSubscribe.Expect(args.ClientId, subscriber, granted, (int)subscribe.SubscriptionIdentifier);
            }
        }
        else if (args.Packet is MqttUnsubscribePacket unsubscribe)
        {
            // Not on MQTTnet's ClientUnsubscribedTopicAsync: that is raised only after MQTTnet's own session has
            // processed the packet, and a PUBLISH from another client can be routed in between.
            var answers = _unsubscribeAnswers.GetOrAdd(args.ClientId, _ => new ConcurrentDictionary<string, bool>());
            foreach (var filter in unsubscribe.TopicFilters)
            {
                answers[filter] = _core.Unsubscribe(args.ClientId, filter);
            }
        }
        else if (args.Packet is MqttDisconnectPacket disconnect && FindConnection(args.RemoteEndPoint) is { } connection)
        {
            Disconnect(args, disconnect, connection);
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// The client said DISCONNECT: its will is discarded (unless the reason code is 0x04, disconnect with will message)
    /// and its session ends (or goes away) now, before MQTTnet closes
    /// the socket and reports it — a client that connects again right away must find the session ended, not taken over.
    /// MQTT 5 §3.14.2.2.2: the DISCONNECT may set a new session expiry (GuardedChannel puts the CONNECT's in when it
    /// carries none), but may not turn a session that ends with its connection into one that outlives it: that is a
    /// protocol error, answered with DISCONNECT 0x82, and the session ends as for a lost connection.
    /// </summary>
    void Disconnect(InterceptingPacketEventArgs args, MqttDisconnectPacket disconnect, MqttNetConnection connection)
    {
        if (connection.ProtocolVersion == MqttProtocolVersion.V500 && disconnect.SessionExpiryInterval != connection.SessionExpirySeconds)
        {
            if (!_core.MayChangeSessionExpiry(args.ClientId, connection, disconnect.SessionExpiryInterval))
            {
                CloseWithProtocolError(args, $"its DISCONNECT raised a session expiry of 0 to {disconnect.SessionExpiryInterval} s");
                return;
            }

            connection.SessionExpirySeconds = disconnect.SessionExpiryInterval;
        }

        _core.DisconnectReceived(args.ClientId, connection, disconnect.ReasonCode == MqttDisconnectReasonCode.DisconnectWithWillMessage);
        _core.Disconnect(args.ClientId, connection, connection.SessionExpirySeconds);
        connection.End();
    }

    /// <summary>MQTTnet drops the packet; the client gets DISCONNECT 0x82 and the connection closes (outside MQTTnet's
    /// receive loop, which is waiting for this interceptor).</summary>
    void CloseWithProtocolError(InterceptingPacketEventArgs args, string problem)
    {
        args.ProcessPacket = false;
        _logger.LogWarning(LogEvents.ConnectionClosed, "Closing the connection of {ClientId}: {Problem} (protocol error 0x82)", args.ClientId, problem);
        _ = Task.Run(() => _server.DisconnectClientAsync(args.ClientId, new MqttServerClientDisconnectOptions { ReasonCode = MqttDisconnectReasonCode.ProtocolError }));
    }

    MqttNetConnection? FindConnection(EndPoint? remoteEndPoint) =>
        remoteEndPoint is not null && _connections.TryGetValue(remoteEndPoint.ToString()!, out var connection) ? connection : null;

    /// <summary>The CONNACK tells MQTT 5 clients that shared subscriptions are available (MQTTnet says they are not).</summary>
    static Task OnOutboundPacket(InterceptingPacketEventArgs args)
    {
        if (args.Packet is MqttConnAckPacket connAck)
        {
            connAck.SharedSubscriptionAvailable = true;
        }

        return Task.CompletedTask;
    }

    /// <summary>Has the core decide every filter of a SUBSCRIBE before MQTTnet processes it: accepted ones are in the
    /// core now, before MQTTnet reads the retained messages to send (see <see cref="RetainedKeeper"/>); the SUBACK codes
    /// wait for <see cref="OnInterceptingSubscription"/>.</summary>
    /// <returns>The accepted filters that are not shared, with their granted QoS (what retained messages may follow); null
    /// when the SUBSCRIBE is a protocol error (the filters after that one are not decided).</returns>
    List<(string Filter, int Qos)>? Subscribe(string clientId, MqttSubscribePacket subscribe)
    {
        var granted = new List<(string Filter, int Qos)>();
        foreach (var filter in subscribe.TopicFilters)
        {
            if (filter.RetainHandling == MqttRetainHandling.SendAtSubscribeIfNewSubscriptionOnly && _core.HasSubscription(clientId, filter.Topic))
            {
                // MQTTnet's session is new with each connection, so it would call a persistent session's kept
                // subscription new.
                filter.RetainHandling = MqttRetainHandling.DoNotSendOnSubscribe;
            }

            var code = _core.Subscribe(clientId, filter.Topic, (int)filter.QualityOfServiceLevel, filter.NoLocal, filter.RetainAsPublished,
                (int)subscribe.SubscriptionIdentifier);
            if (code == BrokerCore.ProtocolError)
            {
                return null;
            }

            if (code == BrokerCore.TopicFilterInvalid)
            {
                // A refusal for not being authorized is logged by the security policy, with its reason.
                _logger.LogWarning(LogEvents.SubscribeRefused, "Refused SUBSCRIBE from {ClientId}: invalid topic filter {Filter}", clientId, filter.Topic);
            }

            if (SharedFilter.IsShared(filter.Topic))
            {
                filter.Topic = SharedFilterMark + filter.Topic;
            }
            else if (code <= (int)MqttSubscribeReasonCode.GrantedQoS2)
            {
                granted.Add((filter.Topic, code));
            }

            _subackCodes.GetOrAdd(clientId, _ => new ConcurrentDictionary<string, int>())[filter.Topic] = code;
        }

        return granted;
    }

    /// <summary>Answers MQTTnet with the core's SUBACK code for the filter (MQTTnet writes any MQTT 5 refusal as 0x80 for
    /// 3.1.1) and keeps refused and shared filters out of MQTTnet's session.</summary>
    Task OnInterceptingSubscription(InterceptingSubscriptionEventArgs args)
    {
        var topic = args.TopicFilter.Topic;
        if (_subackCodes.TryGetValue(args.ClientId, out var codes) && codes.TryRemove(topic, out var code))
        {
            var shared = topic.StartsWith(SharedFilterMark, StringComparison.Ordinal);
            args.Response.ReasonCode = (MqttSubscribeReasonCode)code;
            args.ProcessSubscription = code <= (int)MqttSubscribeReasonCode.GrantedQoS2 && !shared;

            // MQTT 5 has a SUBACK code for an invalid filter; in 3.1.1 it is a protocol violation and the connection must
            // be closed [MQTT-4.8.0-1] — as the relay does — unless only its share name is wrong (as a plain filter it is
            // valid): that just fails.
            args.CloseConnection = code == BrokerCore.TopicFilterInvalid && !IsMqtt5(args.ClientId)
                && !TopicValidator.IsValidTopicFilter(shared ? topic[SharedFilterMark.Length..] : topic);
        }

        return Task.CompletedTask;
    }

    /// <summary>UNSUBACK (MQTT 5): success when the core held the filter, else 0x11 (no subscription existed).</summary>
    Task OnInterceptingUnsubscription(InterceptingUnsubscriptionEventArgs args)
    {
        if (_unsubscribeAnswers.TryGetValue(args.ClientId, out var answers) && answers.TryRemove(args.Topic, out var held))
        {
            args.Response.ReasonCode = held ? MqttUnsubscribeReasonCode.Success : MqttUnsubscribeReasonCode.NoSubscriptionExisted;
        }

        return Task.CompletedTask;
    }

    Task OnClientAcknowledged(ClientAcknowledgedPublishPacketEventArgs args)
    {
        // PUBACK (QoS 1) or PUBCOMP (QoS 2) completes a delivery; PUBREC alone does not.
        if (args.IsCompleted
            && _core.ConnectionOf(args.ClientId) is MqttNetConnection connection
            && connection.Acknowledged(args.PublishPacket.PacketIdentifier) is var tag and not 0)
        {
            _core.Acknowledge(args.ClientId, tag);
        }

        return Task.CompletedTask;
    }

    /// <summary>A message was not sent to <paramref name="clientId"/>: larger than its Maximum Packet Size. The core hears
    /// of it off the connection's lock (as of a PUBACK), since the connection may be inside the core's Send.</summary>
    void ReportTooLarge(string clientId, long deliveryTag)
    {
        _logger.LogDebug(LogEvents.PublishDropped, "Discarded a message for {ClientId}: larger than the Maximum Packet Size it announced", clientId);
        ThreadPool.QueueUserWorkItem(_ =>
        {
            try
            {
                _core.DiscardedTooLarge(clientId, deliveryTag);
            }
            catch (Exception e)
            {
                // An exception escaping a thread-pool item would end the process.
                _logger.LogError(LogEvents.StoreError, e, "Releasing a message too large for {ClientId} failed", clientId);
            }
        });
    }

    /// <summary>The broker is about to close every connection to stop. The core decides whether their wills go out
    /// (<see cref="BrokerCore.BeginShutdown"/>: they do not; the core keeps every will, MQTTnet none). Returns a task that
    /// completes once every connection open now has been reported closed to the core, so the store is closed only after
    /// the sessions it keeps were updated.</summary>
    public Task ShuttingDown()
    {
        _core.BeginShutdown();
        return Task.WhenAll(_connections.Values.Select(connection => connection.Ended).ToList());
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
