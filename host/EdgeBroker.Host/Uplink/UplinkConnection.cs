using System.Buffers;
using System.Collections;
using EdgeBroker.Core;
using EdgeBroker.Core.Diagnostics;
using EdgeBroker.Core.Flow;
using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Text;
using EdgeBroker.Core.Topics;
using EdgeBroker.Core.Uplink;
using EdgeBroker.Host.Configuration;
using EdgeBroker.Host.Monitoring;
using EdgeBroker.Host.Storage;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace EdgeBroker.Host.Uplink;

/// <summary>
/// The host's transport for one uplink, on the MQTTnet client. It only translates: the core's
/// <see cref="Core.Uplink.Uplink"/> says when and where to connect and what to send; this connects (MQTT 5, or 3.1.1
/// when the upstream refuses 5), subscribes the subscribe rules (MQTT 5 No Local, so the upstream does not echo what
/// the gateway sent), sends what <see cref="Core.Uplink.Uplink.TakeSendable"/> hands out in order — PUBLISH packets
/// leave in the order they are handed to MQTTnet, whose send lock is first come, first served — and reports each
/// PUBACK. Messages from upstream are routed locally before MQTTnet acknowledges them.
/// </summary>
sealed class UplinkConnection : IDisposable
{
    /// <summary>Pause after an unexpected error before the next round, so a fault that repeats does not spin.</summary>
    static readonly TimeSpan FaultPause = TimeSpan.FromSeconds(1);

    readonly Core.Uplink.Uplink _uplink;
    readonly UplinkOptions _options;
    readonly UplinkClientOptions _clientOptions;
    readonly BrokerCore _core;
    readonly DownlinkHoldBack _holdBack;
    readonly ILogger _logger;
    readonly FaultGate _faults = new();
    readonly DropReports _refusedReports = new();
    readonly DropReports _tooLargeReports = new();
    readonly SemaphoreSlim _wake = new(0);
    int _signaled;
    bool _speaks311;

    /// <summary>The Receive Maximum of the upstream connected to last (65,535 for MQTT 3.1.1 or when it sent none).</summary>
    int _upstreamReceiveMaximum = InFlightWindow.Unlimited;

    /// <summary>The Maximum Packet Size of the upstream connected to last (0: it announced none, as MQTT 3.1.1 cannot).</summary>
    int _upstreamMaximumPacketSize;

    public UplinkConnection(Core.Uplink.Uplink uplink, UplinkOptions options, BrokerCore core, ILogger logger)
    {
        _uplink = uplink;
        _options = options;
        _core = core;
        _holdBack = new DownlinkHoldBack(core, uplink.Settings.KeepAliveSeconds);
        _logger = logger;
        _clientOptions = new UplinkClientOptions(options, uplink.Settings, uplink.WillTopic);
        _speaks311 = options.Protocol == UplinkProtocol.V311;
        uplink.Queued = _ => Signal();
        uplink.ReportFailed = OnReportFailed;
    }

    /// <summary>The state callback threw (the core carried on regardless): logged as a fault of ours, once per run.</summary>
    void OnReportFailed(Core.Uplink.Uplink uplink, Exception error)
    {
        if (_faults.ShouldReport(error))
        {
            _logger.LogError(LogEvents.UnexpectedError, error, "Uplink {Name}: reporting its state failed; it carries on (the same error again is not logged)", uplink.Name);
        }
    }

    /// <summary>Connects, serves and reconnects until <paramref name="stopping"/>. A fault of ours (the core, the store, a
    /// callback), not the network's, is logged (once per run of the same fault) and handled as a lost connection, so the
    /// core backs off and reconnects instead of the uplink's task ending unnoticed.</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        string? faulted = null;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                if (faulted is not null)
                {
                    Lost(faulted);
                    faulted = null;
                }

                await ConnectAndServeAsync(stopping);
            }
            catch (Exception e) when (!stopping.IsCancellationRequested)
            {
                if (_faults.ShouldReport(e))
                {
                    _logger.LogError(LogEvents.UnexpectedError, e, "Uplink {Name}: unexpected error; it reconnects (the same error again is not logged)", _uplink.Name);
                }

                faulted = "unexpected error: " + e.Message;
                await Task.Delay(FaultPause, stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    /// <summary>One round: waits for the core's next attempt, or connects and serves until the connection ends.</summary>
    async Task ConnectAndServeAsync(CancellationToken stopping)
    {
        var address = _uplink.NextConnect(Clock.MonotonicMs());
        if (address is null)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Clamp(_uplink.WaitMs(Clock.MonotonicMs()), 10, 1000)), stopping)
                .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            return;
        }

        using var client = new MqttClientFactory().CreateMqttClient();
        client.ApplicationMessageReceivedAsync += OnReceived;
        var version = await ConnectAsync(client, address, stopping);
        if (version is { } connected)
        {
            await ServeAsync(client, connected, stopping);
        }
    }

    /// <summary>The protocol version connected with, or null when the attempt failed (reported to the core).</summary>
    async Task<MqttProtocolVersion?> ConnectAsync(IMqttClient client, UplinkAddress address, CancellationToken stopping)
    {
        var version = _speaks311 ? MqttProtocolVersion.V311 : MqttProtocolVersion.V500;
        string failure;
        try
        {
            var result = await client.ConnectAsync(_clientOptions.Build(address, version), stopping);
            if (result.ResultCode == MqttClientConnectResultCode.Success)
            {
                // MQTT 5: no more unacknowledged PUBLISHes than the upstream's Receive Maximum (absent: 65,535).
                _upstreamReceiveMaximum = result.ReceiveMaximum is > 0 and var receiveMaximum ? receiveMaximum : InFlightWindow.Unlimited;
                _upstreamMaximumPacketSize = version == MqttProtocolVersion.V500 && result.MaximumPacketSize is > 0 and var maximum
                    ? (int)Math.Min(maximum, int.MaxValue)
                    : 0;
                return version;
            }

            if (RefusesMqtt5(result.ResultCode) && CanFallBack(version))
            {
                return await FallBackAsync(client, address, stopping);
            }

            failure = $"CONNACK refused: {result.ResultCode} (0x{(int)result.ResultCode:x2})"
                + (string.IsNullOrEmpty(result.ReasonString) ? "" : $": {result.ReasonString}");
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return null;
        }
        catch (Exception e) when (IsUnreadableConnAck(e))
        {
            if (CanFallBack(version))
            {
                return await FallBackAsync(client, address, stopping);
            }

            failure = Describe(e);
        }
        catch (Exception e)
        {
            failure = DescribeAttempt(e, address);
        }

        _uplink.ConnectFailed(failure, Clock.MonotonicMs());
        return null;
    }

    /// <summary>Whether a CONNACK says the upstream does not speak MQTT 5: an MQTT 3.1.1-only broker answers an MQTT 5
    /// CONNECT with its return code 1 (unacceptable protocol version), which MQTTnet hands over as the raw value; an
    /// MQTT 5 broker says 0x84.</summary>
    internal static bool RefusesMqtt5(MqttClientConnectResultCode code) =>
        code is MqttClientConnectResultCode.UnsupportedProtocolVersion or (MqttClientConnectResultCode)1;

    /// <summary>Whether a failed CONNECT says the same: a 3.1.1-only broker may answer an MQTT 5 CONNECT with a CONNACK
    /// MQTTnet cannot read as MQTT 5.</summary>
    internal static bool IsUnreadableConnAck(Exception e) =>
        e is MQTTnet.Exceptions.MqttProtocolViolationException || e.InnerException is MQTTnet.Exceptions.MqttProtocolViolationException;

    bool CanFallBack(MqttProtocolVersion version) => version == MqttProtocolVersion.V500 && _options.Protocol == UplinkProtocol.Auto;

    async Task<MqttProtocolVersion?> FallBackAsync(IMqttClient client, UplinkAddress address, CancellationToken stopping)
    {
        _logger.LogInformation(LogEvents.UplinkProtocolFallback, "Uplink {Name}: {Address} does not speak MQTT 5; using MQTT 3.1.1 (no dedupe ids, no No Local)",
            _uplink.Name, address.Text);
        _speaks311 = true;
        return await ConnectAsync(client, address, stopping);
    }

    /// <summary>A failed connection attempt to <paramref name="address"/> as the status shows it (<see cref="Describe"/>),
    /// for the uplink and its proxy sessions alike; when the upstream closed the connection before its CONNACK — rather
    /// than refusing, timing out or failing a certificate — with the hint for a port that speaks the other scheme.</summary>
    internal static string DescribeAttempt(Exception e, UplinkAddress address)
    {
        var closedEarly = UpstreamClosed.Caused(e) || e.GetBaseException() is
            MQTTnet.Exceptions.MqttCommunicationException and not MQTTnet.Exceptions.MqttCommunicationTimedOutException;
        return Describe(e) + (closedEarly ? UplinkAddress.ClosedEarlyHint(address.Tls) : "");
    }

    /// <summary>A failed attempt as the status shows it: what went wrong, never a credential.</summary>
    internal static string Describe(Exception e)
    {
        var root = e.GetBaseException();
        var kind = root switch
        {
            System.Security.Authentication.AuthenticationException => "TLS",
            System.Net.Sockets.SocketException => "network",
            OperationCanceledException or TimeoutException or MQTTnet.Exceptions.MqttCommunicationTimedOutException => "timeout",
            _ => "connection",
        };
        // Without the message's full stop: the line goes on after it.
        return $"{kind}: {root.Message.TrimEnd('.')}";
    }

    /// <summary>
    /// An established connection's end as the status shows it, for the uplink and the proxy sessions alike. MQTTnet
    /// gives a connection that just closed, with no DISCONNECT, the reason <see cref="MqttClientDisconnectReason.NormalDisconnection"/>
    /// (0x00) — the same as a DISCONNECT carrying 0x00 — so only a DISCONNECT with another reason or a reason string is
    /// named as one; the rest is the upstream closing the connection, which is what a DISCONNECT 0x00 says too.
    /// </summary>
    internal static string DescribeLoss(MqttClientDisconnectedEventArgs e)
    {
        if (e.Exception is { } exception)
        {
            return Describe(exception);
        }

        if (e.Reason != MqttClientDisconnectReason.NormalDisconnection || !string.IsNullOrEmpty(e.ReasonString))
        {
            return $"the upstream disconnected: {e.Reason} (0x{(int)e.Reason:x2})" + (string.IsNullOrEmpty(e.ReasonString) ? "" : $": {e.ReasonString}");
        }

        return "the upstream closed the connection";
    }

    async Task ServeAsync(IMqttClient client, MqttProtocolVersion version, CancellationToken stopping)
    {
        var lost = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.DisconnectedAsync += e =>
        {
            lost.TrySetResult(DescribeLoss(e));
            return Task.CompletedTask;
        };
        if (!client.IsConnected)
        {
            lost.TrySetResult("disconnected");
        }

        _uplink.Connected(Clock.MonotonicMs(), _upstreamReceiveMaximum, _upstreamMaximumPacketSize);
        using var connection = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        try
        {
            await SubscribeAsync(client, version, connection.Token);
            var batch = new ArrayList();
            while (!lost.Task.IsCompleted && !stopping.IsCancellationRequested)
            {
                Interlocked.Exchange(ref _signaled, 0);
                batch.Clear();
                _uplink.TakeSendable(batch);
                foreach (UplinkEntry entry in batch)
                {
                    var message = ToMqtt(entry, version);
                    if (_uplink.Fits(entry, _upstreamMaximumPacketSize > 0 ? EncodedLength(message, version) : 0, out var dropped))
                    {
                        _ = CompleteAsync(entry, client.PublishAsync(message, connection.Token));
                    }
                    else
                    {
                        ReportTooLarge(dropped);
                    }
                }

                // With retained routes, queued P2P messages wait for the routes at most until then (Uplink.RoutesWaitMs).
                var routesWait = _uplink.RoutesWaitRemainingMs(Clock.MonotonicMs());
                await (routesWait > 0
                    ? Task.WhenAny(_wake.WaitAsync(connection.Token), lost.Task, Task.Delay(TimeSpan.FromMilliseconds(routesWait), connection.Token))
                    : Task.WhenAny(_wake.WaitAsync(connection.Token), lost.Task));
            }

            _faults.Recovered();
        }
        catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException or InvalidOperationException)
        {
            lost.TrySetResult(Describe(e));
        }

        await connection.CancelAsync();
        if (stopping.IsCancellationRequested && client.IsConnected)
        {
            if (_uplink.WillTopic is { } statusTopic)
            {
                // A clean DISCONNECT sends no will: this gateway's retained status says offline as the will would.
                await ((Task)client.PublishAsync(new MqttApplicationMessage { Topic = statusTopic, PayloadSegment = RetainedRoutes.StatusPayload(false), Retain = true },
                    CancellationToken.None)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }

            // A clean DISCONNECT: the upstream keeps the session, and nothing in flight is lost (it is resent).
            await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), CancellationToken.None)
                .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            return;
        }

        Lost(lost.Task.IsCompleted ? lost.Task.Result : "stopped");
    }

    /// <summary>Tells the core the connection ended; it may drop the entry the upstream keeps closing the connection on.</summary>
    void Lost(string reason) => ReportTooLarge(_uplink.ConnectionLost(reason, Clock.MonotonicMs()));

    /// <summary>Logs an entry the core dropped as too large for the upstream, as drops are: the first, then at most one a
    /// minute.</summary>
    void ReportTooLarge(string? dropped)
    {
        if (dropped is not null && _tooLargeReports.ShouldReport(out var tally))
        {
            _logger.LogWarning(LogEvents.UplinkTooLarge, "Uplink {Name}: {Dropped}{Tally}", _uplink.Name, dropped, tally);
        }
    }

    async Task SubscribeAsync(IMqttClient client, MqttProtocolVersion version, CancellationToken cancellationToken)
    {
        var rules = _uplink.Settings.SubscribeRules;
        var p2pFilters = _uplink.P2PFilters();
        if (rules.Count == 0 && p2pFilters.Length == 0)
        {
            return;
        }

        var subscribe = new MqttClientSubscribeOptionsBuilder();
        foreach (var filter in p2pFilters)
        {
            // Without No Local: this gateway's own retained routes come back to be checked (Uplink.Learn).
            subscribe.WithTopicFilter(filter, MqttQualityOfServiceLevel.AtLeastOnce);
        }

        foreach (UplinkRule rule in rules)
        {
            subscribe.WithTopicFilter(filter =>
            {
                filter.WithTopic(rule.Filter).WithQualityOfServiceLevel((MqttQualityOfServiceLevel)rule.Qos);
                if (version == MqttProtocolVersion.V500)
                {
                    filter.WithNoLocal().WithRetainAsPublished();
                }
            });
        }

        var result = await client.SubscribeAsync(subscribe.Build(), cancellationToken);
        foreach (var item in result.Items.Where(item => (int)item.ResultCode >= 0x80))
        {
            _logger.LogWarning(LogEvents.UplinkRefused, "Uplink {Name}: the upstream refused the subscription to {Filter}: {Reason}",
                _uplink.Name, item.TopicFilter.Topic, item.ResultCode);
        }
    }

    /// <summary>The upstream PUBLISH of a queued entry: its remote topic and QoS, DUP on a resend, and on MQTT 5 the
    /// publisher's properties plus the dedupe id as a user property.</summary>
    static MqttApplicationMessage ToMqtt(UplinkEntry entry, MqttProtocolVersion version)
    {
        var message = new MqttApplicationMessage
        {
            Topic = entry.RemoteTopic,
            PayloadSegment = entry.Payload,
            QualityOfServiceLevel = (MqttQualityOfServiceLevel)entry.Qos,
            Retain = entry.Retain,
            Dup = entry.Duplicate && entry.Qos > 0,
        };
        if (version != MqttProtocolVersion.V500)
        {
            return message;
        }

        var original = Mqtt5Properties.Of(entry.EngineProperties);
        message.ContentType = original?.ContentType;
        message.ResponseTopic = original?.ResponseTopic;
        message.CorrelationData = original?.CorrelationData;
        message.PayloadFormatIndicator = original?.PayloadFormatIndicator ?? MqttPayloadFormatIndicator.Unspecified;
        var properties = (original?.UserProperties ?? [])
            .Where(property => property.Name is not (UplinkEntry.DedupeProperty or P2PEnvelope.HopsProperty))
            .ToList();
        if (entry.DedupeId is not null)
        {
            properties.Add(UserProperty(UplinkEntry.DedupeProperty, entry.DedupeId));
        }

        if (P2PAddress.ReceiverStart(entry.RemoteTopic) >= 0)
        {
            // A federated P2P message: one hop more than it arrived with (docs/federation.md).
            var arrivedWith = original?.UserProperties?.FirstOrDefault(property => property.Name == P2PEnvelope.HopsProperty)?.ReadValueAsString();
            properties.Add(UserProperty(P2PEnvelope.HopsProperty, (P2PEnvelope.HopsOf(arrivedWith) + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        message.UserProperties = properties;
        return message;
    }

    /// <summary>The length of the PUBLISH MQTTnet writes for <paramref name="message"/>, measured only against an
    /// upstream that announced a limit.</summary>
    static int EncodedLength(MqttApplicationMessage message, MqttProtocolVersion version)
    {
        var packet = MqttPublishPacketFactory.Create(message);
        if (packet.QualityOfServiceLevel > MqttQualityOfServiceLevel.AtMostOnce)
        {
            // The identifier MQTTnet gives it takes these two bytes whatever its value.
            packet.PacketIdentifier = 1;
        }

        using var lent = Mqtt.PacketFormatters.Encode(version, packet);
        return lent.Buffer.Length;
    }

    static MqttUserProperty UserProperty(string name, string value) => new(name, System.Text.Encoding.UTF8.GetBytes(value).AsMemory());

    /// <summary>Reports the upstream's answer for one entry. A PUBACK with an error reason is the upstream's final word
    /// on it (sending it again would be refused again and hold up the queue), so it is deleted too, counted apart
    /// (<c>refusedUpstream</c>) and logged as drops are: the first, then at most one a minute.</summary>
    async Task CompleteAsync(UplinkEntry entry, Task<MqttClientPublishResult> publishing)
    {
        try
        {
            var result = await publishing;
            if (entry.Qos == 0)
            {
                _uplink.Written(entry.Sequence);
            }
            else
            {
                if (result.ReasonCode is MqttClientPublishReasonCode.Success or MqttClientPublishReasonCode.NoMatchingSubscribers)
                {
                    _uplink.Acknowledged(entry.Sequence);
                }
                else
                {
                    if (_refusedReports.ShouldReport(_uplink.RefusedUpstream(entry.Sequence), out var tally))
                    {
                        _logger.LogWarning(LogEvents.UplinkRefused, "Uplink {Name}: the upstream refused a message for {Topic}: {Reason}; deleted from the queue{Tally}",
                            _uplink.Name, ClientTextForLog.Of(entry.RemoteTopic), result.ReasonCode, tally);
                    }
                }
            }
        }
        catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException
                                  or InvalidOperationException or ObjectDisposedException)
        {
            // The connection ended first: the entry stays in flight and is resent, with DUP, after the reconnect.
        }

        Signal();
    }

    /// <summary>A message from upstream: remapped and routed locally through the core, marked with this uplink as its
    /// origin. MQTTnet acknowledges it after this returns; a local store failure leaves it unacknowledged, so the
    /// upstream sends it again.</summary>
    async Task OnReceived(MqttApplicationMessageReceivedEventArgs e)
    {
        var received = e.ApplicationMessage;
        var payload = received.Payload.ToArray();
        if (_uplink.Learn(received.Topic, payload, received.Retain, Clock.MonotonicMs()))
        {
            return;
        }

        var routed = _uplink.Down(received.Topic, payload, (int)received.QualityOfServiceLevel, received.Retain);
        if (routed is not null && !await UpstreamMessages.RouteAsync(_core, _holdBack, routed, e, _logger, _uplink.Name).ConfigureAwait(false))
        {
            _logger.LogWarning(LogEvents.StoreError, "Uplink {Name}: could not keep a message from upstream for {Topic}; the upstream will send it again",
                _uplink.Name, ClientTextForLog.Of(routed.Topic));
        }
    }

    void Signal()
    {
        if (Interlocked.Exchange(ref _signaled, 1) == 0)
        {
            _wake.Release();
        }
    }

    public void Dispose()
    {
        _clientOptions.Dispose();
        _wake.Dispose();
    }
}
