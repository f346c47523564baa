using System.Buffers;
using System.Runtime.ExceptionServices;
using EdgeBroker.Core;
using EdgeBroker.Core.Access;
using EdgeBroker.Core.Offline;
using EdgeBroker.Core.Retained;
using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Sessions;
using MQTTnet.Adapter;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Exceptions;
using MQTTnet.Formatter;
using MQTTnet.Packets;

namespace EdgeBroker.Fuzz.Mqtt;

/// <summary>
/// (b) The host's packet handling through the core: the input is what a client sends on one connection, read and
/// decoded by MQTTnet 5.2's <see cref="MqttChannelAdapter"/> exactly as the host's listener does, and each decoded
/// packet handed to a <see cref="BrokerCore"/> on in-memory stores the way the host's CoreBridge reports it
/// (Connect, Subscribe, Unsubscribe, Publish, Acknowledge, Disconnect). Two other clients share the core — one
/// connected and subscribed to everything, one away with a persistent session — so the fuzzed client's messages are
/// routed, kept offline and retained. <see cref="MqttProtocolViolationException"/> is MQTTnet's designed refusal (it
/// closes that connection), also when it arrives wrapped; anything else, from MQTTnet's reader and decoder (unwrapped
/// from the MqttCommunicationException it arrives in) or from the core, is a finding.
/// </summary>
sealed class HostPacketTarget : FuzzTarget
{
    /// <summary>The host's defaults: QoS 2, and how long a 3.1.1 session with clean session = 0 outlives its connection.</summary>
    const int MaxQos = 2;
    const uint Mqtt311SessionExpirySeconds = 7 * 24 * 3600;

    public override string Name => "host-packets";

    public override string[] InstrumentedAssemblies => ["MQTTnet.dll", "EdgeBroker.Core.dll"];

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

        var channel = new InputChannel(input);
        using var adapter = new MqttChannelAdapter(channel, new MqttPacketFormatterAdapter(new MqttBufferWriter(4096, 65535)), MqttNetNullLogger.Instance);
        var client = new CoreClient(core, adapter.PacketFormatterAdapter);
        try
        {
            while (channel.HoldsNextPacket() && adapter.ReceivePacketAsync(CancellationToken.None).GetAwaiter().GetResult() is { } packet
                && client.Handle(packet))
            {
            }
        }
        catch (MqttProtocolViolationException)
        {
        }
        catch (MqttCommunicationException e) when (e.InnerException is { } failure)
        {
            // MQTTnet wraps what its reader throws; a refused fixed header (a fifth remaining-length byte) arrives as
            // MqttCommunicationException(AggregateException(MqttProtocolViolationException)), and closes the connection
            // like any protocol violation.
            var cause = failure is AggregateException { InnerExceptions.Count: 1 } aggregate ? aggregate.InnerException! : failure;
            if (cause is not MqttProtocolViolationException)
            {
                ExceptionDispatchInfo.Throw(cause);
            }
        }
        finally
        {
            client.Close();
        }

        core.Tick(Clock.NowMs());
        core.ExpireSessions(Clock.NowMs() + 1000L * Mqtt311SessionExpirySeconds + 1);
    }

    /// <summary>One client's packets as the host's CoreBridge reports them to the core (after MQTTnet's own checks:
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
                case MqttConnectPacket:
                    return false; // A second CONNECT is a protocol violation [MQTT-3.1.0-2].
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
