using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace EdgeBroker.Host.Mqtt;

/// <summary>
/// A CONNACK that refuses a connection. MQTTnet's MQTT 5 encoder writes a CONNACK's availability properties whenever
/// they differ from the protocol's defaults, and a packet's own defaults (false, QoS 0) would tell a refused client the
/// broker has no retained messages, wildcards, shared subscriptions, subscription identifiers or QoS above 0 — more
/// limited than the success CONNACK says it is. Refusals therefore leave them at the protocol's defaults (available,
/// QoS 2), as the success CONNACK does for all but the QoS it grants.
/// </summary>
static class ConnAckRefusal
{
    public static MqttConnAckPacket Of(MqttConnectReasonCode reason) =>
        Of(reason, MqttConnectReasonCodeConverter.ToConnectReturnCode(reason));

    public static MqttConnAckPacket Of(MqttConnectReasonCode reason, MqttConnectReturnCode returnCode) => new()
    {
        ReasonCode = reason,
        ReturnCode = returnCode,
        MaximumQoS = MqttQualityOfServiceLevel.ExactlyOnce,
        RetainAvailable = true,
        SharedSubscriptionAvailable = true,
        SubscriptionIdentifiersAvailable = true,
        WildcardSubscriptionAvailable = true,
    };
}
