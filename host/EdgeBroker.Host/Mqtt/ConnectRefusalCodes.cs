using EdgeBroker.Core.Security;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace EdgeBroker.Host.Mqtt;

/// <summary>
/// The CONNACK reason code of a refused CONNECT; the 3.1.1 return code is derived from it by MQTTnet's
/// <c>MqttConnectReasonCodeConverter</c>, which maps "connection rate exceeded" (0x9F) to 3.1.1's 0x01 (unacceptable
/// protocol version); so a 3.1.1 client is given the reason code whose derivation is the core's 3.1.1 answer (0x02,
/// 0x03, 0x04 or 0x05).
/// </summary>
static class ConnectRefusalCodes
{
    public static MqttConnectReasonCode For(AuthDecision decision, MqttProtocolVersion protocol)
    {
        if (protocol == MqttProtocolVersion.V500)
        {
            return (MqttConnectReasonCode)decision.Mqtt5ReasonCode;
        }

        return decision.Mqtt311ReturnCode switch
        {
            ConnackCodes.Mqtt311BadUserNameOrPassword => MqttConnectReasonCode.BadUserNameOrPassword,
            ConnackCodes.Mqtt311IdentifierRejected => MqttConnectReasonCode.ClientIdentifierNotValid,
            ConnackCodes.Mqtt311ServerUnavailable => MqttConnectReasonCode.ServerUnavailable,
            _ => MqttConnectReasonCode.NotAuthorized,
        };
    }
}
