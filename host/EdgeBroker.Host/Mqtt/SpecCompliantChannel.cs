using System.Net;
using System.Security.Cryptography.X509Certificates;
using EdgeBroker.Core.Monitoring;
using MQTTnet.Adapter;
using MQTTnet.Exceptions;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace EdgeBroker.Host.Mqtt;

/// <summary>
/// One client connection, passed through to MQTTnet except where MQTTnet would break a normative statement.
/// <para>
/// [MQTT-3.1.3-8]: a 3.1.1 CONNECT with a zero-byte client ID and clean session = 0 must be answered with CONNACK 0x02
/// (identifier rejected) before the connection is closed; MQTTnet's decoder rejects it by closing the connection
/// without any CONNACK, so the client cannot tell why.
/// </para>
/// <para>
/// CONNACK "session present" is the core's answer (see <see cref="SessionPresentFlags"/>).
/// </para>
/// <para>
/// The bytes MQTTnet counts on the channel are added to the broker's totals after every packet (<paramref name="bytes"/>).
/// </para>
/// </summary>
sealed class SpecCompliantChannel(IMqttChannelAdapter inner, SessionPresentFlags sessionPresent, ByteCounters bytes) : IMqttChannelAdapter
{
    const string EmptyClientIdWithoutCleanSession = "MQTT-3.1.3-7";

    bool _connectReceived;
    long _countedReceived;
    long _countedSent;

    public long BytesReceived => inner.BytesReceived;

    public long BytesSent => inner.BytesSent;

    public X509Certificate2 ClientCertificate => inner.ClientCertificate;

    public EndPoint RemoteEndPoint => inner.RemoteEndPoint;

    public EndPoint LocalEndPoint => inner.LocalEndPoint;

    public bool IsSecureConnection => inner.IsSecureConnection;

    public MqttPacketFormatterAdapter PacketFormatterAdapter => inner.PacketFormatterAdapter;

    public Task ConnectAsync(CancellationToken cancellationToken) => inner.ConnectAsync(cancellationToken);

    public Task DisconnectAsync(CancellationToken cancellationToken) => inner.DisconnectAsync(cancellationToken);

    public async Task<MqttPacket> ReceivePacketAsync(CancellationToken cancellationToken)
    {
        try
        {
            var packet = await inner.ReceivePacketAsync(cancellationToken).ConfigureAwait(false);
            CountBytes();
            _connectReceived |= packet is MqttConnectPacket;
            return packet;
        }
        catch (MqttProtocolViolationException e) when (!_connectReceived && e.Message.Contains(EmptyClientIdWithoutCleanSession, StringComparison.Ordinal))
        {
            var refusal = new MqttConnAckPacket
            {
                ReturnCode = MqttConnectReturnCode.ConnectionRefusedIdentifierRejected,
                ReasonCode = MqttConnectReasonCode.ClientIdentifierNotValid,
            };
            await inner.SendPacketAsync(refusal, cancellationToken).ConfigureAwait(false);

            // Not a CONNECT: MQTTnet logs the refusal and closes the connection.
            return null!;
        }
    }

    public async Task SendPacketAsync(MqttPacket packet, CancellationToken cancellationToken)
    {
        if (packet is MqttConnAckPacket { ReasonCode: MqttConnectReasonCode.Success } connAck)
        {
            connAck.IsSessionPresent = sessionPresent.Take(inner.RemoteEndPoint);
        }

        await inner.SendPacketAsync(packet, cancellationToken).ConfigureAwait(false);
        CountBytes();
    }

    public void ResetStatistics()
    {
        CountBytes();
        inner.ResetStatistics();
        Interlocked.Exchange(ref _countedReceived, 0);
        Interlocked.Exchange(ref _countedSent, 0);
    }

    public void Dispose()
    {
        CountBytes();
        inner.Dispose();
    }

    /// <summary>Adds what the channel moved since the last count. Sends and receives run on different threads; each
    /// exchange hands a disjoint part of the channel's total to the broker's. MQTTnet 5.2's channel adapter adds the
    /// bytes it reads to BytesSent and those it writes to BytesReceived (measured: a 15-byte CONNECT and a 2-byte
    /// DISCONNECT show as 17 "sent", the 4-byte CONNACK as 4 "received"), so they are read crosswise here.</summary>
    void CountBytes()
    {
        var received = inner.BytesSent;
        bytes.CountReceived(received - Interlocked.Exchange(ref _countedReceived, received));
        var sent = inner.BytesReceived;
        bytes.CountSent(sent - Interlocked.Exchange(ref _countedSent, sent));
    }
}
