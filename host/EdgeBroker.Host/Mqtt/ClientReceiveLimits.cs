using EdgeBroker.Core.Flow;
using MQTTnet.Formatter;
using MQTTnet.Packets;

namespace EdgeBroker.Host.Mqtt;

/// <summary>
/// What an MQTT 5 client said in its CONNECT it can take from the broker: how many QoS 1/2 PUBLISHes unacknowledged at
/// once (Receive Maximum, 65,535 when absent), how many topic aliases (0 = none; the broker uses at most its own
/// <see cref="FlowLimits.OutboundTopicAliasMaximum"/> of them) and the largest packet (0 = no limit). MQTT 3.1.1
/// clients say none of this: no window, no aliases, no limit.
/// </summary>
readonly record struct ClientReceiveLimits(int ReceiveMaximum, int TopicAliasMaximum, long MaximumPacketSize)
{
    public static readonly ClientReceiveLimits Unlimited = new(InFlightWindow.Unlimited, 0, 0);

    public static ClientReceiveLimits Of(MqttConnectPacket connect, MqttProtocolVersion version, FlowLimits flow) =>
        version != MqttProtocolVersion.V500
            ? Unlimited
            : new(connect.ReceiveMaximum == 0 ? InFlightWindow.Unlimited : connect.ReceiveMaximum, flow.OutboundTopicAliasesFor(connect.TopicAliasMaximum),
                connect.MaximumPacketSize);
}
