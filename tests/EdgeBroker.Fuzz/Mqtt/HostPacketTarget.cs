using System.Buffers;
using System.Net;
using System.Runtime.ExceptionServices;
using EdgeBroker.Core;
using EdgeBroker.Core.Access;
using EdgeBroker.Core.Flow;
using EdgeBroker.Core.Monitoring;
using EdgeBroker.Core.Offline;
using EdgeBroker.Core.Retained;
using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Sessions;
using EdgeBroker.Host.Configuration;
using EdgeBroker.Host.Mqtt;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet.Exceptions;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace EdgeBroker.Fuzz.Mqtt;

/// <summary>
/// (b) The host's packet handling through the core: the input is what a client sends on one connection, read by the
/// host's own <see cref="GuardedChannel"/> exactly as its listener does — its framing (fixed header, remaining length,
/// the maximum packet size, bodies read into pooled buffers as bytes arrive), its checks of what MQTTnet does not check
/// (the first packet a CONNECT of a supported protocol level, reserved flags, UTF-8 strings, a second CONNECT) and
/// MQTTnet 5.2's decoders behind them — and each packet it passes on handed to a <see cref="BrokerCore"/> on in-memory
/// stores the way the host's CoreBridge reports it (Connect, Subscribe, Unsubscribe, Publish, Acknowledge, Disconnect).
/// The CONNACK is sent back through the channel, so an MQTT 5 connection refused later gets its DISCONNECT with the
/// reason code. Two other clients share the core — one connected and subscribed to everything, one away with a
/// persistent session — so the fuzzed client's messages are routed, kept offline and retained.
/// <para>
/// The channel's designed refusal is to close the connection (it reports the problem and returns no packet), so an
/// exception escaping it is a finding. So is any exception thrown inside it other than the refusals it is built
/// on — <see cref="BadPacketException"/> and MQTTnet's <see cref="MqttProtocolViolationException"/> — even though the
/// channel turns every decoder failure into a closed connection: a decoder throwing anything else has a bug there.
/// </para>
/// </summary>
sealed class HostPacketTarget : FuzzTarget
{
    /// <summary>The host's defaults: QoS 2, and how long a 3.1.1 session with clean session = 0 outlives its connection.</summary>
    const int MaxQos = 2;
    const uint Mqtt311SessionExpirySeconds = 7 * 24 * 3600;

    static readonly IPEndPoint Local = new(IPAddress.Loopback, 1883);
    static readonly IPEndPoint Remote = new(IPAddress.Loopback, 50000);

    /// <summary>The host's default <c>Connections:MaxPacketSize</c>.</summary>
    static readonly int MaxPacketSize = new ConnectionLimitsOptions().MaxPacketSize;

    /// <summary>The host's default MQTT 5 limits (Receive Maximum, topic aliases, keep-alive bound), so the fuzzed bytes
    /// reach the channel's flow control too.</summary>
    static readonly FlowLimits Flow = new ConnectionLimitsOptions().ToFlowLimits();

    /// <summary>The first unexpected exception thrown while the channel reads, or null.</summary>
    Exception? _unexpected;
    bool _reading;

    public HostPacketTarget()
    {
        AppDomain.CurrentDomain.FirstChanceException += (_, thrown) =>
        {
            if (_reading && _unexpected is null && thrown.Exception is not (BadPacketException or MqttProtocolViolationException))
            {
                _unexpected = thrown.Exception;
            }
        };
    }

    public override string Name => "host-packets";

    public override string[] InstrumentedAssemblies => ["MQTTnet.dll", "EdgeBroker.Host.dll", "EdgeBroker.Core.dll"];

    public override void WriteSeeds(string directory) => MqttSeeds.Write(directory);

    public override void Execute(byte[] input)
    {
        var limits = new OfflineLimits();
        var core = new BrokerCore(new AllowAllPolicy(), new MemoryOfflineStore(limits), new MemorySessionStore(), limits, MaxQos, expectedClients: 16);
        var retained = new RetainedMessages(32, null);
        core.KeepRetained = message => retained.Update(message);
        var observer = new FuzzedClientConnection(1);
        core.Connect("observer", true, 0, observer);
        core.Subscribe("observer", "#", 1, false, false, 0);
        var away = new FuzzedClientConnection(2);
        core.Connect("away", false, BrokerCore.NeverExpires, away);
        core.Subscribe("away", "sensors/#", 1, false, false, 0);
        core.Disconnect("away", away, BrokerCore.NeverExpires);

        var stream = new ClientStream(input);
        using var channel = new GuardedChannel(stream, Local, Remote, null, new MqttPacketFormatterAdapter(new MqttBufferWriter(4096, 65535)),
            MaxPacketSize, Flow, new ConnectionProblems(NullLogger.Instance, maxTrackedSources: 16), "127.0.0.1", new SessionPresentFlags(), new ByteCounters(),
            new ConnectionInput(stream, secured: false));
        var client = new CoreClient(core, channel.PacketFormatterAdapter);
        _unexpected = null;
        _reading = true;
        try
        {
            if (Wait(channel.ReceiveConnectAsync(Timeout.InfiniteTimeSpan, CancellationToken.None)))
            {
                while (Wait(channel.ReceivePacketAsync(CancellationToken.None)) is { } packet && client.Handle(packet))
                {
                    if (packet is MqttConnectPacket)
                    {
                        Wait(channel.SendPacketAsync(new MqttConnAckPacket { ReasonCode = MqttConnectReasonCode.Success }, CancellationToken.None));
                    }
                }
            }
        }
        finally
        {
            // What the channel wrote (CONNACK, DISCONNECT) is flushed on the thread pool; this waits for it, so an
            // execution ends with its writes.
            Wait(channel.DisconnectAsync(CancellationToken.None));
            _reading = false;
            client.Close();
        }

        if (_unexpected is { } unexpected)
        {
            ExceptionDispatchInfo.Throw(unexpected);
        }

        core.Tick(Clock.NowMs());
        core.ExpireSessions(Clock.NowMs() + 1000L * Mqtt311SessionExpirySeconds + 1);
    }

    /// <summary>The channel reads from memory (<see cref="ClientStream"/>), so its tasks complete at once; waiting on one surfaces its exception.</summary>
    static T Wait<T>(Task<T> task) => task.GetAwaiter().GetResult();

    static void Wait(Task task) => task.GetAwaiter().GetResult();

    /// <summary>One client's packets as the host's CoreBridge reports them to the core (after the channel's checks:
    /// CONNECT first and only once).</summary>
    sealed class CoreClient(BrokerCore core, MqttPacketFormatterAdapter formatter)
    {
        readonly FuzzedClientConnection _connection = new(3);
        string? _clientId;
        uint _expiry;
        bool _disconnectReceived;

        bool IsV5 => formatter.ProtocolVersion == MqttProtocolVersion.V500;

        /// <summary>False when the connection ends with this packet.</summary>
        public bool Handle(MqttPacket packet)
        {
            if (_clientId == null)
            {
                return packet is MqttConnectPacket connect && Connect(connect);
            }

            switch (packet)
            {
                case MqttPublishPacket publish:
                    core.Publish(_clientId, new RoutedMessage(publish.Topic, publish.Payload.ToArray(), (int)publish.QualityOfServiceLevel, publish.Retain)
                    {
                        SenderClientId = _clientId,
                        MessageExpiryInterval = publish.MessageExpiryInterval,
                        PublishedAtMs = Clock.NowMs(),
                    });
                    return true;
                case MqttSubscribePacket subscribe:
                    foreach (var filter in subscribe.TopicFilters)
                    {
                        if (!filter.Topic.StartsWith("$share/", StringComparison.Ordinal))
                        {
                            core.Subscribe(_clientId, filter.Topic, (int)filter.QualityOfServiceLevel, filter.NoLocal, filter.RetainAsPublished,
                                (int)subscribe.SubscriptionIdentifier);
                        }
                    }

                    return true;
                case MqttUnsubscribePacket unsubscribe:
                    foreach (var filter in unsubscribe.TopicFilters)
                    {
                        core.Unsubscribe(_clientId, filter);
                    }

                    return true;
                case MqttPubAckPacket or MqttPubCompPacket:
                    var tag = _connection.TakeDeliveryTag(((MqttPacketWithIdentifier)packet).PacketIdentifier);
                    if (tag > 0)
                    {
                        core.Acknowledge(_clientId, tag);
                    }

                    return true;
                case MqttDisconnectPacket disconnect:
                    _disconnectReceived = true;
                    if (IsV5 && disconnect.SessionExpiryInterval != 0)
                    {
                        _expiry = disconnect.SessionExpiryInterval;
                    }

                    return false;
                default:
                    return true;
            }
        }

        bool Connect(MqttConnectPacket connect)
        {
            _clientId = string.IsNullOrEmpty(connect.ClientId) ? "auto-generated" : connect.ClientId;
            _expiry = IsV5 ? connect.SessionExpiryInterval : connect.CleanSession ? 0 : Mqtt311SessionExpirySeconds;
            core.Connect(_clientId, connect.CleanSession, _expiry, _connection);
            core.ConnectionAccepted(_clientId, _connection, "127.0.0.1:50000");
            return true;
        }

        public void Close()
        {
            if (_clientId == null)
            {
                return;
            }

            core.Disconnect(_clientId, _connection, _expiry);
            if (_disconnectReceived)
            {
                core.DisconnectReceived(_clientId, _connection);
            }

            core.ConnectionClosed(_clientId, _connection);
        }
    }
}
