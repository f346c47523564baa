using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using EdgeBroker.Core;
using EdgeBroker.Core.Diagnostics;
using EdgeBroker.Core.Limits;
using EdgeBroker.Core.Outbound;
using EdgeBroker.Core.Retained;
using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Security;
using EdgeBroker.Core.Sessions;
using EdgeBroker.Core.Text;
using EdgeBroker.Core.Topics;
using EdgeBroker.Host.Monitoring;
using EdgeBroker.Host.Storage;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace EdgeBroker.Host.Mqtt;

/// <summary>
/// The host's MQTT server: one reader per connection (<see cref="Serve"/>, started by the listeners once a
/// CONNECT was read), each packet translated into a call on the routing core and answered with what the core decided.
/// MQTTnet only decodes and encodes the packets (<see cref="GuardedChannel"/>); the core keeps sessions, subscriptions,
/// undelivered messages, redelivery, wills and retained messages. Every CONNECT is authenticated by the core's
/// <see cref="BrokerSecurity"/> before the core hears of it. An idle connection costs its socket, one parked zero-byte
/// read with its reader, its <see cref="ClientConnection"/> and the core's session: no timer or task of its own (keep-alive is one sweep a
/// second over every connection, <see cref="Tick"/>).
/// </summary>
sealed partial class CoreBridge
{
    readonly BrokerCore _core;
    readonly BrokerSecurity _security;
    readonly RetainedMessages _retained;
    readonly uint _mqtt311SessionExpiry;
    readonly ILogger _logger;

    /// <summary>The connections whose CONNECT was accepted and that have not ended yet.</summary>
    readonly ConcurrentDictionary<ClientConnection, byte> _connections = new();
    readonly KeepAliveWheel _keepAlive = new();

    /// <summary>Which PUBLISHes refused by a full uplink queue are logged: the first, then at most one a minute, so a flooding
    /// client cannot flood the log (those dropped for a full offline quota: <see cref="BrokerCore.QuotaDropToReport"/>).</summary>
    readonly DropReports _uplinkRefusals = new();

    /// <summary>Which of the open policy's refusals ($ topics) are logged: each client's first in a minute, as the
    /// security policy logs its own (which tracks as many clients as the login throttle tracks addresses).</summary>
    readonly ProblemReports _refusals = new(RefusingClientsTracked);

    /// <summary>Which SUBSCRIBEs refused beyond <see cref="BrokerCore.MaxSubscriptionsPerClient"/> are logged: each
    /// client's first in a minute.</summary>
    readonly ProblemReports _subscriptionRefusals = new(RefusingClientsTracked);

    /// <summary>Which retained messages the retained store would not keep are logged: each publisher's first in a
    /// minute.</summary>
    readonly ProblemReports _retainedRefusals = new(RefusingClientsTracked);

    /// <summary>Which CONNECTs refused beyond <see cref="BrokerCore.MaxSessions"/> are logged: the first from an address
    /// in a minute (by address: client IDs cycling from one machine would otherwise write a line each).</summary>
    readonly ProblemReports _sessionRefusals = new(RefusingClientsTracked);

    /// <summary>Which CONNECTs refused because their will does not fit <see cref="BrokerCore.MaxWillBytes"/> are logged:
    /// the first from an address in a minute, as for <see cref="_sessionRefusals"/>.</summary>
    readonly ProblemReports _willRefusals = new(RefusingClientsTracked);

    /// <summary>Which CONNECTs refused because the store could not keep their session are logged: the first, then at most
    /// one a minute — the store's condition, not the clients', so not per address.</summary>
    readonly DropReports _unstoredSessions = new();

    const int RefusingClientsTracked = 1024;

    /// <summary>What every connection reads: the outbound limits, the metrics, <see cref="ReportDiscarded"/>.</summary>
    readonly ClientConnection.Shared _connectionsShare;

    /// <summary>How long a CONNECT waits for the client ID's previous connection to end before taking it over.</summary>
    static readonly TimeSpan TakeoverGrace = TimeSpan.FromMilliseconds(250);

    /// <summary>Where the connections time their deliveries; null measures nothing.</summary>
    public BrokerMetrics? Metrics => _connectionsShare.Metrics;

    /// <summary>Told when a client's connection is ready to receive (after the CONNACK), with its session expiry; the
    /// uplinks' proxy sessions follow it. Null tells no one.</summary>
    public Action<string, object, uint>? ClientReady { get; init; }

    /// <summary>Told when a client's connection has ended, with the session expiry in force then and whether the client
    /// said DISCONNECT (rather than losing its connection). Null tells no one.</summary>
    public Action<string, object, uint, bool>? ClientGone { get; init; }

    /// <summary>Whether the core decides with the security policy, which logs each denial with its reason; the open
    /// policy's refusals ($ topics) are logged here.</summary>
    public bool PolicyLogsDenials { get; init; }

    /// <param name="retained">The retained messages, which the core keeps through <see cref="BrokerCore.KeepRetained"/> and
    /// sends to new subscriptions (<see cref="BrokerCore.SendRetained"/>).</param>
    /// <param name="mqtt311SessionExpiry">How long a 3.1.1 session with clean session = 0 outlives its connection.</param>
    /// <param name="outboundLimits">What may wait for each connected client.</param>
    /// <param name="metrics">Where the connections time their deliveries; null measures nothing.</param>
    public CoreBridge(BrokerCore core, BrokerSecurity security, RetainedMessages retained, uint mqtt311SessionExpiry,
        OutboundQueueLimits outboundLimits, ILogger<CoreBridge> logger, BrokerMetrics? metrics = null)
    {
        _connectionsShare = new ClientConnection.Shared(outboundLimits, ReportDiscarded, metrics, core);
        _core = core;
        _security = security;
        _retained = retained;
        _mqtt311SessionExpiry = mqtt311SessionExpiry;
        _logger = logger;
        core.KeepRetained = KeepRetained;
        core.Retained = retained;
        core.StoreConditionChanged = LogStoreCondition;
    }

    /// <summary>Serves one connection whose CONNECT <paramref name="channel"/> has read, until it ends, and closes the
    /// channel then (<see cref="Reader"/>).</summary>
    public void Serve(GuardedChannel channel) => new Reader(this, channel).Start();

    /// <summary>Once a second: closes the connections whose clients fell silent for 1.5 keep-alive periods
    /// [MQTT-3.1.2-24] (MQTT 5: DISCONNECT 0x8D), looking only at those whose deadline may have passed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Tick()
    {
        if (_keepAlive.Expired(Clock.MonotonicMs()) is { } expired)
        {
            foreach (var connection in expired)
            {
                _logger.LogInformation(LogEvents.ConnectionClosed, "Closing the connection of {ClientId} (channel {ChannelId}): no packet within 1.5 times its keep-alive of {KeepAlive} s",
                    ClientTextForLog.Of(connection.ClientId), connection.ChannelId, connection.KeepAliveSeconds);
                _ = connection.CloseAsync(MqttDisconnectReasonCode.KeepAliveTimeout);
            }
        }
    }

    /// <summary>The number of connections whose CONNECT was accepted and that are open.</summary>
    public int ConnectionCount => _connections.Count;

    /// <summary>
    /// CONNECT: takes the client's place among the sessions (<see cref="BrokerCore.ReserveSession"/>), authenticates the
    /// client (a delay on repeated failures is a timer, not a blocked thread), refuses it with the core's CONNACK code, or
    /// has the core take it (taking over the client ID's previous connection) and answers with the CONNACK; then the
    /// pairing message if any. Null when refused.
    /// </summary>
    async Task<ClientConnection?> AcceptAsync(GuardedChannel channel)
    {
        var connect = channel.TakeConnect();
        var version = channel.Version;
        var mqtt5 = version == MqttProtocolVersion.V500;
        var clientId = connect.ClientId;
        string? assigned = null;
        if (string.IsNullOrEmpty(clientId))
        {
            // [MQTT-3.1.3-6]; the clean session = 0 case never gets here (GuardedChannel answers it).
            clientId = "auto-" + Guid.NewGuid().ToString("N");
            assigned = mqtt5 ? clientId : null;
        }

        var expiry = mqtt5 ? connect.SessionExpiryInterval : connect.CleanSession ? 0 : _mqtt311SessionExpiry;
        var place = _core.ReserveSession(clientId, expiry > 0);
        if (place is null)
        {
            // Before authentication, which may pair a device that would then never get its credentials. A session
            // limit stays reached until sessions expire, so MQTT 5 hears "quota exceeded" rather than "server busy".
            await channel.SendAsync(ConnAckRefusal.Of(MqttConnectReasonCode.QuotaExceeded, MqttConnectReturnCode.ConnectionRefusedServerUnavailable))
                .ConfigureAwait(false);
            if (_sessionRefusals.ShouldReport(channel.Source, Clock.MonotonicMs()))
            {
                _logger.LogWarning(LogEvents.ConnectRefused,
                    "Refused CONNECT of {ClientId} from {RemoteIp} (MQTT {Protocol}): the broker holds {Sessions} sessions (MaxSessions {Max}) and none for this client ID{Thinned}",
                    ClientTextForLog.Of(clientId), channel.Source, ProtocolName(version), _core.SessionCount, _core.MaxSessions, ProblemReports.AddressRefusalNote);
            }

            return null;
        }

        // Before authentication, as the session's place. The reservation gives its room back however this CONNECT
        // ends, unless the core kept the will.
        var willMessage = connect.WillFlag ? ConnectWill.Of(connect) : null;
        WillReservation? will = null;
        AuthDecision decision;
        try
        {
            will = willMessage is null ? null : _core.ReserveWill(clientId, willMessage);
            if (willMessage is not null && will is null)
            {
                await RefuseWillAsync(channel, clientId, willMessage).ConfigureAwait(false);
                return null;
            }

            decision = _security.Authenticate(clientId, connect.Username, connect.Password, channel.Source, Clock.NowMs(), Clock.MonotonicMs());
            if (decision.IsAccepted)
            {
                return await ConnectAsync(channel, connect, clientId, assigned, expiry, will, decision).ConfigureAwait(false);
            }
        }
        finally
        {
            // Connected, the place is its session's and the will the core's; refused or failed, both are free again —
            // a CONNECT refused for its credentials before the throttle slows its answer, so a stream of bad logins
            // holds no place and no will room while it waits.
            will?.Dispose();
            _core.ReleaseSession(place);
        }

        await RefuseCredentialsAsync(channel, clientId, decision).ConfigureAwait(false);
        return null;
    }

    /// <summary>Refuses the CONNECT of <paramref name="clientId"/>, whose <paramref name="will"/> does not fit in the
    /// budget: refused rather than accepted without the will, which would leave the client believing its subscribers
    /// will hear of its end (docs/overload.md, "Wills").</summary>
    async Task RefuseWillAsync(GuardedChannel channel, string clientId, RoutedMessage will)
    {
        await channel.SendAsync(ConnAckRefusal.Of(MqttConnectReasonCode.QuotaExceeded, MqttConnectReturnCode.ConnectionRefusedServerUnavailable))
            .ConfigureAwait(false);
        if (_willRefusals.ShouldReport(channel.Source, Clock.MonotonicMs()))
        {
            _logger.LogWarning(LogEvents.ConnectRefused,
                "Refused CONNECT of {ClientId} from {RemoteIp} (MQTT {Protocol}): its will counts {WillBytes} bytes and the wills held take {HeldBytes} of MaxWillBytes {Max}{Thinned}",
                ClientTextForLog.Of(clientId), channel.Source, ProtocolName(channel.Version), _core.WillFootprint(will), _core.WillBytes, _core.MaxWillBytes,
                ProblemReports.AddressRefusalNote);
        }
    }

    /// <summary>Refuses the CONNECT of <paramref name="clientId"/>, whose session the store could not keep (a full disk or
    /// <c>MaxDatabaseBytes</c>; the core refused it and counted it in <see cref="BrokerCore.SessionsRefused"/>): "server
    /// unavailable" (MQTT 5 0x88, 3.1.1 0x03), as the store takes writes again once space comes back — not "quota
    /// exceeded", kept for limits that stay reached. One line for the first, then at most one a minute with the count:
    /// a full disk refuses every client that reconnects, from every address.</summary>
    async Task RefuseUnstoredSessionAsync(GuardedChannel channel, string clientId, SessionNotStoredException refusal)
    {
        await channel.SendAsync(ConnAckRefusal.Of(MqttConnectReasonCode.ServerUnavailable)).ConfigureAwait(false);
        if (_unstoredSessions.ShouldReport(out var tally))
        {
            _logger.LogError(LogEvents.ConnectRefused, "Refused CONNECT of {ClientId} from {RemoteIp} (MQTT {Protocol}): {Reason}{Tally}",
                ClientTextForLog.Of(clientId), channel.Source, ProtocolName(channel.Version), ClientTextForLog.Escaped(refusal.Message), tally);
        }
    }

    /// <summary>Refuses the CONNECT of <paramref name="clientId"/> as its authentication <paramref name="decision"/>
    /// says, after the login throttle's delay (a timer, not a blocked thread, so other clients are served meanwhile).
    /// The core never hears of it: a live connection with the same client ID carries on untouched.</summary>
    async Task RefuseCredentialsAsync(GuardedChannel channel, string clientId, AuthDecision decision)
    {
        if (decision.ResponseDelayMs > 0)
        {
            await Task.Delay(decision.ResponseDelayMs).ConfigureAwait(false);
        }

        var code = ConnectRefusalCodes.For(decision, channel.Version);
        await channel.SendAsync(ConnAckRefusal.Of(code)).ConfigureAwait(false);
        if (_security.ShouldLogRefusal(decision, channel.Source, Clock.MonotonicMs()))
        {
            _logger.LogWarning(LogEvents.ConnectRefused, "Refused CONNECT of {ClientId} from {RemoteIp} (MQTT {Protocol}): {Reason}{Slowed}{Thinned}",
                ClientTextForLog.Of(clientId), channel.Source, ProtocolName(channel.Version), ClientTextForLog.Escaped(decision.Reason),
                decision.SlowedNote,
                ProblemReports.AddressRefusalNote);
        }
    }

    /// <summary>The CONNECT of <paramref name="clientId"/>, authenticated (<paramref name="decision"/>) and holding its
    /// place among the sessions and its <paramref name="will"/>'s room: connected in the core and answered with the
    /// CONNACK, after the login throttle's delay. Whatever fails before the core took the connection leaves nothing
    /// of it behind — the security entry <see cref="BrokerSecurity.Authenticate"/> made goes too.</summary>
    async Task<ClientConnection?> ConnectAsync(GuardedChannel channel, MqttConnectPacket connect, string clientId, string? assigned, uint expiry,
        WillReservation? will, AuthDecision decision)
    {
        var version = channel.Version;
        var endPoint = channel.RemoteAddress;
        ClientConnection? connection = null;
        ClientConnection? previous;
        bool sessionPresent;
        try
        {
            if (decision.ResponseDelayMs > 0)
            {
                // Right credentials from an address that keeps failing are slowed too; a timer, not a blocked thread.
                await Task.Delay(decision.ResponseDelayMs).ConfigureAwait(false);
            }

            if (_core.ConnectionOf(clientId) is ClientConnection leaving)
            {
                // A client that reconnects has usually just left: its DISCONNECT (or closed socket) may still be on its
                // way through the old connection's reader. Give it a moment, so the session ends as the client asked (an
                // expiry-0 session is gone, not taken over); a connection that is really still there is taken over.
                await Task.WhenAny(leaving.Ended, Task.Delay(TakeoverGrace)).ConfigureAwait(false);
            }

            connection = new ClientConnection(channel, clientId, connect.KeepAlivePeriod, decision.Client, decision.PairingMessage, _connectionsShare,
                ClientReceiveLimits.Of(connect, version, channel.Flow))
            {
                SessionExpirySeconds = expiry,
            };

            // Accepted: from now on the core routes to this connection, which holds what comes until the CONNACK is out.
            previous = _core.ConnectionOf(clientId) as ClientConnection;
            sessionPresent = _core.Connect(clientId, connect.CleanSession, expiry, connection, decision.Client.ProvesClientId);
        }
        catch (Exception e)
        {
            // The client is not connected. The core ends a connection it took before it failed, and security forgets the
            // client — left, its entry stood for the client ID, checked for every PUBLISH and SUBSCRIBE of it, until the
            // client ID connected again.
            if (connection is not null)
            {
                _core.Disconnect(clientId, connection, expiry);
            }

            _security.Disconnected(decision.Client);
            if (e is not SessionNotStoredException notStored)
            {
                throw;
            }

            await RefuseUnstoredSessionAsync(channel, clientId, notStored).ConfigureAwait(false);
            return null;
        }

        // Where CloseConnectionsWithLostCredentials finds it from now on; a loss since the check is this CONNECT's to act on.
        var credentialsHold = _security.ConnectionRegistered(decision.Client);

        // Deliveries released before and not completed: their PUBRELs go first after the CONNACK [MQTT-4.4.0-1].
        connection.Resume(_core.Qos2ReleasesToResend(clientId));
        _connections[connection] = 0;
        _keepAlive.Add(connection);
        try
        {
            if (will is not null)
            {
                _core.KeepWill(clientId, connection, will, connect.WillDelayInterval);
            }

            await WelcomeAsync(connection, previous, endPoint, connect.CleanSession, sessionPresent, assigned, decision).ConfigureAwait(false);
        }
        catch
        {
            // The core took the connection: it hears of its end whatever went wrong (the client left mid-CONNACK).
            Ended(connection);
            throw;
        }

        if (!credentialsHold)
        {
            // Revoked or run out while this CONNECT waited (a slowed answer, a takeover's grace): closed as the
            // revocation would have closed it, had it found the connection.
            CloseForLostCredentials(connection, decision.Client);
        }

        return connection;
    }

    /// <summary>Takes over <paramref name="previous"/>, writes the CONNACK, then whatever waited for the client
    /// (offline messages, the pairing message) and tells the uplinks' proxy sessions.</summary>
    async Task WelcomeAsync(ClientConnection connection, ClientConnection? previous, string endPoint, bool cleanStart, bool sessionPresent,
        string? assigned, AuthDecision decision)
    {
        var clientId = connection.ClientId;
        _core.ConnectionAccepted(clientId, connection);
        if (previous is not null && previous != connection)
        {
            // [MQTT-3.1.4-2]: the session is this connection's now; the old one closes (MQTT 5: DISCONNECT 0x8E).
            previous.TakenOver = true;
            _ = previous.CloseAsync(MqttDisconnectReasonCode.SessionTakenOver);
        }

        await connection.Channel.SendAsync(new MqttConnAckPacket
        {
            ReasonCode = MqttConnectReasonCode.Success,
            ReturnCode = MqttConnectReturnCode.ConnectionAccepted,
            IsSessionPresent = sessionPresent,
            AssignedClientIdentifier = assigned,
            MaximumQoS = (MqttQualityOfServiceLevel)_core.MaxQos,
            RetainAvailable = true,
            SharedSubscriptionAvailable = true,
            SubscriptionIdentifiersAvailable = true,
            WildcardSubscriptionAvailable = true,
        }).ConfigureAwait(false);
        connection.Ready();
        _logger.LogInformation(LogEvents.ClientConnected,
            "Client {ClientId} connected from {RemoteEndPoint} (MQTT {Protocol}, {AuthMode}: {Authentication}, channel {ChannelId}, clean start {CleanStart}, session present {SessionPresent})",
            ClientTextForLog.Of(clientId), endPoint, ProtocolName(connection.ProtocolVersion), decision.Client.Mode, ClientTextForLog.Escaped(decision.Reason),
            connection.ChannelId, cleanStart, sessionPresent);
        if (connection.TakePairingMessage() is { } pairing)
        {
            SendPairingMessage(clientId, connection, pairing);
        }

        ClientReady?.Invoke(clientId, connection, connection.SessionExpirySeconds);
    }

    /// <summary>Hands a freshly paired device its credentials: QoS 1, on its own connection only, not tracked by the
    /// core (a device that loses them is paired again). The payload holds the secret, so it is never logged.</summary>
    void SendPairingMessage(string clientId, ClientConnection connection, PairingMessage pairing)
    {
        var message = new RoutedMessage(pairing.Topic, pairing.Payload, qos: 1, retain: false) { PublishedAtMs = Clock.NowMs() };
        if (connection.Send(message, qos: 1, retain: false, subscriptionIdentifiers: null, deliveryTag: 0, duplicate: false))
        {
            _logger.LogInformation(LogEvents.DevicePaired, "Paired {ClientId}: its credentials were sent on its own connection", ClientTextForLog.Of(clientId));
        }
        else
        {
            _logger.LogWarning(LogEvents.DevicePaired, "Paired {ClientId}, but its credentials could not be queued; revoke it and pair it again", ClientTextForLog.Of(clientId));
        }
    }

    /// <summary>The connection has ended, however: the core, the uplinks' proxy sessions and security hear of it once.
    /// The core ignores the end of a connection it was already told of (a DISCONNECT) or that was taken over.</summary>
    void Ended(ClientConnection connection)
    {
        _connections.TryRemove(connection, out _);
        _keepAlive.Remove(connection);
        var clientId = connection.ClientId;
        _core.Disconnect(clientId, connection, connection.SessionExpirySeconds);
        connection.End();
        _core.ConnectionClosed(clientId, connection);
        ClientGone?.Invoke(clientId, connection, connection.SessionExpirySeconds, connection.SaidDisconnect);
        _security.Disconnected(connection.Client);
        _logger.LogInformation(LogEvents.ClientDisconnected, "Client {ClientId} disconnected from {RemoteEndPoint} ({DisconnectType}, channel {ChannelId})",
            ClientTextForLog.Of(clientId), connection.Channel.RemoteAddress, connection.SaidDisconnect ? "Clean" : connection.TakenOver ? "Takeover" : "NotClean",
            connection.ChannelId);
    }

    /// <summary>One packet from the client; false when the connection is to end now.</summary>
    ValueTask<bool> Handle(ClientConnection connection, MqttPacket packet)
    {
        switch (packet)
        {
            case MqttPublishPacket publish:
                return OnPublish(connection, publish);
            case MqttPubAckPacket pubAck:
                Completed(connection, pubAck.PacketIdentifier);
                return Continue;
            case MqttPubRecPacket pubRec when pubRec.ReasonCode >= MqttPubRecReasonCode.UnspecifiedError:
                // MQTT 5 §4.3.3: a PUBREC with an error code ends the exchange.
                Completed(connection, pubRec.PacketIdentifier);
                return Continue;
            case MqttPubRecPacket pubRec:
                Received(connection, pubRec.PacketIdentifier);
                return Continue;
            case MqttPubCompPacket pubComp:
                // Only a released delivery is completed: the session forgets its identifier too.
                Completed(connection, pubComp.PacketIdentifier);
                _core.Qos2Completed(connection.ClientId, pubComp.PacketIdentifier);
                return Continue;
            case MqttPubRelPacket pubRel:
                // Answered even for an unknown identifier: the client may be resending after a reconnect [MQTT-4.3.3-2];
                // MQTT 5 says which (§3.7.2.1: 0x92 Packet Identifier not found; 3.1.1's PUBCOMP has no reason code).
                return Sent(connection.Channel.SendAsync(new MqttPubCompPacket
                {
                    PacketIdentifier = pubRel.PacketIdentifier,
                    ReasonCode = _core.Qos2Released(connection.ClientId, pubRel.PacketIdentifier)
                        ? MqttPubCompReasonCode.Success
                        : MqttPubCompReasonCode.PacketIdentifierNotFound,
                }));
            case MqttSubscribePacket subscribe:
                return OnSubscribe(connection, subscribe);
            case MqttUnsubscribePacket unsubscribe:
                return Sent(connection.Channel.SendAsync(Unsubscribe(connection, unsubscribe)));
            case MqttPingReqPacket:
                return Sent(connection.Channel.SendAsync(MqttPingRespPacket.Instance));
            case MqttDisconnectPacket disconnect:
                return OnDisconnect(connection, disconnect);
            default:
                return CloseWithProtocolError(connection, $"a client may not send {packet.GetType().Name.Replace("Mqtt", "").Replace("Packet", "")}");
        }
    }

    static readonly ValueTask<bool> Continue = new(true);

    /// <summary>Goes on once <paramref name="sending"/> is written (at once unless the client lags far behind).</summary>
    static ValueTask<bool> Sent(Task sending) => sending.IsCompletedSuccessfully ? Continue : AfterAsync(sending);

    static async ValueTask<bool> AfterAsync(Task sending)
    {
        await sending.ConfigureAwait(false);
        return true;
    }

    /// <summary>PUBREC of a QoS 2 delivery: the first time, the session records the release (the core lets go of the
    /// message, so it is never sent as a PUBLISH again, and a resumed session gets the PUBREL again) before the PUBREL
    /// is written; a repeated PUBREC gets the PUBREL again.</summary>
    void Received(ClientConnection connection, ushort packetIdentifier)
    {
        var received = connection.Received(packetIdentifier, out var tag);
        if (received == ClientConnection.Receipt.First)
        {
            _core.Qos2DeliveryReceived(connection.ClientId, tag, packetIdentifier);
        }

        connection.Release(packetIdentifier, received != ClientConnection.Receipt.Unknown);
    }

    /// <summary>PUBACK or PUBCOMP (or a refusing PUBREC): the delivery is complete.</summary>
    void Completed(ClientConnection connection, ushort packetIdentifier)
    {
        if (connection.Acknowledged(packetIdentifier) is var tag and not 0)
        {
            _core.Acknowledge(connection.ClientId, tag);
        }
    }

    /// <summary>
    /// PUBLISH: routed once every connection subscribed to its topic has handled the input it had received before (an
    /// UNSUBSCRIBE whose continuation has not run yet, say) — almost always at once, synchronously, and then by the
    /// subscriptions the check matched (the tree is matched once); after a wait the subscriptions may have changed, so
    /// the core matches again. A QoS 2 PUBLISH is routed on arrival; sent again with the same identifier before its
    /// PUBREL, it is only acknowledged again.
    /// </summary>
    ValueTask<bool> OnPublish(ClientConnection connection, MqttPublishPacket publish)
    {
        if (publish.QualityOfServiceLevel == MqttQualityOfServiceLevel.ExactlyOnce)
        {
            // The session remembers what it routed and awaits PUBREL for, across reconnects (the core decides).
            switch (_core.Qos2Arrived(connection.ClientId, publish.PacketIdentifier))
            {
                case BrokerCore.Qos2Resent:
                    // [MQTT-4.3.3-2]: already routed.
                    return Sent(connection.Channel.SendAsync(new MqttPubRecPacket { PacketIdentifier = publish.PacketIdentifier }));
                case BrokerCore.Qos2TooMany:
                    return CloseForTooManyOpenExchanges(connection);
            }
        }

        if (_security.IsTokenUpload(connection.Client, publish.Topic))
        {
            return OnTokenUpload(connection, publish);
        }

        // The thread's match, taken while in use; the ordering check reads its connections before it returns.
        var reused = t_match;
        t_match = null;
        var match = _core.MatchSubscribers(publish.Topic, reused);
        var earlierInput = ConnectionInput.WaitForSubscribersAsync(match?.Connections, connection.Input);
        if (earlierInput is not null)
        {
            // After the wait the core matches again.
            t_match = match ?? reused;
            return RouteAfterAsync(earlierInput, connection, BufferedPackets.Kept(publish));
        }

        var routing = Route(connection, publish, match);
        t_match = match ?? reused;
        return routing;
    }

    /// <summary>The subscriber match this thread's PUBLISHes are matched into (<see cref="BrokerCore.MatchSubscribers(string, SubscriberMatch)"/>):
    /// used from the match to the core's routing, which never wait, so one per thread serves every connection.</summary>
    [ThreadStatic]
    static SubscriberMatch? t_match;

    async ValueTask<bool> RouteAfterAsync(Task earlierInput, ClientConnection connection, MqttPublishPacket publish)
    {
        await earlierInput.ConfigureAwait(false);
        return await Route(connection, publish, match: null).ConfigureAwait(false);
    }

    /// <param name="match">What the subscription tree matched for the topic just before, or null to match now.</param>
    ValueTask<bool> Route(ClientConnection connection, MqttPublishPacket publish, SubscriberMatch? match)
    {
        var clientId = connection.ClientId;
        var qos = (int)publish.QualityOfServiceLevel;
        var routed = ToRoutedMessage(clientId, publish, connection.Channel);

        // At QoS 1 the core does not wait for the store: what it kept commits while the next PUBLISH is read, and the
        // PUBACK waits for the commit in the writer (HeldAcknowledgement). QoS 0 is never stored; QoS 2 waits here.
        PublishOutcome outcome;
        HeldAcknowledgement? held = null;
        if (qos == 1)
        {
            outcome = _core.PublishWithoutWaiting(clientId, routed, match, out var pending);
            if (pending is not null)
            {
                held = new HeldAcknowledgement(_core, outcome, (GroupCommit.Pending)pending, Metrics);
            }
        }
        else
        {
            outcome = _core.Publish(clientId, routed, match);
        }

        Routed(routed);

        LogOutcome(clientId, publish.Topic, outcome, connection.IsMqtt5 || qos == 0);
        if (outcome is PublishOutcome.UplinkQueueFull or PublishOutcome.StoreUnavailable && !connection.IsMqtt5 && qos > 0)
        {
            // Not accepted, and MQTT 3.1.1 has no negative PUBACK: the connection closes before any PUBACK and the
            // publisher sends the message again after reconnecting.
            return new ValueTask<bool>(false);
        }

        return Acknowledge(connection, publish, PublishOutcomeCodes.ToPubAck(outcome), held);
    }

    /// <summary>Answers a PUBLISH with <paramref name="code"/>: PUBACK at QoS 1 (held until its commit settles when
    /// <paramref name="held"/> is set), PUBREC at QoS 2 (the session remembers an accepted one), nothing at QoS 0.</summary>
    ValueTask<bool> Acknowledge(ClientConnection connection, MqttPublishPacket publish, MqttPubAckReasonCode code, HeldAcknowledgement? held)
    {
        switch (publish.QualityOfServiceLevel)
        {
            case MqttQualityOfServiceLevel.AtLeastOnce:
                return Sent(connection.Channel.SendPubAck(publish.PacketIdentifier, code, held));
            case MqttQualityOfServiceLevel.ExactlyOnce:
                if (code < MqttPubAckReasonCode.UnspecifiedError)
                {
                    _core.Qos2Accepted(connection.ClientId, publish.PacketIdentifier);
                }

                return Sent(connection.Channel.SendAsync(new MqttPubRecPacket
                {
                    PacketIdentifier = publish.PacketIdentifier,
                    ReasonCode = (MqttPubRecReasonCode)code,
                }));
            default:
                return Continue;
        }
    }

    /// <summary>
    /// ApsaraMQ's dynamic token update: a Token-mode client published its new token to <c>$SYS/uploadToken</c>. The core
    /// decides (<see cref="BrokerSecurity.UploadToken"/>); accepted, the connection holds the new token and the PUBLISH is
    /// acknowledged; refused, the client gets the <c>$SYS/tokenInvalidNotice</c>, the refusal (MQTT 5: 0x87; MQTT 3.1.1:
    /// a plain acknowledgement) and, as ApsaraMQ does after an invalid notice, the connection closes (MQTT 5:
    /// DISCONNECT 0x87 with the reason).
    /// </summary>
    ValueTask<bool> OnTokenUpload(ClientConnection connection, MqttPublishPacket publish)
    {
        var payload = publish.Payload.ToArray();
        var result = _security.UploadToken(connection.Client, payload, 0, payload.Length, Clock.NowMs());
        if (result.Accepted)
        {
            _logger.LogInformation(LogEvents.TokenUploaded, "Client {ClientId} (channel {ChannelId}) uploaded a token: {Result}",
                ClientTextForLog.Of(connection.ClientId), connection.ChannelId, ClientTextForLog.Escaped(result.Reason));
            return Acknowledge(connection, publish, MqttPubAckReasonCode.Success, held: null);
        }

        _logger.LogWarning(LogEvents.ConnectionClosed, "Closing the connection of {ClientId} (channel {ChannelId}): {Reason}",
            ClientTextForLog.Of(connection.ClientId), connection.ChannelId, ClientTextForLog.Escaped(result.Reason));
        if (result.Notice is { } notice)
        {
            SendTokenNotice(connection, notice);
        }

        return RefuseTokenUploadAsync(connection, publish, result.Reason);
    }

    async ValueTask<bool> RefuseTokenUploadAsync(ClientConnection connection, MqttPublishPacket publish, string reason)
    {
        await Acknowledge(connection, publish, MqttPubAckReasonCode.NotAuthorized, held: null).ConfigureAwait(false);
        await connection.CloseAfterPendingAsync(MqttDisconnectReasonCode.NotAuthorized, reason).ConfigureAwait(false);
        return false;
    }

    /// <summary>A token notice on the client's own connection, QoS 0, whether or not it subscribed: advisory, kept
    /// nowhere, and an invalid notice is followed by the close, which a QoS 1 exchange would not outlast.</summary>
    static void SendTokenNotice(ClientConnection connection, TokenNotice notice)
    {
        var message = new RoutedMessage(notice.Topic, notice.Payload, qos: 0, retain: false) { PublishedAtMs = Clock.NowMs() };
        connection.Send(message, qos: 0, retain: false, subscriptionIdentifiers: null, deliveryTag: 0, duplicate: false);
    }

    /// <summary>The message a PUBLISH borrowing the read buffer is routed as, one per thread (the relay keeps one per
    /// connection): it is used only between <see cref="ToRoutedMessage"/> and <see cref="Routed"/>, which never wait,
    /// and whatever keeps a borrowed message beyond the routing call keeps a copy (<see cref="RoutedMessage.Detach"/>).
    /// Taken while in use, so a routing that routes again on the same thread makes its own.</summary>
    [ThreadStatic]
    static RoutedMessage? t_routed;

    /// <summary>
    /// The PUBLISH as the core routes it. A payload decoded straight from the connection's read buffer
    /// (<see cref="BufferedPackets"/>) is borrowed from it, not copied (<see cref="RoutedMessage.IsBorrowed"/>), and
    /// routed as this thread's message, given back by <see cref="Routed"/>; MQTTnet's decoder's own copy is not copied
    /// again. The MQTT 5 properties travel with it only when it has any.
    /// </summary>
    static RoutedMessage ToRoutedMessage(string clientId, MqttPublishPacket publish, GuardedChannel channel)
    {
        var payload = publish.Payload;
        byte[] bytes;
        var offset = 0;
        int length;
        if (payload.IsSingleSegment && MemoryMarshal.TryGetArray(payload.First, out var segment) && segment.Array is not null)
        {
            bytes = segment.Array;
            offset = segment.Offset;
            length = segment.Count;
        }
        else
        {
            bytes = payload.ToArray();
            length = bytes.Length;
        }

        var borrowed = channel.Lends(bytes);
        RoutedMessage? routed = null;
        if (borrowed)
        {
            routed = t_routed;
            t_routed = null;
        }

        routed ??= new RoutedMessage(publish.Topic, bytes, (int)publish.QualityOfServiceLevel, publish.Retain);
        routed.Reuse(publish.Topic, bytes, offset, length, (int)publish.QualityOfServiceLevel, publish.Retain, clientId, borrowed);
        routed.MessageExpiryInterval = publish.MessageExpiryInterval;
        if (publish.ContentType is not null || publish.CorrelationData is not null || publish.ResponseTopic is not null
            || publish.UserProperties is { Count: > 0 } || publish.PayloadFormatIndicator != MqttPayloadFormatIndicator.Unspecified)
        {
            MessageProperties.Attach(routed, new MqttApplicationMessage
            {
                Topic = publish.Topic,
                ContentType = publish.ContentType,
                CorrelationData = publish.CorrelationData,
                ResponseTopic = publish.ResponseTopic,
                PayloadFormatIndicator = publish.PayloadFormatIndicator,
                UserProperties = publish.UserProperties,
            });
            routed.DedupeId = UserProperty(publish.UserProperties, Core.Uplink.UplinkEntry.DedupeProperty);
            routed.Hops = Core.Uplink.P2PEnvelope.HopsOf(UserProperty(publish.UserProperties, Core.Uplink.P2PEnvelope.HopsProperty));
        }

        return routed;
    }

    /// <summary>The core has routed <paramref name="message"/>: borrowed, it is this thread's again, and lets go of the
    /// read buffer.</summary>
    static void Routed(RoutedMessage message)
    {
        if (message.IsBorrowed)
        {
            message.Payload = null!;
            message.Topic = null!;
            message.SenderClientId = null!;
            t_routed = message;
        }
    }

    /// <summary>The value of the first MQTT 5 user property called <paramref name="name"/>, or null.</summary>
    static string? UserProperty(List<MqttUserProperty>? properties, string name)
    {
        if (properties is not null)
        {
            foreach (var property in properties)
            {
                if (property.Name == name)
                {
                    return property.ReadValueAsString();
                }
            }
        }

        return null;
    }

    /// <summary>Logs what a publisher is not told otherwise (or the open policy's refusals).</summary>
    /// <param name="publisherHears">Whether the publisher hears the outcome (MQTT 5, or QoS 0 which is never answered).</param>
    void LogOutcome(string clientId, string topic, PublishOutcome outcome, bool publisherHears)
    {
        // MQTT 5 publishers hear 0x97 when no receiver got it; a 3.1.1 publisher cannot be told, and a message other
        // receivers got is Delivered: the log is where the drop shows.
        if (_core.QuotaDropToReport(out var droppedTally))
        {
            _logger.LogWarning(LogEvents.PublishDropped, "Dropped PUBLISH from {ClientId} to {Topic}: the receiver's offline quota is full{Tally}",
                ClientTextForLog.Of(clientId), ClientTextForLog.Of(topic), droppedTally);
        }

        QueueFullDropLog.ReportDue(_core, _logger);

        switch (outcome)
        {
            case PublishOutcome.NotAuthorized or PublishOutcome.TopicNameInvalid:
                // The security policy logs its denials with the reason; the open policy's ($ topics) are logged here.
                if (!(outcome == PublishOutcome.NotAuthorized && PolicyLogsDenials) && _refusals.ShouldReport(clientId, Clock.MonotonicMs()))
                {
                    _logger.LogWarning(LogEvents.PublishRefused, "Refused PUBLISH from {ClientId} to {Topic}: {Outcome}{Note}", ClientTextForLog.Of(clientId), ClientTextForLog.Of(topic), outcome,
                        ProblemReports.ClientRefusalNote);
                }

                break;
            case PublishOutcome.UplinkQueueFull:
                // A store that cannot write is logged once per change by LogStoreCondition, not per PUBLISH.
                if (_uplinkRefusals.ShouldReport(out var refusedTally))
                {
                    _logger.LogWarning(LogEvents.UplinkQueueFull, "Refused PUBLISH from {ClientId} to {Topic}: the uplink's queue is full{Closed}{Tally}", ClientTextForLog.Of(clientId), ClientTextForLog.Of(topic),
                        publisherHears ? "" : "; MQTT 3.1.1 connection closed without PUBACK, so the publisher sends it again",
                        refusedTally);
                }

                break;
            case PublishOutcome.NoMatchingSubscribers when P2PAddress.ReceiverStart(topic) >= 0:
                _logger.LogDebug(LogEvents.P2PUndeliverable, "P2P message from {ClientId} to {Topic} not delivered: its target has no session, or is away and the message is QoS 0",
                    ClientTextForLog.Of(clientId), ClientTextForLog.Of(topic));
                break;
        }
    }

    /// <summary>The core's <see cref="RetainedKeeper"/>. The core routes a message whether or not it is kept, so the
    /// publisher is not told; the log says so, once per publisher a minute.</summary>
    void KeepRetained(RoutedMessage message)
    {
        var publisher = message.SenderClientId ?? "the broker";
        if (!_retained.Update(message) && _retainedRefusals.ShouldReport(publisher, Clock.MonotonicMs()))
        {
            _logger.LogWarning(LogEvents.PublishRefused,
                "Not retained: PUBLISH from {ClientId} to {Topic} ({Bytes} bytes), delivered to its subscribers only: the retained messages hold {Count} topics " +
                "(MaxRetainedMessages {Capacity}) and {Held} bytes (MaxRetainedBytes {MaxBytes}), or the store cannot write{Note}",
                ClientTextForLog.Of(publisher), ClientTextForLog.Of(message.Topic), _retained.SizeOf(message), _retained.Count, _retained.Capacity, _retained.Bytes, _retained.MaxBytes,
                ProblemReports.ClientRefusalNote);
        }
    }

    /// <summary>The store filled up or has room again: said once per change, not per refused PUBLISH.</summary>
    void LogStoreCondition(bool writable)
    {
        if (writable)
        {
            _logger.LogInformation(LogEvents.StoreFull, "Store writable again: QoS 1/2 messages for persistent sessions and uplink queues are stored and acknowledged");
        }
        else
        {
            _logger.LogError(LogEvents.StoreFull, "Store cannot write (disk or MaxDatabaseBytes full): QoS 1/2 PUBLISHes that a persistent session or an uplink queue " +
                "needs stored are refused (MQTT 5: PUBACK 0x80; MQTT 3.1.1: not acknowledged, connection closed) until it can; QoS 0 flows on");
        }
    }

    /// <summary>
    /// SUBSCRIBE: the core decides every filter in the order the client sent them, so whatever any client publishes
    /// after this was read is routed by the new subscriptions (MQTT 3.1.1 §4.6); the SUBACK carries the core's codes
    /// (MQTT 3.1.1: any refusal as 0x80, and an invalid filter closes the connection [MQTT-4.8.0-1], as the relay does).
    /// Retained messages follow the SUBACK [MQTT-3.3.1-6], sent by the core (<see cref="BrokerCore.SendRetained"/>) as
    /// the connection takes them, for each accepted filter that is not shared [MQTT-4.8.2], as its Retain Handling says.
    /// </summary>
    ValueTask<bool> OnSubscribe(ClientConnection connection, MqttSubscribePacket subscribe)
    {
        var clientId = connection.ClientId;
        var codes = new List<MqttSubscribeReasonCode>(subscribe.TopicFilters.Count);
        string[]? retainedFor = null;
        int[]? retainedCodes = null;
        var retainedCount = 0;
        foreach (var filter in subscribe.TopicFilters)
        {
            var existed = filter.RetainHandling == MqttRetainHandling.SendAtSubscribeIfNewSubscriptionOnly && _core.HasSubscription(clientId, filter.Topic);
            var code = _core.Subscribe(clientId, filter.Topic, (int)filter.QualityOfServiceLevel, filter.NoLocal, filter.RetainAsPublished,
                (int)subscribe.SubscriptionIdentifier);
            if (code == BrokerCore.ProtocolError)
            {
                return CloseWithProtocolError(connection, "No Local on a shared subscription [MQTT-3.8.3-4]");
            }

            if (code == BrokerCore.QuotaExceeded && _subscriptionRefusals.ShouldReport(clientId, Clock.MonotonicMs()))
            {
                _logger.LogWarning(LogEvents.SubscribeRefused, "Refused SUBSCRIBE from {ClientId} to {Filter}: it holds {Limit} subscriptions (MaxSubscriptionsPerClient){Note}",
                    ClientTextForLog.Of(clientId), ClientTextForLog.Of(filter.Topic), _core.MaxSubscriptionsPerClient, ProblemReports.ClientRefusalNote);
            }

            if (code == BrokerCore.TopicFilterInvalid)
            {
                // A refusal for not being authorized is logged by the security policy, with its reason.
                _logger.LogWarning(LogEvents.SubscribeRefused, "Refused SUBSCRIBE from {ClientId}: invalid topic filter {Filter}", ClientTextForLog.Of(clientId), ClientTextForLog.Of(filter.Topic));
                if (!connection.IsMqtt5 && !TopicValidator.IsValidTopicFilter(filter.Topic))
                {
                    // Unless only its share name is wrong (as a plain filter it is valid): that just fails.
                    return new ValueTask<bool>(false);
                }
            }

            codes.Add((MqttSubscribeReasonCode)code);
            if (!existed && filter.RetainHandling != MqttRetainHandling.DoNotSendOnSubscribe)
            {
                // The core leaves out refused and shared filters.
                retainedFor ??= new string[subscribe.TopicFilters.Count];
                retainedCodes ??= new int[subscribe.TopicFilters.Count];
                retainedFor[retainedCount] = filter.Topic;
                retainedCodes[retainedCount++] = code;
            }
        }

        var sending = connection.Channel.SendAsync(new MqttSubAckPacket { PacketIdentifier = subscribe.PacketIdentifier, ReasonCodes = codes });
        if (retainedFor is not null)
        {
            _core.SendRetained(clientId, connection, retainedFor, retainedCodes!, retainedCount, (int)subscribe.SubscriptionIdentifier);
        }

        return Sent(sending);
    }

    /// <summary>UNSUBSCRIBE: takes effect in the core now, in order with everything else the client sent; the UNSUBACK
    /// (MQTT 5) says success when the core held the filter, else 0x11 (no subscription existed).</summary>
    MqttUnsubAckPacket Unsubscribe(ClientConnection connection, MqttUnsubscribePacket unsubscribe)
    {
        var codes = new List<MqttUnsubscribeReasonCode>(unsubscribe.TopicFilters.Count);
        foreach (var filter in unsubscribe.TopicFilters)
        {
            codes.Add(_core.Unsubscribe(connection.ClientId, filter) ? MqttUnsubscribeReasonCode.Success : MqttUnsubscribeReasonCode.NoSubscriptionExisted);
        }

        return new MqttUnsubAckPacket { PacketIdentifier = unsubscribe.PacketIdentifier, ReasonCodes = codes };
    }

    /// <summary>
    /// The client said DISCONNECT: its will is discarded only by reason code 0x00, normal disconnection ([MQTT-3.1.2-10],
    /// [MQTT-3.14.4-3]; any other code, 0x04 or an error, publishes it as for a lost connection), and its session ends (or goes away) now — a client that connects again right away must find the session ended,
    /// not taken over. MQTT 5 §3.14.2.2.2: the DISCONNECT may set a new session expiry (GuardedChannel puts the
    /// CONNECT's in when it carries none), but may not turn a session that ends with its connection into one that
    /// outlives it: that is a protocol error, answered with DISCONNECT 0x82, and the session ends as for a lost connection.
    /// </summary>
    ValueTask<bool> OnDisconnect(ClientConnection connection, MqttDisconnectPacket disconnect)
    {
        var clientId = connection.ClientId;
        if (connection.IsMqtt5 && disconnect.SessionExpiryInterval != connection.SessionExpirySeconds)
        {
            if (!_core.MayChangeSessionExpiry(clientId, connection, disconnect.SessionExpiryInterval))
            {
                return CloseWithProtocolError(connection, $"its DISCONNECT raised a session expiry of 0 to {disconnect.SessionExpiryInterval} s");
            }

            connection.SessionExpirySeconds = disconnect.SessionExpiryInterval;
        }

        connection.SaidDisconnect = true;
        _core.DisconnectReceived(clientId, connection, disconnect.ReasonCode != MqttDisconnectReasonCode.NormalDisconnection);
        _core.Disconnect(clientId, connection, connection.SessionExpirySeconds);
        connection.End();
        return new ValueTask<bool>(false);
    }

    /// <summary>The client broke the protocol: it gets DISCONNECT 0x82 (MQTT 5) and the connection closes.</summary>
    async ValueTask<bool> CloseWithProtocolError(ClientConnection connection, string problem)
    {
        _logger.LogWarning(LogEvents.ConnectionClosed, "Closing the connection of {ClientId}: {Problem} (protocol error 0x82)", ClientTextForLog.Of(connection.ClientId), problem);
        await connection.CloseAsync(MqttDisconnectReasonCode.ProtocolError).ConfigureAwait(false);
        return false;
    }

    /// <summary>The client's session holds as many QoS 2 PUBLISHes awaiting PUBREL as the broker's Receive Maximum (across
    /// its connections) and it sent another: it gets DISCONNECT 0x93 (MQTT 5) and the connection closes.</summary>
    async ValueTask<bool> CloseForTooManyOpenExchanges(ClientConnection connection)
    {
        _logger.LogWarning(LogEvents.ConnectionClosed,
            "Closing the connection of {ClientId}: more than {ReceiveMaximum} QoS 2 PUBLISHes awaiting PUBREL (Receive Maximum exceeded 0x93)",
            ClientTextForLog.Of(connection.ClientId), _core.MaxAwaitingRelease);
        await connection.CloseAsync(MqttDisconnectReasonCode.ReceiveMaximumExceeded).ConfigureAwait(false);
        return false;
    }

    /// <summary>A message was not sent to <paramref name="clientId"/>: larger than its Maximum Packet Size, or expired while
    /// it waited. The core hears of it off the connection's lock (as of a PUBACK), since the connection may be inside the
    /// core's Send.</summary>
    void ReportDiscarded(string clientId, long deliveryTag, ClientConnection.DiscardReason reason)
    {
        var expired = reason == ClientConnection.DiscardReason.Expired;
        _logger.LogDebug(LogEvents.PublishDropped, "Discarded a message for {ClientId}: {Reason}", ClientTextForLog.Of(clientId),
            expired ? "its message expiry interval ran out while it waited" : "larger than the Maximum Packet Size it announced");
        ThreadPool.QueueUserWorkItem(_ =>
        {
            try
            {
                if (expired)
                {
                    _core.DiscardedExpired(clientId, deliveryTag);
                }
                else
                {
                    _core.DiscardedTooLarge(clientId, deliveryTag);
                }
            }
            catch (Exception e)
            {
                // An exception escaping a thread-pool item would end the process.
                _logger.LogError(LogEvents.StoreError, e, "Releasing a discarded message for {ClientId} failed", ClientTextForLog.Of(clientId));
            }
        });
    }

    /// <summary>The broker is stopping: the core decides whether wills go out (<see cref="BrokerCore.BeginShutdown"/>:
    /// they do not), every connection is closed (MQTT 5: DISCONNECT 0x8B). Returns a task that completes once every
    /// connection open now has been reported closed to the core, so the store is closed only after the sessions it
    /// keeps were updated.</summary>
    public Task ShuttingDown()
    {
        _core.BeginShutdown();
        var ended = new List<Task>();
        foreach (var (connection, _) in _connections)
        {
            ended.Add(connection.Ended);
            _ = connection.CloseAsync(MqttDisconnectReasonCode.ServerShuttingDown);
        }

        return Task.WhenAll(ended);
    }

    /// <summary>Has the core drop the sessions that expired, and logs each.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void ExpireSessions()
    {
        foreach (string clientId in _core.ExpireSessions(Clock.NowMs()))
        {
            _logger.LogInformation(LogEvents.SessionExpired, "Session of {ClientId} expired", ClientTextForLog.Of(clientId));
        }
    }

    /// <summary>Closes the connections of clients whose credentials no longer hold (a revoked device, an expired or
    /// revoked token). MQTT 5 clients get DISCONNECT 0x87 (Not authorized) with the reason first; 3.1.1 has no server
    /// DISCONNECT.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void CloseConnectionsWithLostCredentials()
    {
        foreach (AuthenticatedClient client in _security.ClientsToDisconnect(Clock.NowMs()))
        {
            // Only the connection that authenticated as this client: a newer one of the same client ID is not its.
            if (_core.ConnectionOf(client.ClientId) is ClientConnection { } connection && connection.Client == client)
            {
                CloseForLostCredentials(connection, client);
            }
        }
    }

    /// <summary>Closes <paramref name="connection"/>, whose <paramref name="client"/> lost its credentials, with the reason
    /// (MQTT 5: DISCONNECT 0x87) — after the <c>$SYS/tokenInvalidNotice</c> for a token.</summary>
    void CloseForLostCredentials(ClientConnection connection, AuthenticatedClient client)
    {
        _logger.LogWarning(LogEvents.ConnectionClosed, "Closing the connection of {ClientId} (channel {ChannelId}): {Reason}",
            ClientTextForLog.Of(client.ClientId), connection.ChannelId, client.DisconnectReason);
        if (client.DisconnectNotice is { } notice)
        {
            // ApsaraMQ: the invalid notice, then the close.
            SendTokenNotice(connection, notice);
            _ = connection.CloseAfterPendingAsync(MqttDisconnectReasonCode.NotAuthorized, client.DisconnectReason);
        }
        else
        {
            _ = connection.CloseAsync(MqttDisconnectReasonCode.NotAuthorized, client.DisconnectReason);
        }
    }

    /// <summary>Sends each <c>$SYS/tokenExpireNotice</c> due now to its client's connection (the core says which and
    /// when: <see cref="BrokerSecurity.TokenExpiryNotices"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void SendTokenExpiryNotices()
    {
        foreach (TokenNotice notice in _security.TokenExpiryNotices(Clock.NowMs()))
        {
            if (_core.ConnectionOf(notice.Client.ClientId) is ClientConnection { } connection && connection.Client == notice.Client)
            {
                SendTokenNotice(connection, notice);
            }
            else if (_security.Clients.Find(notice.Client.ClientId) == notice.Client)
            {
                // Authenticated, not yet connected in the core (between the CONNECT's check and its CONNACK).
                _security.ExpiryNoticeUnsent(notice);
            }
        }
    }

    static string ProtocolName(MqttProtocolVersion version) => version switch
    {
        MqttProtocolVersion.V500 => "5.0",
        MqttProtocolVersion.V311 => "3.1.1",
        MqttProtocolVersion.V310 => "3.1",
        _ => version.ToString(),
    };
}
