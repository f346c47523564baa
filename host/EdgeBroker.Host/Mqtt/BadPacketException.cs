using MQTTnet.Protocol;

namespace EdgeBroker.Host.Mqtt;

/// <summary>A packet that ends its connection: what was wrong (for the log, without the bytes) and the MQTT 5 reason
/// code of the DISCONNECT sent when the connection's CONNECT had been accepted — or, for a CONNECT refused by an MQTT 5
/// client, of the CONNACK sent before the connection closes (<see cref="ConnAckReason"/>: the same code unless the
/// CONNACK has a more precise one, 0x85 for a client ID, 0x8C for an authentication method, 0x90 for a will topic).</summary>
sealed class BadPacketException(string problem, MqttDisconnectReasonCode reason, Exception? cause = null, MqttConnectReasonCode? connAck = null)
    : Exception(problem, cause)
{
    public MqttDisconnectReasonCode Reason => reason;

    public MqttConnectReasonCode ConnAckReason => connAck ?? (MqttConnectReasonCode)(int)reason;
}
