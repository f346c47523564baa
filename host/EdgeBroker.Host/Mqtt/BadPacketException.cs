using MQTTnet.Protocol;

namespace EdgeBroker.Host.Mqtt;

/// <summary>A packet that ends its connection: what was wrong (for the log, without the bytes) and the MQTT 5 reason
/// code of the DISCONNECT sent when the connection's CONNECT had been accepted.</summary>
sealed class BadPacketException(string problem, MqttDisconnectReasonCode reason, Exception? cause = null) : Exception(problem, cause)
{
    public MqttDisconnectReasonCode Reason => reason;
}
