using System.Buffers;
using EdgeBroker.Core;
using EdgeBroker.Core.Flow;
using EdgeBroker.Core.Offline;
using EdgeBroker.Core.Outbound;
using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Security;
using EdgeBroker.Core.Sessions;
using EdgeBroker.Host.Monitoring;
using EdgeBroker.Host.Storage;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace EdgeBroker.Host.Mqtt;

/// <summary>
/// One client connection as the core sees it on the host: a routed message is numbered, encoded and written through
/// the connection's <see cref="PacketWriter"/> at once, and its QoS 1 (PUBACK) or QoS 2 (PUBREC → PUBREL → PUBCOMP)
/// exchange is tracked here until the client completes it, when the core hears of it (<see cref="Acknowledged"/>).
/// <para>
/// Every message passes the core's <see cref="InFlightWindow"/>, which lets a QoS 1/2 PUBLISH through only while
/// fewer than the client's Receive Maximum are unacknowledged, and holds all messages until the CONNACK has been written
/// (<see cref="Ready"/>) — so a client receives P2P messages from the moment it is accepted and nothing overtakes the
/// CONNACK or the offline backlog. A message that nothing waits before, with a place free, is written at once and
/// never queued (no waiting entry per message).
/// </para>
/// <para>
/// On the way out each PUBLISH gets the client's topic alias where it allows them, within the broker's own cap (the core's
/// <see cref="OutboundTopicAliases"/>), and one larger than the client's Maximum Packet Size is discarded and reported to
/// the core (MQTT 5 [MQTT-3.1.2-25]).
/// </para>
/// <para>
/// What waits for the client in the window — for a place in it, or for the writer, which takes no more while its
/// pending bytes are over their bound (<see cref="PacketWriter.IsFull"/>) — is counted in messages and bytes (each
/// message's <see cref="MessageFootprint"/>: topic, payload and MQTT 5 properties) and bounded by the core's <see cref="OutboundQueueLimits"/>; a message they do not admit is refused (Send
/// returns false) and the core drops or keeps it. A message whose MQTT 5 expiry interval runs out while it waits is
/// dropped when its turn comes, not written (the core's rule, <see cref="RoutedMessage.ExpiredBy"/>). Tables are made at
/// first use: an idle connection holds none.
/// </para>
/// </summary>
/// <param name="channel">The connection's packets.</param>
/// <param name="keepAliveSeconds">The keep-alive the client is held to (0: none).</param>
/// <param name="client">Who the connection authenticated as; handed back to the core's security when it ends.</param>
/// <param name="pairingMessage">A freshly paired device's credentials, sent once after the CONNACK; null otherwise.</param>
/// <param name="shared">What every connection of the broker shares: the outbound limits, metrics, the too-large report.</param>
/// <param name="receiveLimits">What the client said it can take.</param>
sealed class ClientConnection(GuardedChannel channel, string clientId, ushort keepAliveSeconds, AuthenticatedClient client, PairingMessage? pairingMessage,
    ClientConnection.Shared shared, ClientReceiveLimits receiveLimits) : IClientConnection
{
    /// <summary>The connection itself, which only this class locks (the core locks its sessions, never the
    /// engine's connections): a lock object of its own would cost every idle connection its 24 bytes.</summary>
    object Sync => this;

    /// <summary>Kept as the value and written out when asked for (logs, the online-status API): the string would cost
    /// every idle connection 86 bytes.</summary>
    readonly Guid _channelId = Guid.NewGuid();

    /// <summary>What waits for the client, and for a place among its unacknowledged QoS 1/2 PUBLISHes; made at the first
    /// message routed here (<see cref="Window"/>).</summary>
    InFlightWindow? _window;

    /// <summary>The topics the client knows by alias; made at the first PUBLISH written.</summary>
    OutboundTopicAliases? _topicAliases;

    /// <summary>Completed by <see cref="End"/>; made only when someone waits for it (a takeover, the shutdown).</summary>
    TaskCompletionSource? _ended;

    /// <summary>1 once <see cref="End"/> was called.</summary>
    int _hasEnded;

    /// <summary>The QoS 1/2 PUBLISHes written and not yet acknowledged, by packet identifier: the core's delivery tag
    /// (0 if untracked, or once released) and, for QoS 2, whether the PUBREC came (the PUBREL is out) — also the
    /// deliveries an earlier connection of the session released, resumed at their PUBREL (<see cref="Resume"/>). Each
    /// holds a place in <see cref="_window"/>. Made at the first one.</summary>
    Dictionary<ushort, Unacknowledged>? _inFlight;

    /// <summary>The PUBRELs to write right after the CONNACK, before anything else (<see cref="Resume"/>); null when none.</summary>
    int[]? _releasesToResend;

    /// <summary>Deliveries an earlier connection of the session sent and the client did not acknowledge, packet identifier
    /// → delivery tag, resent with those identifiers (<see cref="ResendWith"/>); null when none is left.</summary>
    PacketIdentifiers? _resends;

    PairingMessage? _pairingMessage = pairingMessage;
    ushort _lastPacketIdentifier;
    bool _ready;
    int _closing;
    int _queuedMessages;
    long _queuedBytes;

    /// <summary>When the client last sent a packet (<see cref="Clock.MonotonicMs"/>), for the keep-alive check.</summary>
    long _lastPacketMs = Clock.MonotonicMs();

    /// <summary>The connection's place on the bridge's <see cref="KeepAliveWheel"/>: its neighbours in its slot and the
    /// slot (-1: not on the wheel). Guarded by the wheel's lock; only the wheel uses them.</summary>
    internal ClientConnection? KeepAlivePrevious;
    internal ClientConnection? KeepAliveNext;
    internal int KeepAliveSlot = -1;

    public string ChannelId => _channelId.ToString("N");

    /// <summary>The channel ID's hash, for the bridge's connection table. The runtime's default hash of an object is
    /// kept in the object's header, where the lock on it (<see cref="Sync"/>) is kept too: an object both hashed and
    /// locked gets a native sync block for its life instead (88 bytes plus a 16-byte table entry, malloc'd by the
    /// runtime) — one per idle connection, in the C library's arenas amid the set-up's freed memory, where no trim
    /// can give their pages back (docs/performance.md, "Idle connections: the last native allocation"). Equality
    /// stays the reference's.</summary>
    public override int GetHashCode() => _channelId.GetHashCode();

    /// <summary>Built from the channel's address and port when asked (presence events, the online-status API).</summary>
    public string ClientAddress => channel.RemoteAddress;

    public string ClientId => clientId;

    public ushort KeepAliveSeconds => keepAliveSeconds;

    public GuardedChannel Channel => channel;

    public MqttProtocolVersion ProtocolVersion => channel.Version;

    public bool IsMqtt5 => channel.Version == MqttProtocolVersion.V500;

    public AuthenticatedClient Client { get; } = client;

    /// <summary>Where this connection's reader is: a PUBLISH routed here waits for the input it had received before
    /// (<see cref="ConnectionInput.WaitForSubscribersAsync"/>).</summary>
    public ConnectionInput Input => channel.Input;

    /// <summary>The session expiry in force: the CONNECT's, or what an MQTT 5 DISCONNECT changed it to.</summary>
    public uint SessionExpirySeconds { get; set; }

    /// <summary>Whether the client said DISCONNECT before the connection ended.</summary>
    public bool SaidDisconnect { get; set; }

    /// <summary>Whether another connection took this one's session over.</summary>
    public bool TakenOver { get; set; }

    /// <summary>Completes once the core has been told this connection ended (<see cref="End"/>).</summary>
    public Task Ended
    {
        get
        {
            var ended = _ended;
            if (ended is null)
            {
                var made = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                ended = Interlocked.CompareExchange(ref _ended, made, null) ?? made;
            }

            // End may have run before the source existed (both sides use full fences: one of them completes it).
            if (Volatile.Read(ref _hasEnded) == 1)
            {
                ended.TrySetResult();
            }

            return ended.Task;
        }
    }

    public void End()
    {
        Interlocked.Exchange(ref _hasEnded, 1);
        Volatile.Read(ref _ended)?.TrySetResult();
    }

    /// <summary>The broker ends the connection (once, whoever asks first): an MQTT 5 client is told why.</summary>
    public Task CloseAsync(MqttDisconnectReasonCode reason, string? reasonString = null) =>
        Interlocked.Exchange(ref _closing, 1) == 0 ? channel.CloseAsync(reason, reasonString) : Task.CompletedTask;

    /// <summary>As <see cref="CloseAsync"/>, once what is pending for the client (a notice saying why) is written.</summary>
    public Task CloseAfterPendingAsync(MqttDisconnectReasonCode reason, string? reasonString) =>
        Interlocked.Exchange(ref _closing, 1) == 0 ? channel.CloseAfterPendingAsync(reason, reasonString) : Task.CompletedTask;

    /// <summary>
    /// Before the CONNACK: the QoS 2 deliveries an earlier connection of the session released and the client has not
    /// completed (the core's <c>Qos2ReleasesToResend</c>). Each is in flight again at its PUBREL — written first once
    /// the connection is <see cref="Ready"/> [MQTT-4.4.0-1], holding a place in the window and its identifier (no new
    /// delivery is numbered with it) until the PUBCOMP.
    /// </summary>
    public void Resume(int[]? releasedPacketIdentifiers)
    {
        if (releasedPacketIdentifiers is null)
        {
            return;
        }

        lock (Sync)
        {
            foreach (var packetIdentifier in releasedPacketIdentifiers)
            {
                if ((_inFlight ??= []).TryAdd((ushort)packetIdentifier, new Unacknowledged(0, 2, Released: true)))
                {
                    Window.Hold();
                }
            }

            _releasesToResend = releasedPacketIdentifiers;
        }
    }

    public void ResendWith(PacketIdentifiers resends)
    {
        lock (Sync)
        {
            _resends = resends;
        }
    }

    public void CopyUnacknowledged(PacketIdentifiers into)
    {
        lock (Sync)
        {
            if (_inFlight is not null)
            {
                foreach (var (packetIdentifier, unacknowledged) in _inFlight)
                {
                    // A shared subscription's delivery (a tag below 0) is handed on to another member, not resent here.
                    if (unacknowledged.DeliveryTag > 0 && !unacknowledged.Released)
                    {
                        into.Add(packetIdentifier, unacknowledged.DeliveryTag);
                    }
                }
            }

            for (var i = 0; _resends is not null && i < _resends.Count; i++)
            {
                into.Add(_resends.IdAt(i), _resends.ValueAt(i));
            }
        }
    }

    /// <summary>A packet arrived from the client: it is alive.</summary>
    public void Touch() => Volatile.Write(ref _lastPacketMs, Clock.MonotonicMs());

    /// <summary>Whether the client has been silent for longer than one and a half keep-alive periods [MQTT-3.1.2-24].</summary>
    public bool KeepAliveExpired(long nowMs)
    {
        return keepAliveSeconds != 0 && nowMs > KeepAliveDeadlineMs;
    }

    /// <summary>Until when (<see cref="Clock.MonotonicMs"/>) the client may stay silent: one and a half keep-alive
    /// periods after its last packet.</summary>
    public long KeepAliveDeadlineMs => Volatile.Read(ref _lastPacketMs) + keepAliveSeconds * 1500L;

    public bool Send(RoutedMessage message, int qos, bool retain, int[]? subscriptionIdentifiers, long deliveryTag, bool duplicate)
    {
        var size = (int)Math.Min(MessageFootprint.Of(message), int.MaxValue);
        lock (Sync)
        {
            if (!shared.Limits.Admits(qos, _queuedMessages, _queuedBytes, size))
            {
                return false;
            }

            if (_ready && !channel.Writer.IsFull && Window.PassesAtOnce(qos))
            {
                // Nothing waits before it and the writer takes it: written now, without a waiting entry.
                if (!Write(message, qos, retain, subscriptionIdentifiers, deliveryTag, duplicate) && qos > 0)
                {
                    Window.Acknowledged();
                }
            }
            else
            {
                _queuedMessages++;
                _queuedBytes += size;
                // Kept beyond the routing call: with its own payload if it borrows the publisher's read buffer.
                Window.Offer(new Outgoing(message.Detach(), qos, retain, subscriptionIdentifiers, deliveryTag, duplicate, size), qos);
                Flush();
            }
        }

        shared.Metrics?.Delivered(message);
        return true;
    }

    /// <summary>The CONNACK is written: what waited follows it, then messages go out as they come.</summary>
    public void Ready()
    {
        lock (Sync)
        {
            _ready = true;
            if (_releasesToResend is { } releases)
            {
                _releasesToResend = null;
                foreach (var packetIdentifier in releases)
                {
                    _ = channel.SendAsync(new MqttPubRelPacket { PacketIdentifier = (ushort)packetIdentifier });
                }
            }

            Flush();
        }
    }

    /// <summary>The pairing credentials to send after the CONNACK, once; null when there are none.</summary>
    public PairingMessage? TakePairingMessage() => Interlocked.Exchange(ref _pairingMessage, null);

    /// <summary>The client completed the QoS 1 or 2 exchange of the PUBLISH sent with <paramref name="packetIdentifier"/>
    /// (PUBACK, PUBCOMP, or an MQTT 5 PUBREC refusing it): its place in the window is free, so what waits behind it may
    /// go. Returns the core's delivery tag of that message, once; 0 if untracked.</summary>
    public long Acknowledged(ushort packetIdentifier)
    {
        long deliveryTag;
        bool emptied;
        lock (Sync)
        {
            if (_inFlight is null || !_inFlight.Remove(packetIdentifier, out var unacknowledged))
            {
                return 0;
            }

            Window.Acknowledged();
            Flush();
            deliveryTag = unacknowledged.DeliveryTag;
            emptied = _queuedMessages == 0;
        }

        if (emptied)
        {
            // What waited went to the writer, or was discarded as too large, which leaves no write to say so.
            shared.Core?.OutboundRoom(clientId, this);
        }

        return deliveryTag;
    }

    /// <summary>What a PUBREC says of the delivery it names (<see cref="Received"/>).</summary>
    public enum Receipt
    {
        /// <summary>No QoS 2 delivery in flight has that identifier.</summary>
        Unknown,

        /// <summary>The first PUBREC: the delivery is released now.</summary>
        First,

        /// <summary>Released already (a repeated PUBREC): the PUBREL goes again.</summary>
        Again,
    }

    /// <summary>The client received the QoS 2 PUBLISH sent with <paramref name="packetIdentifier"/> (PUBREC): from now
    /// on the exchange waits for the PUBCOMP, released. The first time, <paramref name="deliveryTag"/> is the core's
    /// tag of the message (then forgotten here: the core lets the message go at the PUBREC), else 0.</summary>
    public Receipt Received(ushort packetIdentifier, out long deliveryTag)
    {
        deliveryTag = 0;
        lock (Sync)
        {
            if (_inFlight is null || !_inFlight.TryGetValue(packetIdentifier, out var unacknowledged) || unacknowledged.Qos != 2)
            {
                return Receipt.Unknown;
            }

            if (unacknowledged.Released)
            {
                return Receipt.Again;
            }

            deliveryTag = unacknowledged.DeliveryTag;
            _inFlight[packetIdentifier] = new Unacknowledged(0, 2, Released: true);
            return Receipt.First;
        }
    }

    /// <summary>The PUBREL for <paramref name="packetIdentifier"/>; one not in flight (<paramref name="known"/> false) is
    /// answered all the same (MQTT 5: 0x92, not found).</summary>
    public void Release(ushort packetIdentifier, bool known)
    {
        _ = channel.SendAsync(new MqttPubRelPacket
        {
            PacketIdentifier = packetIdentifier,
            ReasonCode = known ? MqttPubRelReasonCode.Success : MqttPubRelReasonCode.PacketIdentifierNotFound,
        });
    }

    /// <summary>The window, made at the first message; from then on the writer says when it drained (a delegate an
    /// idle connection need not hold). Under <see cref="Sync"/>.</summary>
    InFlightWindow Window
    {
        get
        {
            if (_window is null)
            {
                _window = new InFlightWindow(receiveLimits.ReceiveMaximum);
                channel.Writer.Written = WriterDrained;
            }

            return _window;
        }
    }

    /// <summary>Hands every message the window lets through to the writer. Under <see cref="Sync"/>.</summary>
    void Flush()
    {
        if (!_ready)
        {
            return;
        }

        while (_window is { } window && !channel.Writer.IsFull && window.TakeSendable() is Outgoing outgoing)
        {
            // In the writer (bounded by it) or not written after all: it no longer waits here.
            _queuedMessages--;
            _queuedBytes -= outgoing.Size;
            if (!Write(outgoing.Message, outgoing.Qos, outgoing.Retain, outgoing.SubscriptionIdentifiers, outgoing.DeliveryTag, outgoing.Duplicate)
                && outgoing.Qos > 0)
            {
                // Neither waiting nor in flight.
                window.Acknowledged();
            }
        }
    }

    /// <summary>The writer wrote what was pending: what waited for it goes now, and once nothing waits the core hears
    /// that the connection has room (the rest of a SUBSCRIBE's retained messages follow).</summary>
    void WriterDrained()
    {
        bool emptied;
        lock (Sync)
        {
            if (_window?.Waiting > 0)
            {
                Flush();
            }

            emptied = _queuedMessages == 0;
        }

        if (emptied)
        {
            shared.Core?.OutboundRoom(clientId, this);
        }
    }

    /// <summary>Numbers, encodes and writes one PUBLISH, with the client's topic alias; false when it is not written
    /// (expired, larger than the client takes, or the connection is gone). Under <see cref="Sync"/>.</summary>
    bool Write(RoutedMessage message, int qos, bool retain, int[]? subscriptionIdentifiers, long deliveryTag, bool duplicate)
    {
        // The clock is read only for a message with an expiry interval, once: what is left of it is what goes out.
        long nowMs = 0;
        if (message.MessageExpiryInterval != 0)
        {
            nowMs = Clock.NowMs();
            if (message.ExpiredBy(nowMs))
            {
                // It ran out while it waited here (behind a slow reader, or for a place in the client's Receive
                // Maximum): the broker deletes its copy instead of starting its delivery [MQTT-3.3.2-5].
                shared.Discarded(clientId, deliveryTag, DiscardReason.Expired);
                return false;
            }
        }

        if (receiveLimits.TopicAliasMaximum == 0 && subscriptionIdentifiers is null
            && (!IsMqtt5 || (message.MessageExpiryInterval == 0 && message.EngineProperties is null)))
        {
            return WritePlain(message, qos, retain, deliveryTag, duplicate);
        }

        var packet = ToPublishPacket(message, qos, retain, duplicate, subscriptionIdentifiers, nowMs);
        try
        {
            var topic = packet.Topic;
            var newAlias = UseTopicAlias(packet);
            packet.PacketIdentifier = TakePacketIdentifier(qos, deliveryTag, duplicate);

            // Not awaited: the writer was not full (Flush), and a client that lags is bounded by the outbound limits,
            // not by holding up whoever routed the message. The writer measures the packet as it encodes it.
            if (!channel.Writer.SendLent(packet, receiveLimits.MaximumPacketSize))
            {
                // Larger than the client takes (its Maximum Packet Size): dropped, its alias and identifier taken back.
                if (qos > 0)
                {
                    _inFlight!.Remove(packet.PacketIdentifier);
                }

                _topicAliases!.Unassign(topic, newAlias);
                shared.Discarded(clientId, deliveryTag, DiscardReason.TooLarge);
                return false;
            }

            return true;
        }
        catch (MqttCommunicationException)
        {
            _inFlight?.Remove(packet.PacketIdentifier);
            return false;
        }
        finally
        {
            // Encoded (or copied) by the writer, or not written: this thread's packet lets go of the message.
            Empty(packet);
        }
    }

    /// <summary>As <see cref="Write"/>, for a PUBLISH without MQTT 5 properties, which the writer encodes itself
    /// (<see cref="PacketWriter.SendPublish"/>). Under <see cref="Sync"/>.</summary>
    bool WritePlain(RoutedMessage message, int qos, bool retain, long deliveryTag, bool duplicate)
    {
        var packetIdentifier = TakePacketIdentifier(qos, deliveryTag, duplicate);
        try
        {
            if (channel.Writer.SendPublish(message.Topic, message.Payload ?? [], message.PayloadOffset, message.PayloadLength, qos, retain, duplicate,
                    packetIdentifier, receiveLimits.MaximumPacketSize))
            {
                return true;
            }

            // Larger than the client takes (its Maximum Packet Size): dropped, its identifier taken back.
            shared.Discarded(clientId, deliveryTag, DiscardReason.TooLarge);
        }
        catch (MqttCommunicationException)
        {
            // The connection is gone: not written.
        }

        if (qos > 0)
        {
            _inFlight!.Remove(packetIdentifier);
        }

        return false;
    }

    /// <summary>The packet identifier a delivery at <paramref name="qos"/> goes out with — the one an earlier connection
    /// sent it with when it is a resend [MQTT-4.4.0-1] —, recorded as in flight until the client acknowledges it; 0 at
    /// QoS 0. Under <see cref="Sync"/>.</summary>
    ushort TakePacketIdentifier(int qos, long deliveryTag, bool duplicate)
    {
        if (qos == 0)
        {
            return 0;
        }

        var packetIdentifier = TakeResent(deliveryTag, duplicate);
        if (packetIdentifier == 0)
        {
            packetIdentifier = NextPacketIdentifier();
        }

        (_inFlight ??= [])[packetIdentifier] = new Unacknowledged(deliveryTag, qos);
        return packetIdentifier;
    }

    /// <summary>The identifier an earlier connection sent the kept message <paramref name="deliveryTag"/> with, taken
    /// for its resend; 0 when it is not one (<see cref="PacketIdentifiers.TakeForResend"/>). Under <see cref="Sync"/>.</summary>
    ushort TakeResent(long deliveryTag, bool duplicate)
    {
        if (_resends is null || deliveryTag <= 0)
        {
            return 0;
        }

        var packetIdentifier = _resends.TakeForResend(deliveryTag, duplicate);
        if (_resends.Count == 0)
        {
            _resends = null;
        }

        return packetIdentifier == 0 || _inFlight?.ContainsKey((ushort)packetIdentifier) == true ? (ushort)0 : (ushort)packetIdentifier;
    }

    /// <summary>The next packet identifier not in flight and not kept for a resend (1..65535). Under <see cref="Sync"/>.</summary>
    ushort NextPacketIdentifier()
    {
        do
        {
            _lastPacketIdentifier = _lastPacketIdentifier == ushort.MaxValue ? (ushort)1 : (ushort)(_lastPacketIdentifier + 1);
        }
        while ((_inFlight is not null && _inFlight.ContainsKey(_lastPacketIdentifier)) || _resends?.Contains(_lastPacketIdentifier) == true);

        return _lastPacketIdentifier;
    }

    /// <summary>Puts the client's alias for the topic on <paramref name="packet"/>, without the topic when the client
    /// already knows it; returns the alias if it was assigned just now (so it can be taken back), else 0.</summary>
    int UseTopicAlias(MqttPublishPacket packet)
    {
        _topicAliases ??= new OutboundTopicAliases(receiveLimits.TopicAliasMaximum);
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

    /// <summary>Why a message routed to the client was not written.</summary>
    public enum DiscardReason
    {
        /// <summary>Its PUBLISH is larger than the client's Maximum Packet Size [MQTT-3.1.2-25].</summary>
        TooLarge,

        /// <summary>Its MQTT 5 expiry interval ran out before it was written [MQTT-3.3.2-5].</summary>
        Expired,
    }

    /// <summary>What every connection of one broker reads and none changes, held once by the broker
    /// (<see cref="CoreBridge"/>) rather than copied into each of its connections.</summary>
    /// <param name="limits">What may wait for each client.</param>
    /// <param name="discarded">Told the client ID and delivery tag (0 if untracked) of each message discarded, and why
    /// (larger than the client's Maximum Packet Size, or expired while it waited); called under the connection's lock,
    /// possibly inside <see cref="Send"/>, so it must not call the core synchronously.</param>
    /// <param name="metrics">Where hand-overs are timed (publish-to-deliver latency); null measures nothing.</param>
    /// <param name="core">Told when a connection's queue has emptied (<see cref="BrokerCore.OutboundRoom"/>); null tells
    /// no one.</param>
    public sealed class Shared(OutboundQueueLimits limits, Action<string, long, DiscardReason> discarded, BrokerMetrics? metrics, BrokerCore? core = null)
    {
        public OutboundQueueLimits Limits => limits;

        public Action<string, long, DiscardReason> Discarded => discarded;

        public BrokerMetrics? Metrics => metrics;

        public BrokerCore? Core => core;
    }

    /// <summary>The PUBLISH this thread writes deliveries with, filled again for each: the writer encodes it before
    /// <see cref="PacketWriter.SendLent"/> returns (or keeps its own copy), so one per thread serves every
    /// connection instead of one allocated per delivered message.</summary>
    [ThreadStatic]
    static MqttPublishPacket? t_publish;

    /// <summary>A message routed to this client and not yet written.</summary>
    sealed record Outgoing(RoutedMessage Message, int Qos, bool Retain, int[]? SubscriptionIdentifiers, long DeliveryTag, bool Duplicate, int Size);

    /// <summary>A PUBLISH in flight: the core's tag, its QoS and, at QoS 2, whether it was released (PUBREL sent).</summary>
    readonly record struct Unacknowledged(long DeliveryTag, int Qos, bool Released = false);

    /// <summary>The PUBLISH for <paramref name="message"/>, in this thread's packet (<see cref="t_publish"/>): the
    /// payload is not copied (the writer encodes it before anything can change it), the MQTT 5 properties are the
    /// publisher's, with what is left of its expiry interval at <paramref name="nowMs"/> [MQTT-3.3.2-6].</summary>
    static MqttPublishPacket ToPublishPacket(RoutedMessage message, int qos, bool retain, bool duplicate, int[]? subscriptionIdentifiers, long nowMs)
    {
        var packet = t_publish ??= new MqttPublishPacket();
        packet.Topic = message.Topic;
        packet.Payload = new ReadOnlySequence<byte>(message.Payload ?? [], message.PayloadOffset, message.PayloadLength);
        packet.QualityOfServiceLevel = (MqttQualityOfServiceLevel)qos;
        packet.Retain = retain;
        packet.Dup = duplicate;
        packet.MessageExpiryInterval = message.RemainingExpiryInterval(nowMs);
        packet.PacketIdentifier = 0;
        packet.TopicAlias = 0;
        var original = Mqtt5Properties.Of(message.EngineProperties);
        packet.ContentType = original?.ContentType;
        packet.CorrelationData = original?.CorrelationData;
        packet.PayloadFormatIndicator = original?.PayloadFormatIndicator ?? MqttPayloadFormatIndicator.Unspecified;
        packet.ResponseTopic = original?.ResponseTopic;
        packet.UserProperties = original?.UserProperties;
        packet.SubscriptionIdentifiers = null;
        if (subscriptionIdentifiers is { } identifiers)
        {
            var list = new List<uint>(identifiers.Length);
            foreach (var identifier in identifiers)
            {
                list.Add((uint)identifier);
            }

            packet.SubscriptionIdentifiers = list;
        }

        return packet;
    }

    /// <summary>Drops what this thread's packet refers to of the message last written, so it keeps no payload alive.</summary>
    static void Empty(MqttPublishPacket packet)
    {
        packet.Topic = null;
        packet.Payload = default;
        packet.ContentType = null;
        packet.CorrelationData = null;
        packet.ResponseTopic = null;
        packet.UserProperties = null;
        packet.SubscriptionIdentifiers = null;
    }
}
